"""``bench inspect``: the Typer command; the work is in :mod:`trackbench.harness.inspect.build`.

Registered in ``app.py``; this module imports nothing from it (no import cycle).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, soft_wrap=True)


def _split(text: Optional[str], option: str) -> Optional[list[str]]:
    """Comma-separated items; None when not given; given but empty is an error (it would mean "all")."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        err_console.print(f"[bold red]error:[/bold red] {escape(option)} was given but names nothing")
        raise typer.Exit(2)
    return items


def inspect(
    run: Optional[Path] = typer.Argument(None, help="Run folder made by `bench run` or `bench sweep` (results/<run>). Leave out with --gt/--results."),
    trackers: Optional[str] = typer.Option(None, "--trackers", "-t", help="One tracker, or two to compare: A,B (the events where A errs and B does not, and the reverse). Default: the run's trackers when there are one or two."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated sequence names or prefixes (default: every scored sequence)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the pages (<sequence>.html and index.json). Default: <run>/inspect, or <results>/inspect."),
    gt: Optional[Path] = typer.Option(None, "--gt", help="Instead of a run: ground-truth folder as for `bench eval --gt`."),
    results: Optional[Path] = typer.Option(None, "--results", help="With --gt: result files as for `bench eval --results` (one tracker's, or <tracker>/data/ folders)."),
    clear_backend: str = typer.Option("motmetrics", "--clear-backend", help="With --gt/--results: whose CLEAR matching to show (motmetrics or trackeval). A run folder's own backend is always used for it."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Where the run's dataset is now, if it moved since the run (default: the manifest's)."),
    max_crops: int = typer.Option(60, "--max-crops", min=0, help="Most events per tracker given image crops (identity errors first, then the longest runs); every event is listed either way."),
) -> None:
    """Write one self-contained HTML page per sequence showing where and why a tracker fails.

    Identity timeline (one row per gt object, coloured by the matched track), error events (switches,
    fragmentations, missed and false-positive runs, merges) counted from the same matching as the scores, crops
    where the sequence has images, per-object HOTA terms, and with two trackers the errors only one of them makes.
    `bench publish` links the pages from report.html.
    """
    from trackbench.harness.cli.errors import reported
    from trackbench.harness.inspect.build import folder_inputs, run_inputs, write_pages
    from trackbench.harness.inspect.index import DEFAULT_FOLDER
    from trackbench.harness.metrics.evaluate import check_backend

    with reported(err_console):
        chosen = _split(trackers, "--trackers/-t")
        seqs = _split(sequences, "--sequences/-s")
        if run is not None and (gt is not None or results is not None):
            raise ValueError("give a run folder, or --gt with --results, not both")
        if run is not None:
            items = run_inputs(run, chosen, seqs, data_root)
            target = out or run / DEFAULT_FOLDER
        elif gt is not None and results is not None:
            items = folder_inputs(gt, results, chosen, seqs, check_backend(clear_backend))
            target = out or results / DEFAULT_FOLDER
        else:
            raise ValueError("give a run folder (results/<run>), or --gt and --results")
        written = write_pages(items, target, progress=lambda line: err_console.print(line, markup=False,
                                                                                        highlight=False),
                              max_cropped=max_crops)
    for name, path in written.items():
        console.print(f"{name}: {path}", markup=False, highlight=False)

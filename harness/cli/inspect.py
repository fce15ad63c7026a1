"""``bench inspect``: the Typer command; the work is in :mod:`trackbench.harness.inspect.build`.

Registered in ``app.py``; this module imports nothing from it (no import cycle).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from trackbench.harness.cli.option_values import split_items
from trackbench.io.terminal import make_console

# Markup off, as app.py's: names and paths print as the characters they are (trackbench/io/terminal.py).
console = make_console(width=None if sys.stdout.isatty() else 140)
err_console = make_console(stderr=True, soft_wrap=True)


def _split(text: Optional[str], option: str) -> Optional[list[str]]:
    """Comma-separated items (:func:`~trackbench.harness.cli.option_values.split_items`), errors on this console."""
    return split_items(text, option, err_console)


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
    video: bool = typer.Option(False, "--video", help="Also write a short clip per chosen event (gt and each tracker's boxes drawn, ids labelled) to <sequence>.clips/ beside the page; clicking an event plays it. Needs the sequence's images; H.264 as `bench track` writes it (pip install 'trackbench\\[video]' where OpenCV has no H.264 encoder)."),
    video_frames: Optional[str] = typer.Option(None, "--video-frames", help="First and last frame (A:B, 1-based, inclusive): also a clip of those frames of each sequence, shown above the events.", metavar="A:B"),
    max_clips: int = typer.Option(20, "--max-clips", min=0, help="With --video: most events per tracker given a clip, in the order crops use (identity errors first, then the longest runs)."),
    clip_margin: int = typer.Option(10, "--clip-margin", min=0, help="With --video: frames shown before and after each event (a clip is at most 150 frames)."),
) -> None:
    """Write one self-contained HTML page per sequence showing where and why a tracker fails.

    Identity timeline (one row per gt object, coloured by the matched track), error events (switches,
    fragmentations, missed and false-positive runs, merges) counted from the same matching as the scores, crops
    where the sequence has images, per-object HOTA terms, and with two trackers the errors only one of them makes.
    With --video, a clip per chosen event plays when the event is clicked.
    `bench publish` links the pages from report.html.
    """
    from trackbench.harness.cli.errors import reported
    from trackbench.harness.inspect.build import folder_inputs, run_inputs
    from trackbench.harness.inspect.clips import VideoRequest, parse_frames
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
        request = None
        if video or video_frames is not None:
            request = VideoRequest(events=video, max_clips=max_clips, margin=clip_margin,
                                   frames=parse_frames(video_frames) if video_frames is not None else None)
        written = _write(items, target, max_crops, request)
    for name, path in written.items():
        console.print(f"{name}: {path}", markup=False, highlight=False)


def _write(items: list, target: Path, max_crops: int, request) -> dict[str, Path]:
    """Write the pages; with clips to encode, under progress bars (lines every 10 s when not a terminal)."""
    from trackbench.harness.inspect.build import write_pages
    from trackbench.harness.runs.progress import ProgressReport

    def say(line: str) -> None:
        err_console.print(line, markup=False, highlight=False)

    if request is None:
        return write_pages(items, target, progress=say, max_cropped=max_crops)
    with ProgressReport(err_console) as bars:
        return write_pages(items, target, progress=say, max_cropped=max_crops, video=request, bars=bars)

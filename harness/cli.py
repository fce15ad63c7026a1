"""The ``bench`` command line (Typer).  Thin: parsing and printing only.

The work lives in the runner, metrics and leaderboard modules; each command
here turns options into their arguments and their results into tables.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="trackbench: run multi-object trackers over real sequences, score them, publish tables.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Wide enough for the leaderboard when output goes to a file or CI log.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True)


def _split(text: Optional[str]) -> Optional[list[str]]:
    if not text:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/bold red] {message}")
    raise typer.Exit(code)


@app.command()
def run(
    trackers: Optional[str] = typer.Option(None, "--trackers", "-t", help="Comma-separated tracker names (default: every tracker that can run on the data). See `bench trackers`."),
    dataset: str = typer.Option("synth", "--dataset", "-d", help="synth (built-in, no download), mot15, mot16, mot17, mot20, aicity, or a folder in MOTChallenge layout."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Folder of the dataset itself (e.g. ~/data/MOT17). Default: $TRACKBENCH_DATA/<DATASET>."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated sequence names or prefixes to keep (e.g. MOT17-05,MOT17-11; S01/c001 for aicity)."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="name=value, repeatable; applies to every selected tracker that has the parameter (e.g. --param max_age=30)."),
    detect_every: int = typer.Option(1, "--detect-every", min=1, help="Give trackers detections only on every K-th frame (others get none), as a system with a slow detector would."),
    detector: Optional[str] = typer.Option(None, "--detector", help="AI City only: which detection file to use (yolo3, ssd512, mask_rcnn; default yolo3)."),
    no_roi: bool = typer.Option(False, "--no-roi", help="AI City only: keep detections outside roi.jpg and score the whole image."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (folder under --results). Default: a timestamp."),
    results: Path = typer.Option(Path("results"), "--results", help="Folder where runs are written."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes (1 = in-process; timings are cleanest with 1)."),
) -> None:
    """Run trackers over a dataset, score them, and print the leaderboard."""
    from harness.run_command import RunRequest, execute_run

    request = RunRequest(
        trackers=_split(trackers), dataset=dataset, data_root=data_root, sequences=_split(sequences),
        params=list(param or []), detect_every=detect_every, detector=detector, use_roi=not no_roi, name=name,
        results=results, jobs=jobs,
    )
    execute_run(request, console, err_console)


@app.command("eval")
def eval_(
    gt: Path = typer.Option(..., "--gt", help="Ground-truth folder in MOTChallenge layout (<gt>/<SEQ>/gt/gt.txt) or TrackEval's."),
    results_dir: Path = typer.Option(..., "--results", help="Folder of tracker result files <SEQ>.txt (or <tracker>/data/<SEQ>.txt)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="mot15 (no preprocessing) or mot16/mot17/mot20 (distractor preprocessing). Default: detect from gt columns."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also save the table as CSV and Markdown in this folder."),
) -> None:
    """Score existing MOTChallenge result files against ground truth (CLEAR, ID, HOTA)."""
    from harness.eval_command import execute_eval

    execute_eval(gt, results_dir, benchmark, out, console, err_console)


@app.command("trackers")
def list_trackers() -> None:
    """List the available trackers with their parameters and defaults."""
    import dataclasses

    import trackers as registry

    for tname in registry.available():
        cls = registry.tracker_class(tname)
        needs = [k for k, v in dataclasses.asdict(cls.requires).items() if v]
        console.print(f"[bold]{tname}[/bold]" + (f"  (needs: {', '.join(needs)})" if needs else ""))
        for f in dataclasses.fields(cls.Params):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            console.print(f"    {f.name} = {default!r}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

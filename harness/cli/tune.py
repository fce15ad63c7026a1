"""``bench tune``: the Typer command and what it prints; the work is in :mod:`trackbench.harness.tune.session`.

Registered in ``app.py``; this module imports nothing from it (no import cycle):
the option helpers both use are in :mod:`trackbench.harness.cli.option_values`.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

import typer

from trackbench.harness.cli.option_values import given_fields, resume_name, split_items
from trackbench.io.terminal import labelled, make_console

# Markup off, as app.py's: labels, paths and notes print as the characters they are (trackbench/io/terminal.py).
console = make_console(width=None if sys.stdout.isatty() else 140)
err_console = make_console(stderr=True, soft_wrap=True)

#: CLI option names that are TuneRequest fields under another name.
_REQUEST_FIELD = {"param": "params", "no_roi": "use_roi", "tracker": "trackers"}


def _split(text: Optional[str], option: str) -> Optional[list[str]]:
    """Comma-separated items (:func:`~trackbench.harness.cli.option_values.split_items`), errors on this console."""
    return split_items(text, option, err_console)


def _given(ctx: typer.Context) -> set[str]:
    return given_fields(ctx, _REQUEST_FIELD)


def tune(
    ctx: typer.Context,
    trackers: Optional[str] = typer.Option(None, "--trackers", "-t", help="Comma-separated trackers to tune, each under the same budget (see `bench trackers --space`)."),
    dataset: str = typer.Option("synth", "--dataset", "-d", help="As for `bench run`: synth, mot15, mot16, mot17, mot20, aicity, or a MOTChallenge-layout folder."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Folder of the dataset itself. Default: $TRACKBENCH_DATA/<DATASET>."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated sequence names or prefixes to use."),
    objective: str = typer.Option("HOTA", "--objective", help="Metric to optimise (any leaderboard metric; FP, FN, IDsw… are minimised). Several (HOTA,Hz) give a Pareto front; held-out scoring then uses the front's best on the first."),
    trials: Optional[int] = typer.Option(None, "--trials", help="Completed trials per study (each fold and the all-sequences study of each tracker). Default 50 unless --seconds is given."),
    seconds: Optional[float] = typer.Option(None, "--seconds", help="Time per study (finished trials' time); with --trials, whichever ends first."),
    seed: int = typer.Option(0, "--seed", help="Seed of the TPE sampler and the bootstrap: the same seed gives the same settings."),
    prune: bool = typer.Option(False, "--prune", help="Run each trial a sequence at a time and let Optuna's median pruner stop a bad one after its first sequences (one objective only; a stopped trial counts toward --trials)."),
    cv: Optional[str] = typer.Option(None, "--cv", help="Held-out scheme: loso (default with 2+ sequences), kfold:K, split:TRAIN_SEQS/TEST_SEQS (comma-separated), or none."),
    space: Optional[List[str]] = typer.Option(None, "--space", help="name=low:high (or low:high:log, or a,b,c choices), repeatable: change a tracker's declared range or tune another field; TRACKER.name=... for one tracker."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="name=value, repeatable: fixed for every trial (removed from the space); TRACKER.name=value for one tracker."),
    detect_every: int = typer.Option(1, "--detect-every", min=1, help="As for `bench run`."),
    detections: Optional[str] = typer.Option(None, "--detections", metavar="NAME|FOLDER|gt", help="As for `bench run`: a dataset's own detection set (mot17: DPM, FRCNN, SDP; aicity: yolo3, ssd512, mask_rcnn), a folder of <sequence>.txt MOT files, or gt (oracle; --gt-drop, --gt-jitter, seeded by --seed)."),
    gt_drop: float = typer.Option(0.0, "--gt-drop", help="--detections gt: drop each box with this probability."),
    gt_jitter: float = typer.Option(0.0, "--gt-jitter", help="--detections gt: Gaussian corner noise, this times the box's width/height."),
    split: Optional[str] = typer.Option(None, "--split", help="As for `bench run`: sportsmot, dancetrack: train, val or test; kitti: train or val (AB3DMOT's); bdd100k: the labels' split folder."),
    classes: Optional[str] = typer.Option(None, "--classes", help="As for `bench run`: kitti (car, pedestrian), bdd100k (pedestrian, rider, car, …): one sequence per (video, class), each scored with its class's rules."),
    detector: Optional[str] = typer.Option(None, "--detector", help="AI City only: the old name of --detections."),
    no_roi: bool = typer.Option(False, "--no-roi", help="AI City only: keep detections outside roi.jpg."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, help="Use only the first N frames of each sequence."),
    min_score: Optional[float] = typer.Option(None, "--min-score", help="Drop detections scored below this before every tracker (as `bench run`)."),
    clear_backend: str = typer.Option("motmetrics", "--clear-backend", help="motmetrics or trackeval, as for `bench run`."),
    replicates: int = typer.Option(1000, "--replicates", min=100, help="Bootstrap replicates for the tuned − default intervals."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the intervals."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (folder under --results). Default: a timestamp."),
    results: Path = typer.Option(Path("results"), "--results", help="Folder where runs are written."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes kept for the whole tune: each trial's sequences are tracked and scored side by side (the same numbers as -j 1, sooner: use one per core)."),
    executor: Optional[str] = typer.Option(None, "--executor", help="local, process or ray, as for `bench run`."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="--executor ray: the cluster to join."),
    resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN", help="Continue tune RUN with its saved options: completed trials are kept, a trial cut by a kill runs again."),
) -> None:
    """Tune trackers under one budget (Optuna TPE, defaults first) and score them on held-out sequences.

    Writes trials.csv, heldout.csv|md (default vs tuned on held-out sequences, tuned − default with a paired bootstrap interval), folds.csv|md (each fold's setting and its train-vs-test gap), best_params.json (use with `bench run --params-file`), study.db (SQLite) and manifest.json. Exit status as `bench run` (2 bad input, 130/143 interrupted: continue with --resume).
    """
    from trackbench.harness.tune.session import TuneRequest

    request = TuneRequest(
        trackers=_split(trackers, "--trackers/-t"), dataset=dataset, data_root=data_root,
        sequences=_split(sequences, "--sequences/-s"), detector=detector, use_roi=not no_roi, max_frames=max_frames,
        detections=detections, gt_drop=gt_drop, gt_jitter=gt_jitter,
        split=split, classes=_split(classes, "--classes"), detect_every=detect_every, min_score=min_score, clear_backend=clear_backend, params=list(param or []),
        space=list(space or []), objective=objective, trials=trials, seconds=seconds, seed=seed, prune=prune, cv=cv,
        replicates=replicates, level=level, name=resume_name(name, resume, err_console), results=results, jobs=jobs, executor=executor,
        ray_address=ray_address, resume=resume is not None,
    )
    execute_tune_cli(request, _given(ctx))


def execute_tune_cli(request, given: set[str] | frozenset = frozenset()) -> None:
    """Run the tune and print the held-out table; errors as one line (exit 2), interruptions as 130/143."""
    from trackbench.harness.cli.run import run_name, run_reported
    from trackbench.harness.report import leaderboard
    from trackbench.harness.tune.session import execute_tune, resumed

    request = replace(request, name=run_name(request))
    with run_reported(err_console, Path(request.results) / request.name, "bench tune"):
        if request.resume:
            request = resumed(request, given)
        outcome = execute_tune(request, err_console)
    title = ("held out" if outcome.held_out else "NOT held out") + f": default vs tuned ({outcome.objective.describe()})"
    console.print(leaderboard.rich_table(outcome.heldout, title))
    console.print(leaderboard.rich_table(outcome.folds, "chosen setting per fold"))
    for note in outcome.notes:
        console.print(labelled("note", "yellow", note))
    console.print(f"best settings: {outcome.run_dir / 'best_params.json'} (bench run --params-file)")
    console.print(f"results: {outcome.run_dir}")

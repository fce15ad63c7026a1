"""``bench sweep``: a parameter grid run as one ``bench run``, then a table and a plot.

Kept apart from the CLI so tests and benchmarks call the same path without Typer.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from trackbench.harness.report import leaderboard
from trackbench.harness.runs import manifest
from trackbench.harness.cli.run import (RunOutcome, RunRequest, detections_label, execute, exit_if_failed,
                                        restore_request, run_name, run_reported, saved_request)
from trackbench.harness.runs.executors import choose_executor
from trackbench.harness.runs.folder import saved_manifest
from trackbench.harness.runs.sweep import Grid, Setting, parse_grid, plan, plot_sweep, sweep_table
from trackbench.trackers.params import ParamError
from trackbench.io.terminal import labelled

#: Columns shown in the terminal after the swept parameters.
SHOWN_METRICS = ["HOTA", "MOTA", "IDF1", "IDsw", "FP", "FN", "Hz", "Hz e2e"]


@dataclass
class SweepRequest:
    """Everything ``bench sweep`` was asked to do."""

    trackers: list[str]
    params: list[str] = field(default_factory=list)  # name=values items (ranges, lists, fixed values)
    dataset: str = "synth"
    data_root: Path | None = None
    sequences: list[str] | None = None
    detect_every: int = 1  # when detect_every is not among the params
    detector: str | None = None
    name: str | None = None
    results: Path = Path("results")
    jobs: int = 1
    executor: str | None = None  # local | process | ray (see RunRequest)
    ray_address: str | None = None
    resume: bool = False  # continue sweep `name`; its saved options are used
    min_score: float | None = None  # harness detection score threshold, the same for every setting
    clear_backend: str = "motmetrics"  # where CLEAR and identity come from: motmetrics or trackeval
    detections: str | None = None  # --detections (see RunRequest), the same for every setting
    gt_drop: float = 0.0
    gt_jitter: float = 0.0
    seed: int = 0
    split: str | None = None  # sportsmot, dancetrack, kitti, bdd100k: which split (as bench run's --split)
    classes: list[str] | None = None  # kitti, bdd100k: one sequence per (video, class) (as bench run's --classes)


@dataclass
class SweepOutcome:
    run: RunOutcome
    grid: Grid
    settings: list[Setting]
    table: Any  # pandas DataFrame: one row per setting
    plot: Path | None
    wall_seconds: float


def execute_sweep(request: SweepRequest, console: Console | None = None) -> SweepOutcome:
    """Plan the grid, run every setting, save the table and the plot; raises on bad input."""
    t0 = time.perf_counter()
    grid = parse_grid(request.params)
    if not grid.axes:
        raise ParamError("nothing to sweep: give at least one --param with several values "
                         "(e.g. lambda=0:1:0.1 or max_age=10,30,60)")
    if "detect_every" in grid.fixed or any(a.field == "detect_every" for a in grid.axes):
        if request.detect_every != 1:
            raise ParamError("give detect_every either as --detect-every or as --param detect_every=..., not both")
    settings = plan(request.trackers, grid)
    run_request = RunRequest(
        dataset=request.dataset, data_root=request.data_root, sequences=request.sequences,
        detect_every=request.detect_every, detector=request.detector, name=request.name,
        results=request.results, jobs=request.jobs, variants=[s.variant for s in settings],
        executor=request.executor, ray_address=request.ray_address, resume=request.resume,
        min_score=request.min_score, clear_backend=request.clear_backend, detections=request.detections,
        gt_drop=request.gt_drop, gt_jitter=request.gt_jitter, seed=request.seed,
        split=request.split, classes=request.classes,
    )
    executor = choose_executor(request.executor, request.jobs)
    if executor == "process" or (executor == "ray" and not request.ray_address):
        # workers on this machine share its appearance cache; a remote cluster's workers have their own
        warm_feature_cache(run_request, settings)
    run = execute(run_request, console, extra_record={"sweep": {"request": saved_request(request)}})
    table, plot = None, None
    files: list[Path] = []
    if run.overall is not None:
        table = sweep_table(run.overall, settings, grid.axes)
        files += leaderboard.save(table, run.run_dir, "leaderboard", notes=run.notes,
                                  caption=leaderboard.metrics_note(request.clear_backend)
                                  + f" Detections: {detections_label(run_request)}.")
        title = (f"{request.dataset} ({detections_label(run_request)}): "
                 f"{', '.join(sorted({s.variant.tracker for s in settings}))}")
        plot = plot_sweep(table, grid.axes, run.run_dir / "sweep.png", title)
        if plot is None:
            run.notes.append("no MOTA/IDF1/HOTA to plot (no ground truth?)")
    wall = time.perf_counter() - t0
    _record(run, grid, settings, plot, wall)
    return SweepOutcome(run, grid, settings, table, plot, wall)


def warm_feature_cache(run_request: RunRequest, settings: list[Setting]) -> None:
    """Compute each needed set of appearance vectors once, before the settings run in parallel.

    In one process the first setting fills the cache and the others read it; worker
    processes starting together would each compute the same vectors instead.
    """
    from trackbench import trackers
    from trackbench.harness.runs.features import feature_options, with_features
    from trackbench.harness.cli.run import load
    from trackbench.trackers.embedders import is_precomputed

    specs = set()
    for s in settings:
        tracker = trackers.create(s.variant.tracker, s.variant.params())
        if tracker.requires.features:
            spec = feature_options(tracker.params)
            if not is_precomputed(spec[0]):
                specs.add(spec)
    if not specs:
        return
    for seq in load(run_request):
        for spec in sorted(specs, key=str):
            try:
                with_features(seq, *spec)
            except (FileNotFoundError, ValueError):
                pass  # the run reports why this sequence is skipped


def _record(run: RunOutcome, grid: Grid, settings: list[Setting], plot: Path | None, wall: float) -> None:
    """Add the sweep's grid and settings to the run's manifest."""
    path = run.run_dir / "manifest.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        record = {}
    record["sweep"] = {
        "request": (record.get("sweep") or {}).get("request"),
        "axes": [{"name": a.name, "field": a.field, "values": a.values} for a in grid.axes],
        "fixed": grid.fixed,
        "settings": [{"label": s.variant.name, "tracker": s.variant.tracker, "values": s.values,
                      "detect_every": s.variant.detect_every} for s in settings],
        "plot": str(plot) if plot else None,
        "wall_seconds": round(wall, 3),
    }
    manifest.write_manifest(path, record)


def resumed_sweep(request: SweepRequest, given: set[str] | frozenset = frozenset()) -> SweepRequest:
    """For ``--resume``: the saved sweep's request, with this command's executor options."""
    saved = saved_manifest(request.results, request.name or "")
    sweep = saved.get("sweep") or {}
    if "request" not in sweep or not sweep["request"]:
        raise ParamError(f"{request.name} is not a sweep this version can resume (no saved sweep request); "
                         f"a plain run continues with bench run --resume {request.name}")
    return restore_request(sweep["request"], request, given)


def prepared_sweep(request: SweepRequest, given: set[str] | frozenset = frozenset()) -> SweepRequest:
    """The request as :func:`execute_sweep` takes it, from ``bench sweep`` and ``trackbench.sweep`` alike:
    named (a timestamp by default) and, for ``resume``, with the saved sweep's options."""
    request = replace(request, name=run_name(request))
    return resumed_sweep(request, given) if request.resume else request


def execute_sweep_cli(request: SweepRequest, console: Console, err_console: Console,
                      given: set[str] | frozenset = frozenset()) -> SweepOutcome:
    """CLI entry: run the sweep, print its table, and turn known errors into clear messages (exit codes as run)."""
    request = replace(request, name=run_name(request))
    with run_reported(err_console, Path(request.results) / request.name, "bench sweep"):
        outcome = execute_sweep(prepared_sweep(request, given), err_console)
    table = outcome.table
    if table is not None:
        cols = ["tracker"] + [a.name for a in outcome.grid.axes] + [c for c in SHOWN_METRICS if c in table.columns]
        shown = table[cols].copy()
        given = {s.variant.name: s.values for s in outcome.settings}
        for axis in outcome.grid.axes:  # values as given, not rounded like metrics
            shown[axis.name] = [given[label].get(axis.name, "–") for label in shown.index]
        shown = shown.rename_axis("setting")
        console.print(leaderboard.rich_table(shown, f"{request.dataset}, detections {detections_label(request)}: sweep of "
                                             + ", ".join(a.name for a in outcome.grid.axes)
                                             + f" (CLEAR/ID: {request.clear_backend})"))
    for note in outcome.run.notes:
        console.print(labelled("note", "yellow", note))
    if outcome.plot:
        console.print(f"plot: {outcome.plot}")
    console.print(f"results: {outcome.run.run_dir}  ({len(outcome.settings)} settings, {outcome.wall_seconds:.1f} s)")
    exit_if_failed(outcome.run, err_console)
    return outcome

"""``bench run``: load → plan variants → track with a progress bar → score → leaderboard.

Kept apart from the CLI so sweeps and tests call the same path without Typer.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from trackbench import trackers as registry
from trackbench.datasets import DatasetNotFound, load_dataset
from trackbench.datasets.sequence import Sequence
from trackbench.harness.report import leaderboard
from trackbench.harness.runs import manifest
from trackbench.harness.runs.progress import ProgressReport
from trackbench.harness.runs.runner import UnitResult, Variant, make_variants, run_units, unit_records
from trackbench.harness.runs.scoring import score_units
from trackbench.trackers.params import ParamError, parse_assignments
from trackbench.harness.cli.errors import reported


@dataclass
class RunRequest:
    """Everything ``bench run`` was asked to do."""

    trackers: list[str] | None = None
    dataset: str = "synth"
    data_root: Path | None = None
    sequences: list[str] | None = None
    params: list[str] = field(default_factory=list)
    detect_every: int = 1
    detector: str | None = None
    use_roi: bool = True  # AI City: filter detections by roi.jpg and score inside it
    name: str | None = None
    results: Path = Path("results")
    jobs: int = 1
    variants: list[Variant] | None = None  # set by sweeps instead of trackers/params
    max_frames: int | None = None  # run and score only the first N frames of each sequence
    sort: str | None = None  # leaderboard order (default: the headline metric, HOTA)
    format: str = "table"  # "table" (rich) or "json" (stdout, for scripts)


@dataclass
class RunOutcome:
    run_dir: Path
    units: list[UnitResult]
    overall: Any  # pandas DataFrame
    per_sequence: Any
    notes: list[str]
    legend: list[str] = field(default_factory=list)  # each tracker's origin and paper


def default_trackers(sequences: list[Sequence]) -> list[str]:
    """Every built-in and plug-in tracker; image-based ones are skipped per sequence by the runner."""
    return registry.defaults()


def load(request: RunRequest) -> list[Sequence]:
    options: dict[str, Any] = {}
    if request.detector:
        if request.dataset.lower() != "aicity":
            raise ParamError("--detector applies to --dataset aicity only")
        options["detector"] = request.detector
    if not request.use_roi:
        if request.dataset.lower() != "aicity":
            raise ParamError("--no-roi applies to --dataset aicity only")
        options["use_roi"] = False
    sequences = load_dataset(request.dataset, request.data_root, request.sequences, **options)
    if request.max_frames:
        sequences = [s.head(request.max_frames) for s in sequences]
    return sequences


def run_name(request: RunRequest) -> str:
    return request.name or datetime.now().strftime("%Y%m%d-%H%M%S")


def execute(request: RunRequest, console: Console | None = None) -> RunOutcome:
    """Run, score and save; raises on bad input (the CLI turns errors into messages)."""
    console = console or Console(stderr=True)
    sequences = load(request)
    if not sequences:
        raise DatasetNotFound(f"no sequences selected in {request.dataset}")
    variants = request.variants or make_variants(request.trackers or default_trackers(sequences), parse_assignments(request.params))
    run_dir = Path(request.results) / run_name(request)
    dataset = sequences[0].info.dataset
    record: dict[str, Any] = {
        "status": "running", "started": manifest.now_iso(), "command": sys.argv,
        "dataset": dataset, "dataset_option": request.dataset, "detector": request.detector,
        "use_roi": request.use_roi if request.dataset.lower() == "aicity" else None, "data_root": str(request.data_root) if request.data_root else None,
        "sequences": [s.name for s in sequences], "detect_every": request.detect_every,
        "max_frames": request.max_frames, "frames": {s.name: s.info.length for s in sequences},
        "variants": [{"name": v.name, "tracker": v.tracker, "overrides": v.params()} for v in variants],
        "environment": manifest.environment(),
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest.write_manifest(run_dir / "manifest.json", record)
    total = sum(s.info.length for s in sequences)
    t0 = time.perf_counter()
    with ProgressReport(console, run_dir / "run.log") as report:
        for v in variants:
            report.add(v.name, total)

        def embedding(key: str, n: int) -> None:
            report.add(f"{key} embedding", total)
            report.advance(f"{key} embedding", n)

        units = run_units(variants, sequences, run_dir, dataset, request.detect_every, request.jobs,
                          on_progress=report.advance, on_embed=embedding)
        for v in variants:  # skipped units never advance their bar
            report.finish(v.name)
        for name in [b for b in report.bars if b.endswith(" embedding")]:
            report.finish(name)
        wall = time.perf_counter() - t0
        report.note(f"tracking done in {wall:.1f} s; scoring")
        overall, per_seq, notes = score_units(units, sequences, workers=request.jobs)
        for note in notes:
            report.log(f"note: {note}")
    if overall is not None:
        overall, per_seq = leaderboard.sort_board(overall, request.sort), leaderboard.sort_board(per_seq, request.sort)
    files = []
    legend = leaderboard.legend([v.tracker for v in variants])
    if overall is not None:
        files += leaderboard.save(overall, run_dir, "leaderboard", legend)
        files += leaderboard.save(per_seq, run_dir, "per_sequence")
    record.update(status="complete", finished=manifest.now_iso(), wall_seconds=round(wall, 3),
                  units=unit_records(units), notes=notes, tables=[str(f) for f in files])
    manifest.write_manifest(run_dir / "manifest.json", record)
    return RunOutcome(run_dir, units, overall, per_seq, notes, legend)


def execute_run(request: RunRequest, console: Console, err_console: Console) -> RunOutcome | None:
    """CLI entry: run, print the leaderboard, and turn known errors into clear messages."""
    with reported(err_console):
        leaderboard.check_options(request.sort, request.format)
        outcome = execute(request, err_console)
    if request.format == "json":
        print_json(outcome, console)
        return outcome
    if outcome.overall is not None:
        first = ["IDF1"] if request.dataset.lower() == "aicity" else None  # the AI City ranking metric
        leaderboard.show(outcome.overall, f"{request.dataset}: all sequences", console, first=first)
        for line in outcome.legend:
            console.print(f"[dim]{line}[/dim]")
        if outcome.per_sequence is not None and len(outcome.per_sequence) > len(outcome.overall):
            leaderboard.show(outcome.per_sequence, "per sequence", console, first=first)
    for note in outcome.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(f"results: {outcome.run_dir}")
    return outcome


def print_json(outcome: RunOutcome, console: Console) -> None:
    """The run's tables and notes as one JSON document on stdout (``--format json``)."""
    import json

    document = {
        "run": str(outcome.run_dir),
        "leaderboard": leaderboard.to_records(outcome.overall) if outcome.overall is not None else [],
        "per_sequence": leaderboard.to_records(outcome.per_sequence) if outcome.per_sequence is not None else [],
        "notes": outcome.notes,
    }
    console.out(json.dumps(document, indent=2, default=str), highlight=False)

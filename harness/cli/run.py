"""``bench run``: load → plan variants → track with a progress bar → score → leaderboard.

Kept apart from the CLI so sweeps and tests call the same path without Typer.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import typer
from rich.console import Console

from trackbench import trackers as registry
from trackbench.datasets import SPLIT_NAMES, DatasetNotFound, load_dataset
from trackbench.datasets.detsets import DetectionChoice, apply_choice, loader_options, parse_choice
from trackbench.datasets.sequence import Sequence
from trackbench.datasets.splits import restrict
from trackbench.harness.metrics.evaluate import DEFAULT_BACKEND, check_backend
from trackbench.harness.report import leaderboard
from trackbench.harness.report.score_scales import score_scale_notes
from trackbench.harness.runs import manifest
from trackbench.harness.runs.preflight import check_variants
from trackbench.harness.runs.camera_motion import preflight as cmc_preflight, with_cmc
from trackbench.harness.runs.progress import ProgressReport
from trackbench.harness.runs.executors import choose_executor, worker_count
from trackbench.harness.runs.folder import RunFolder, saved_manifest
from trackbench.harness.runs.runner import (UnitResult, Variant, make_variants, recorded_units, run_dir_for,
                                           run_units,
                                           unit_records)
from trackbench.harness.runs.scoring import score_units
from trackbench.trackers.params import ParamError, parse_assignments
from trackbench.harness.cli.errors import reported
from trackbench.io.terminal import labelled, make_console, styled


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
    frames: str | None = None  # --frames: train-half, val-half or A:B (trackbench.datasets.splits), before max_frames
    sort: str | None = None  # leaderboard order (default: the headline metric, HOTA)
    format: str = "table"  # "table" (rich) or "json" (stdout, for scripts)
    executor: str | None = None  # local | process | ray; None: local, or process when jobs > 1
    ray_address: str | None = None  # --executor ray: a cluster to join (None starts a local instance)
    resume: bool = False  # continue run `name`: finished units whose record matches are kept
    min_score: float | None = None  # detections scored below are dropped before every tracker (None: keep all)
    clear_backend: str = DEFAULT_BACKEND  # where CLEAR and identity come from: motmetrics or trackeval
    params_file: Path | None = None  # parameter file (e.g. bench tune's best_params.json); --param items win
    detections: str | None = None  # --detections: a dataset's variant, a folder of <sequence>.txt, or gt
    gt_drop: float = 0.0  # --detections gt: drop each box with this probability
    gt_jitter: float = 0.0  # --detections gt: Gaussian corner noise, this times the box's size
    seed: int = 0  # seed of the --detections gt simulation
    split: str | None = None  # sportsmot, dancetrack, kitti, bdd100k: which split (seqmap) to load
    classes: list[str] | None = None  # kitti, bdd100k: one sequence per (video, class) of these classes
    cmc: str | None = None  # --cmc: camera-motion compensation from a GMC folder or sparse|ecc|orb (None: off)
    cmc_ablation: bool = False  # --cmc-ablation: keep the variants without compensation beside the +cmc ones


def with_params_file(request: RunRequest) -> RunRequest:
    """The request with its parameter file's values as scoped ``--param`` items ahead of the command line's.

    Its trackers become the selection when ``--trackers`` was not given; the
    file itself is then no longer needed (a resumed run has the values saved).
    """
    if request.params_file is None:
        return request
    from trackbench.harness.tune.paramfile import param_items

    names, items = param_items(request.params_file)
    return replace(request, trackers=request.trackers or names, params=items + list(request.params),
                   params_file=None)


@dataclass
class RunOutcome:
    run_dir: Path
    units: list[UnitResult]
    overall: Any  # pandas DataFrame
    per_sequence: Any
    notes: list[str]
    legend: list[str] = field(default_factory=list)  # each tracker's origin and paper
    per_class: Any = None  # multi-class datasets: tracker × (class, CLASS_AVG, COMBINED); None otherwise


#: Under the per-class table: what its combination rows are.
PER_CLASS_NOTE = ("classes are scored apart (one sequence per video and class); CLASS_AVG: each ratio the mean over "
                  "classes, counts summed (TrackEval's cls_comb_cls_av); COMBINED: counts summed over classes "
                  "(cls_comb_det_av, the leaderboard's row)")


def default_trackers(sequences: list[Sequence]) -> list[str]:
    """Every built-in and plug-in tracker; image-based ones are skipped per sequence by the runner."""
    return registry.defaults()


def detection_choice(request: Any) -> DetectionChoice:
    """``--detections`` with its gt options; ``--detector`` (AI City's older option) is its alias."""
    value = getattr(request, "detections", None)
    detector = getattr(request, "detector", None)
    if detector:
        if request.dataset.lower() != "aicity":
            raise ParamError("--detector applies to --dataset aicity only (use --detections for any dataset)")
        if value and value.lower() != detector.lower():
            raise ParamError(f"--detector {detector} and --detections {value} disagree; --detector is the old "
                             "name of --detections, give one")
        value = detector
    return parse_choice(value, getattr(request, "gt_drop", 0.0), getattr(request, "gt_jitter", 0.0),
                        getattr(request, "seed", 0))


def default_detections(dataset: str) -> str:
    """How the dataset's default detection set is named where it is known (AI City: yolo3)."""
    return {"aicity": "yolo3", "kitti": "pointrcnn"}.get(dataset.lower(), "the dataset's own")


def detections_label(request: Any) -> str:
    """How titles and tables name the detection set."""
    return detection_choice(request).label(default_detections(request.dataset))


def check_inputs(request: Any) -> None:
    """Options that would otherwise be ignored or silently empty the run: refused before any work.

    ``--data-root`` with the synthetic set (the default ``--dataset``) used to
    run the synthetic data and ignore the folder; ``--min-score nan`` or ``inf``
    dropped every detection and left ``NaN`` in the manifest.
    """
    if request.data_root is not None and request.dataset.lower() == "synth":
        raise ParamError(f"--data-root {request.data_root} was given, but --dataset is synth (the default), which is "
                         "generated and reads no folder; name the dataset, e.g. --dataset mot17 (or --dataset "
                         f"{request.data_root} for any folder in MOTChallenge layout)")
    score = getattr(request, "min_score", None)
    if score is not None and not math.isfinite(score):
        raise ParamError(f"--min-score must be a finite number, got {score}")


def load(request: RunRequest) -> list[Sequence]:
    check_inputs(request)
    choice = detection_choice(request)
    options: dict[str, Any] = dict(loader_options(choice, request.dataset))
    if not request.use_roi:
        if request.dataset.lower() != "aicity":
            raise ParamError("--no-roi applies to --dataset aicity only")
        options["use_roi"] = False
    for option in ("split", "classes"):
        if getattr(request, option, None):
            if request.dataset.lower() not in SPLIT_NAMES:
                raise ParamError(f"--{option} applies to --dataset {', '.join(SPLIT_NAMES)} only")
            options[option] = getattr(request, option)
    sequences = load_dataset(request.dataset, request.data_root, request.sequences, **options)
    sequences = apply_choice(sequences, choice, request.dataset)
    if getattr(request, "frames", None):
        try:
            sequences = [restrict(s, request.frames) for s in sequences]
        except ValueError as exc:
            raise ParamError(str(exc)) from None
    if request.max_frames:
        sequences = [s.head(request.max_frames) for s in sequences]
    return sequences


def run_name(request: RunRequest) -> str:
    return request.name or datetime.now().strftime("%Y%m%d-%H%M%S")


#: RunRequest fields that do not change any unit's result (so --resume may change them).
NOT_SAVED = ("name", "results", "jobs", "executor", "ray_address", "resume", "sort", "format")


def saved_request(request: Any) -> dict[str, Any]:
    """A run or sweep request as JSON, without the fields a resume may change: what ``--resume`` restores."""
    out: dict[str, Any] = {}
    for f in fields(request):
        if f.name in NOT_SAVED:
            continue
        value = getattr(request, f.name)
        if f.name == "variants" and value is not None:
            value = [{"tracker": v.tracker, "overrides": [list(o) for o in v.overrides], "label": v.label,
                      "detect_every": v.detect_every, "cmc": v.cmc} for v in value]
        elif isinstance(value, Path):
            value = str(value)
        out[f.name] = value
    return out


def restore_request(saved: dict[str, Any], base: Any, given: set[str] | frozenset = frozenset()) -> Any:
    """``base`` (this command's request) with the saved run's options; a ``given`` option must agree."""
    current = saved_request(base)
    values: dict[str, Any] = {}
    for name, value in saved.items():
        if name not in current:
            continue  # an option this version no longer has
        if name in given and current[name] != value:
            raise ParamError(f"--resume {base.name}: that run was started with {name}={value!r}, not "
                             f"{current[name]!r}; drop the option to continue it, or start a new run with --name")
        if name == "variants" and value is not None:
            value = [Variant(v["tracker"], tuple(tuple(o) for o in v["overrides"]), v["label"], v["detect_every"],
                             v.get("cmc")) for v in value]
        elif name == "data_root" and value is not None:
            value = Path(value)
        values[name] = value
    return replace(base, **values)


def min_score_note(min_score: float, units: list[UnitResult]) -> str:
    """How many detections --min-score kept from every tracker (per sequence, the same for all)."""
    dropped: dict[str, int] = {}
    for u in units:
        dropped[u.sequence] = max(dropped.get(u.sequence, 0), u.detections_dropped)
    return (f"--min-score {min_score:g}: {sum(dropped.values())} detections scored below it were dropped "
            "before every tracker")


def unit_options(request: RunRequest) -> dict[str, Any]:
    """Harness options beyond detect_every that change what a tracker sees (part of every unit key)."""
    return {name: getattr(request, name) for name in ("min_score", "max_frames", "frames") if hasattr(request, name)}


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so the run records itself as interrupted."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated("SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupt_exit_code(exc: BaseException) -> int:
    """128 + the signal number, as shells report a process ended by a signal."""
    return 128 + (signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)


def execute(request: RunRequest, console: Console | None = None,
            extra_record: dict[str, Any] | None = None) -> RunOutcome:
    """Run, score and save; raises on bad input (the CLI turns errors into messages).

    Everything is checked (data loads, every parameter of every tracker) before
    the run folder is touched.  The folder is then locked for this process, and
    the manifest ends ``complete``, ``failed`` (with reasons) or ``interrupted``
    on every way out that Python sees.  ``extra_record`` is merged into the
    manifest from the start (sweeps put their request there, for --resume).
    """
    console = console or make_console(stderr=True)
    check_backend(request.clear_backend)
    sequences = load(request)
    if not sequences:
        raise DatasetNotFound(f"no sequences selected in {request.dataset}")
    variants = request.variants or make_variants(request.trackers or default_trackers(sequences), parse_assignments(request.params))
    if not request.variants:  # a resumed run's saved variants carry their camera motion already
        variants = with_cmc(variants, getattr(request, "cmc", None), getattr(request, "cmc_ablation", False))
    request = replace(request, jobs=worker_count(request.jobs, len(variants) * len(sequences), request.executor))
    executor = choose_executor(request.executor, request.jobs)
    # user mistakes fail here, before anything runs (trackers chosen by default may skip some sequences)
    check_variants(variants, sequences, named=bool(request.trackers or request.variants))
    cmc_preflight(variants, sequences)
    run_dir = run_dir_for(Path(request.results), run_name(request))
    dataset = sequences[0].info.dataset
    folder = RunFolder.claim(run_dir, request.resume)
    previous: dict[str, Any] = {}
    if request.resume:
        previous = manifest.read_manifest(run_dir / "manifest.json")
        folder.clear_summaries()
    record: dict[str, Any] = {
        "status": "running", "started": manifest.now_iso(), "command": sys.argv,
        "dataset": dataset, "dataset_option": request.dataset, "detector": request.detector,
        "detections": detection_choice(request).record(default_detections(request.dataset)),
        "use_roi": request.use_roi if request.dataset.lower() == "aicity" else None, "data_root": str(request.data_root) if request.data_root else None,
        "sequences": [s.name for s in sequences], "detect_every": request.detect_every,
        "max_frames": request.max_frames, "frame_split": request.frames,
        "frames": {s.name: s.info.length for s in sequences},
        "min_score": request.min_score, "clear_backend": request.clear_backend,
        "variants": [{"name": v.name, "tracker": v.tracker, "overrides": v.params(), "cmc": v.cmc} for v in variants],
        "executor": executor, "request": saved_request(replace(request, variants=variants)),
        **(extra_record or {}),
        "environment": manifest.environment(),
    }
    if previous:
        record["attempts"] = previous.get("attempts", [previous.get("started")]) + [record["started"]]
        record["started"] = previous.get("started", record["started"])
    options = unit_options(request)

    def finished_units() -> list[dict[str, Any]]:
        # read back from the records, so a unit whose record was written just before the signal counts
        try:
            return unit_records(recorded_units(variants, sequences, run_dir, dataset, request.detect_every, options))
        except Exception:  # noqa: BLE001 - reporting must not hide the interruption itself
            return []

    try:
        with _sigterm_as_interrupt():
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
                                  on_progress=report.advance, on_embed=embedding, executor=executor,
                                  ray_address=request.ray_address, resume=request.resume, options=options,
                                  min_score=request.min_score)
                for v in variants:  # skipped units never advance their bar
                    report.finish(v.name)
                for name in [b for b in report.bars if b.endswith(" embedding")]:
                    report.finish(name)
                wall = time.perf_counter() - t0
                report.note(f"tracking done in {wall:.1f} s; scoring")
                overall, per_seq, notes = score_units(units, sequences, workers=request.jobs,
                                                      backend=request.clear_backend)
                if request.min_score is not None:
                    notes.append(min_score_note(request.min_score, units))
                notes += score_scale_notes([(v.tracker, v.params()) for v in variants], sequences,
                                           request.min_score)
                for note in notes:
                    report.log(f"note: {note}")
            per_class = overall.attrs.get("per_class") if overall is not None else None
            if overall is not None:
                overall = leaderboard.sort_board(overall, request.sort)
                per_seq = leaderboard.sort_board(per_seq, request.sort, order=list(overall.index))
            files = []
            legend = leaderboard.legend([v.tracker for v in variants])
            if overall is not None:
                caption = leaderboard.metrics_note(request.clear_backend) + f" Detections: {detections_label(request)}."
                if request.frames:
                    caption += f" Frames: {request.frames} of each sequence (renumbered from 1)."
                files += leaderboard.save(overall, run_dir, "leaderboard", legend, notes, caption)
                files += leaderboard.save(per_seq, run_dir, "per_sequence", notes=notes, caption=caption)
                if per_class is not None:
                    files += leaderboard.save(per_class, run_dir, "per_class", notes=[PER_CLASS_NOTE], caption=caption)
            failures = [f"{u.variant} on {u.sequence}: {u.failed}" for u in units if u.failed]
            record.update(status="failed" if failures else "complete", finished=manifest.now_iso(),
                          wall_seconds=round(wall, 3), units=unit_records(units), notes=notes,
                          tables=[str(f) for f in files])
            if failures:
                record["reasons"] = failures
            manifest.write_manifest(run_dir / "manifest.json", record)
    except KeyboardInterrupt as exc:
        record.update(status="interrupted", finished=manifest.now_iso(),
                      reasons=["SIGTERM" if isinstance(exc, _Terminated) else "SIGINT (Ctrl-C)"],
                      units=finished_units())
        manifest.write_manifest(run_dir / "manifest.json", record)
        raise
    except BaseException as exc:
        record.update(status="failed", finished=manifest.now_iso(), reasons=[f"{type(exc).__name__}: {exc}"],
                      units=finished_units())
        manifest.write_manifest(run_dir / "manifest.json", record)
        raise
    finally:
        folder.release()
    return RunOutcome(run_dir, units, overall, per_seq, notes, legend, per_class)


@contextmanager
def run_reported(err_console: Console, run_dir: Path, command: str) -> Iterator[None]:
    """Input errors as one line and exit 2 (see ``reported``); an interruption as a hint and 128 + signal."""
    try:
        with reported(err_console):
            yield
    except KeyboardInterrupt as exc:
        err_console.print(labelled("interrupted", "bold red", interrupted_message(run_dir, command)))
        raise typer.Exit(interrupt_exit_code(exc)) from None


def interrupted_message(run_dir: Path, command: str) -> str:
    """What to do after Ctrl-C: resume the run when it started (its manifest exists), else start it again.

    Ctrl-C while data still loads leaves no run folder; suggesting ``--resume``
    there sent users to a command that fails.
    """
    if (run_dir / "manifest.json").is_file():
        return (f"{run_dir} is marked interrupted; continue with {command} --resume {run_dir.name} "
                "(finished units are kept)")
    return f"before run {run_dir.name} started: nothing was written; run the same command again to start it"


def exit_if_failed(outcome: RunOutcome, err_console: Console) -> None:
    """Exit status 1 when some unit failed (everything else was scored and saved first)."""
    failed = [u for u in outcome.units if u.failed]
    if failed:
        err_console.print(labelled("error", "bold red", f"{len(failed)} unit(s) failed (see the notes and "
                                   f"{outcome.run_dir / 'manifest.json'}); exit status 1"))
        raise typer.Exit(1)


def resumed(request: RunRequest, given: set[str] | frozenset = frozenset()) -> RunRequest:
    """For ``--resume``: the saved run's request, with this command's executor options."""
    saved = saved_manifest(request.results, request.name or "")
    if "sweep" in saved and "request" in (saved.get("sweep") or {}):
        raise ParamError(f"{request.name} is a sweep; continue it with bench sweep --resume {request.name}")
    if "request" not in saved:
        raise ParamError(f"{request.name}: its manifest has no saved request (written by an older trackbench)")
    return restore_request(saved["request"], request, given)


def prepared(request: RunRequest, given: set[str] | frozenset = frozenset()) -> RunRequest:
    """The request as :func:`execute` takes it, from ``bench run`` and ``trackbench.run`` alike.

    Named (a timestamp by default), its output options checked, its parameter
    file applied, and for ``resume`` the saved run's options restored; one
    function, so the command and the Python API cannot prepare a run differently.
    """
    request = replace(request, name=run_name(request))
    leaderboard.check_options(request.sort, request.format)
    request = with_params_file(request)
    if request.resume:
        request = resumed(request, given)
    return request


def execute_run(request: RunRequest, console: Console, err_console: Console,
                given: set[str] | frozenset = frozenset()) -> RunOutcome | None:
    """CLI entry: run, print the leaderboard, and turn known errors into clear messages.

    Exit status: 0 when every unit ran or was skipped for a stated reason, 1
    when some unit failed (the others are scored and saved), 2 for bad input
    before anything ran, 130/143 when interrupted by SIGINT/SIGTERM.
    """
    request = replace(request, name=run_name(request))
    with run_reported(err_console, Path(request.results) / request.name, "bench run"):
        request = prepared(request, given)
        outcome = execute(request, err_console)
    if request.format == "json":
        print_json(outcome, console)
        exit_if_failed(outcome, err_console)
        return outcome
    if outcome.overall is not None:
        first = ["IDF1"] if request.dataset.lower() == "aicity" else None  # the AI City ranking metric
        title = (f"{request.dataset}, detections {detections_label(request)}: all sequences "
                 f"(CLEAR/ID: {request.clear_backend})")
        leaderboard.show(outcome.overall, title, console, first=first)
        for line in outcome.legend:
            console.print(styled((line, "dim")))
        if outcome.per_sequence is not None and len(outcome.per_sequence) > len(outcome.overall):
            leaderboard.show(outcome.per_sequence, "per sequence", console, first=first)
        if outcome.per_class is not None:
            leaderboard.show(outcome.per_class, "per class", console, notes=[PER_CLASS_NOTE], first=first)
    for note in outcome.notes:
        console.print(labelled("note", "yellow", note))
    console.print(f"results: {outcome.run_dir}")
    exit_if_failed(outcome, err_console)
    return outcome


def print_json(outcome: RunOutcome, console: Console) -> None:
    """The run's tables and notes as one JSON document on stdout (``--format json``)."""
    import json

    document = {
        "run": str(outcome.run_dir),
        "leaderboard": leaderboard.to_records(outcome.overall) if outcome.overall is not None else [],
        "per_sequence": leaderboard.to_records(outcome.per_sequence) if outcome.per_sequence is not None else [],
        **({"per_class": leaderboard.to_records(outcome.per_class)} if outcome.per_class is not None else {}),
        "notes": outcome.notes,
    }
    console.out(json.dumps(document, indent=2, default=str), highlight=False)

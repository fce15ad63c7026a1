"""``bench tune`` end to end: check everything, search per (tracker, fold), score held out, write outputs.

Order of work, and why:

1. Every input is checked before the run folder is touched (objective,
   budget, trackers and fixed parameters as ``bench run`` checks them, search
   spaces, folds): a mistake is one line and exit 2, never half a tune.
2. For each tracker, one study per fold (trained on the fold's train
   sequences) and one on all sequences (its best is the setting to deploy,
   ``best_params.json``); every study gets the same budget.
3. Held-out: each fold's best and the defaults run on the fold's test
   sequences (:mod:`.heldout`), pooled over folds, with a paired bootstrap.
4. Outputs: ``trials.csv``, ``heldout.csv|md``, ``folds.csv|md``,
   ``best_params.json`` and ``best_params/<tracker>[.<fold>].json``, the
   studies in ``study.db`` (SQLite), ``run.log`` and ``manifest.json``.

The run folder follows ``bench run``'s rules (one owner at a time, a name
holding a run is refused without ``--resume``, the manifest ends complete,
failed or interrupted); ``--resume`` continues the studies where they stopped.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
from rich.console import Console

from trackbench.datasets import DatasetNotFound
from trackbench.datasets.motfile import atomic_write_text
from trackbench.datasets.sequence import Sequence
from trackbench.harness.cli.run import (RunRequest, _sigterm_as_interrupt, default_detections, detection_choice,
                                        load, restore_request, run_name,
                                        saved_request, unit_options)
from trackbench.harness.metrics.evaluate import check_backend
from trackbench.harness.report import leaderboard
from trackbench.harness.report.score_scales import score_scale_notes
from trackbench.harness.runs import manifest
from trackbench.harness.runs.executors import WorkerPool, choose_executor
from trackbench.harness.runs.folder import RunFolder, saved_manifest
from trackbench.harness.runs.preflight import check_variants
from trackbench.harness.runs.progress import ProgressReport
from trackbench.harness.runs.runner import make_variants, run_dir_for
from trackbench.harness.tune import heldout, paramfile, study as studies
from trackbench.harness.tune.folds import Fold, make_folds
from trackbench.harness.tune.objectives import Objective, parse_objective
from trackbench.harness.tune.spaces import TrackerSpace, build_spaces, parse_space_items
from trackbench.harness.tune.units import UnitContext, score_progressively, score_setting
from trackbench.io.csv_cells import neutralise
from trackbench.io.terminal import make_console
from trackbench.trackers import tracker_class
from trackbench.trackers.params import ParamError, parse_assignments
from trackbench.trackers.space import defaults as field_defaults

#: Trials per study when neither --trials nor --seconds is given.
DEFAULT_TRIALS = 50
#: The study on every sequence (its best is the setting to deploy).
ALL = "all"


@dataclass
class TuneRequest:
    """Everything ``bench tune`` was asked to do (dataset options as ``bench run``'s)."""

    trackers: list[str] | None = None
    dataset: str = "synth"
    data_root: Path | None = None
    sequences: list[str] | None = None
    detector: str | None = None
    use_roi: bool = True
    detections: str | None = None  # as bench run's --detections; the gt simulation uses --seed
    gt_drop: float = 0.0
    gt_jitter: float = 0.0
    split: str | None = None  # sportsmot, dancetrack, kitti, bdd100k: as bench run's --split
    classes: list[str] | None = None  # kitti, bdd100k: as bench run's --classes
    max_frames: int | None = None
    detect_every: int = 1
    min_score: float | None = None
    clear_backend: str = "motmetrics"
    params: list[str] = field(default_factory=list)  # fixed for every trial
    space: list[str] = field(default_factory=list)  # --space items
    objective: str = "HOTA"
    trials: int | None = None
    seconds: float | None = None
    seed: int = 0
    prune: bool = False  # Optuna's median pruner: stop a bad trial after its first sequences
    cv: str | None = None
    replicates: int = 1000
    level: float = 0.95
    name: str | None = None
    results: Path = Path("results")
    jobs: int = 1
    executor: str | None = None
    ray_address: str | None = None
    resume: bool = False


@dataclass
class Plan:
    """A checked request: data, objective, spaces and folds."""

    request: TuneRequest
    sequences: list[Sequence]
    objective: Objective
    spaces: list[TrackerSpace]
    folds: list[Fold]


@dataclass
class TuneOutcome:
    run_dir: Path
    heldout: pd.DataFrame
    folds: pd.DataFrame
    best: dict[str, dict[str, str]]
    notes: list[str]
    objective: Objective
    held_out: bool


def check_budget(request: TuneRequest) -> TuneRequest:
    """``--trials``/``--seconds`` must be positive; neither means DEFAULT_TRIALS trials."""
    if request.trials is not None and request.trials < 1:
        raise ParamError(f"--trials must be at least 1, got {request.trials}")
    if request.seconds is not None and not request.seconds > 0:
        raise ParamError(f"--seconds must be positive, got {request.seconds:g}")
    if request.trials is None and request.seconds is None:
        return replace(request, trials=DEFAULT_TRIALS)
    return request


def run_request(request: TuneRequest) -> RunRequest:
    """The ``bench run`` request that loads this tune's data (same options, same loader)."""
    return RunRequest(trackers=request.trackers, dataset=request.dataset, data_root=request.data_root,
                      sequences=request.sequences, detector=request.detector, use_roi=request.use_roi,
                      max_frames=request.max_frames, detect_every=request.detect_every,
                      min_score=request.min_score, clear_backend=request.clear_backend,
                      detections=request.detections, gt_drop=request.gt_drop, gt_jitter=request.gt_jitter,
                      seed=request.seed, split=request.split, classes=request.classes)


def plan(request: TuneRequest) -> Plan:
    """Check every input (see module docstring, 1.); raises ParamError/ValueError/DatasetNotFound."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise ParamError("bench tune needs Optuna: pip install 'trackbench[tune]'") from None
    objective = parse_objective(request.objective)
    if request.prune and objective.multi:
        raise ParamError("--prune works with one objective (Optuna cannot prune multi-objective studies); "
                         f"--objective {request.objective} names {len(objective.metrics)}")
    request = check_budget(request)
    if not 0 < request.level < 1:
        raise ParamError(f"--level must lie between 0 and 1, got {request.level}")
    if not request.trackers:
        raise ParamError("name the trackers to tune with --trackers/-t (e.g. -t sort,bytetrack,ocsort)")
    check_backend(request.clear_backend)
    choose_executor(request.executor, request.jobs)
    space_items = parse_space_items(request.space)
    sequences = load(run_request(request))
    if not sequences:
        raise DatasetNotFound(f"no sequences selected in {request.dataset}")
    no_gt = [s.name for s in sequences if s.ground_truth is None]
    if no_gt:  # every trial is scored: without gt each one would fail, one by one
        raise ParamError(f"bench tune scores every trial, and {', '.join(no_gt)} has no ground truth: "
                         "choose sequences with gt (--sequences)")
    variants = make_variants(request.trackers, parse_assignments(request.params))
    check_variants(variants, sequences)
    spaces = build_spaces(request.trackers, space_items, {v.tracker: v.params() for v in variants})
    folds = make_folds(request.cv, [s.name for s in sequences])
    return Plan(request, sequences, objective, spaces, folds)


def resumed(request: TuneRequest, given: set[str] | frozenset = frozenset()) -> TuneRequest:
    """For ``--resume``: the saved tune's request, with this command's executor options."""
    saved = saved_manifest(request.results, request.name or "")
    tune = saved.get("tune") or {}
    if not tune.get("request"):
        raise ParamError(f"{request.name} is not a tune (no saved tune request in its manifest)")
    return restore_request(tune["request"], request, given)


def _study_name(tracker: str, fold: str) -> str:
    return f"{tracker}/{fold}"


def _trial_rows(study: Any, tracker: str, fold: str, objective: Objective,
                train: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"tracker": tracker, "fold": fold, "trial": t.number, "state": t.state.name,
                               "default": bool(t.user_attrs.get("default")),
                               "seconds": (t.datetime_complete - t.datetime_start).total_seconds()
                               if t.datetime_complete and t.datetime_start else None}
        for i, metric in enumerate(objective.metrics):  # a stopped trial's values are Optuna's last report
            row[metric] = t.values[i] if t.values and t.state.name == "COMPLETE" else None
        if t.user_attrs.get("stopped") is not None and t.intermediate_values:  # the objective when stopped
            row[f"{objective.first} when stopped"] = t.intermediate_values[max(t.intermediate_values)]
        for key, value in sorted((t.user_attrs.get("values") or {}).items()):
            row[f"param {key}"] = value
        stopped = t.user_attrs.get("stopped")
        row["sequences run"] = stopped if stopped is not None else (len(train) if t.state.name == "COMPLETE" else None)
        row["reason"] = t.user_attrs.get("rejected") or t.user_attrs.get("failed") or (
            f"stopped by the pruner after {stopped} of {len(train)} sequences" if stopped is not None else "") or (
            "interrupted" if t.state.name == "FAIL" else "")
        rows.append(row)
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV, text cells through :func:`~trackbench.io.csv_cells.neutralise` (read back with its ``read_csv``)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    writer.writerows([neutralise(row.get(c)) if row.get(c) is not None else "" for c in columns] for row in rows)
    return buffer.getvalue()


class Tuner:
    """Runs a checked :class:`Plan` in its run folder (see module docstring)."""

    def __init__(self, plan_: Plan, run_dir: Path, report: ProgressReport, pool: WorkerPool | None = None) -> None:
        self.plan = plan_
        self.run_dir = run_dir
        self.report = report
        self.notes: list[str] = []
        request = plan_.request
        self.by_name = {s.name: s for s in plan_.sequences}
        self.dataset = plan_.sequences[0].info.dataset
        executor = choose_executor(request.executor, request.jobs)
        common = dict(detect_every=request.detect_every, jobs=request.jobs, executor=executor,
                      ray_address=request.ray_address, options=unit_options(request), min_score=request.min_score,
                      backend=request.clear_backend, pool=pool)
        self.trial_ctx = UnitContext(run_dir / "trials", self.dataset, **common)
        self.heldout_ctx = UnitContext(run_dir / "heldout", self.dataset, **common)
        self.storage = studies.open_storage(run_dir / "study.db")

    def studies_of(self) -> list[tuple[str, tuple[str, ...]]]:
        """(fold name, train sequences) of every study of a tracker: each fold, then all sequences."""
        names = tuple(s.name for s in self.plan.sequences)
        return [(f.name, f.train) for f in self.plan.folds] + [(ALL, names)]

    def optimise(self, space: TrackerSpace, fold: str, train: tuple[str, ...]) -> Any:
        request, objective = self.plan.request, self.plan.objective
        sequences = [self.by_name[n] for n in train]
        dims, notes = space.resolved(sequences)
        self.notes += [n for n in notes if n not in self.notes]
        if not dims:
            raise ParamError(f"{space.tracker}: nothing left to tune on fold {fold}")
        defaults = field_defaults(tracker_class(space.tracker).Params)
        study_plan = studies.StudyPlan(_study_name(space.tracker, fold), dims, defaults, objective, request.trials,
                                       request.seconds, request.seed, request.prune)
        bar = f"{space.tracker} {fold}"
        self.report.add(bar, request.trials or 0, unit="trials")

        def evaluate(values: dict[str, str], is_default: bool,
                     step: studies.Step | None = None) -> studies.TrialOutcome:
            overrides = dict(space.fixed) if is_default else {**space.fixed, **values}
            stopped = None
            try:
                if step is None:
                    metrics, why = score_setting(space.tracker, overrides, sequences, self.trial_ctx)
                else:
                    metrics, why, stopped = score_progressively(
                        space.tracker, overrides, sequences, self.trial_ctx,
                        lambda done, pooled: step(done, pooled.get(objective.first, float("nan"))))
            except ParamError as exc:
                return studies.TrialOutcome(rejected=str(exc))
            if metrics is None:
                return studies.TrialOutcome(failed=why)
            if stopped is not None:
                return studies.TrialOutcome(metrics=metrics, stopped=stopped)
            return studies.TrialOutcome([metrics.get(m, float("nan")) for m in objective.metrics], metrics)

        def on_trial(number: int, values: dict[str, str], outcome: studies.TrialOutcome, is_default: bool) -> None:
            if outcome.values is not None or outcome.stopped is not None:
                self.report.advance(bar, 1)
            shown = ", ".join(f"{m} {v:.2f}" for m, v in zip(objective.metrics, outcome.values or []))
            if outcome.stopped is not None:
                shown = (f"stopped by the pruner after {outcome.stopped} of {len(sequences)} sequences "
                         f"({objective.first} {outcome.metrics.get(objective.first, float('nan')):.2f} so far)")
            state = shown or f"not counted ({outcome.rejected or outcome.failed})"
            self.report.log(f"{bar} trial {number}{' (defaults)' if is_default else ''}: {state}")

        found = studies.optimise(self.storage, study_plan, evaluate, on_trial)
        self.report.finish(bar)
        return found

    def run(self) -> TuneOutcome:
        request, objective = self.plan.request, self.plan.objective
        trial_rows: list[dict[str, Any]] = []
        choices: dict[str, list[heldout.FoldChoice]] = {}
        best_all: dict[str, dict[str, str]] = {}
        folder = self.run_dir / "best_params"
        self.notes += score_scale_notes([(s.tracker, s.fixed) for s in self.plan.spaces], self.plan.sequences,
                                        request.min_score)
        for space in self.plan.spaces:
            choices[space.tracker] = []
            for fold_name, train in self.studies_of():
                found = self.optimise(space, fold_name, train)
                trial_rows += _trial_rows(found, space.tracker, fold_name, objective, train)
                best = studies.best_trial(found, objective)
                if best is None:
                    raise ValueError(f"{space.tracker} on {fold_name}: no trial completed (see trials.csv)")
                values = dict(best.user_attrs.get("values") or {})  # the defaults' own values for trial 0
                train_metrics = dict(best.user_attrs.get("metrics") or {})
                meta = {"fold": fold_name, "train": list(train), "trial": best.number,
                        "objective": dict(zip(objective.metrics, best.values)), "defaults": bool(
                            best.user_attrs.get("default")), "dataset": request.dataset}
                self._write_json(folder / f"{space.tracker}.{fold_name}.json",
                                 paramfile.document(space.tracker, {**space.fixed, **values}, **meta))
                if objective.multi:
                    self._write_pareto(found, space.tracker, fold_name)
                if fold_name == ALL:
                    best_all[space.tracker] = {**space.fixed, **values}
                    self._write_json(folder / f"{space.tracker}.json",
                                     paramfile.document(space.tracker, best_all[space.tracker], **meta))
                else:
                    fold = next(f for f in self.plan.folds if f.name == fold_name)
                    choices[space.tracker].append(heldout.FoldChoice(fold, values, train_metrics))
                atomic_write_text(self.run_dir / "trials.csv", _csv(trial_rows))
        self._write_json(self.run_dir / "best_params.json",
                         {"trackers": {t: {"params": {k: paramfile.json_value(v) for k, v in sorted(p.items())}}
                                       for t, p in best_all.items()}})
        return self._heldout(choices, best_all)

    def _heldout(self, choices: dict[str, list[heldout.FoldChoice]], best_all: dict[str, dict[str, str]]) -> TuneOutcome:
        request, objective = self.plan.request, self.plan.objective
        held_out = bool(self.plan.folds)
        metrics = list(dict.fromkeys(list(objective.metrics) + list(heldout.HEADLINE)))
        if not held_out:  # one sequence (or --cv none): the all-sequences study, scored where it was tuned
            names = tuple(s.name for s in self.plan.sequences)
            for space in self.plan.spaces:
                fixed = space.fixed
                values = {k: v for k, v in best_all[space.tracker].items() if k not in fixed}
                choices[space.tracker] = [heldout.FoldChoice(Fold(ALL, names, names), values, {})]
            self.notes.append("not held out: tuned and scored on the same sequences (--cv none, or one sequence); "
                              "the tuned figures flatter the tuned setting")
        self.report.note("held-out scoring")
        units, fold_rows = [], []
        for space in self.plan.spaces:
            got, rows = heldout.run_tracker(space.tracker, space.fixed, choices[space.tracker], self.by_name,
                                            self.heldout_ctx, metrics)
            units += got
            fold_rows += rows
        tested = [s for s in self.plan.sequences if any(u.result.sequence == s.name for u in units)]
        record = {"dataset": self.dataset, "dataset_option": request.dataset, "detector": request.detector,
                  "use_roi": request.use_roi if request.dataset.lower() == "aicity" else None,
                  "data_root": str(request.data_root) if request.data_root else None,
                  "min_score": request.min_score, "max_frames": request.max_frames,
                  "detect_every": request.detect_every, "tune": str(self.run_dir),
                  "detections": detection_choice(run_request(request)).record(default_detections(request.dataset))}
        overall = heldout.write_run(self.run_dir / "heldout", record, tested, units, request.clear_backend, [])
        rows = []
        for space in self.plan.spaces:
            default_label, tuned_label = heldout.labels(space.tracker)
            pooled = {"default": heldout._metrics(overall, default_label), "tuned": heldout._metrics(overall, tuned_label)}
            found = heldout.HeldOut(space.tracker, [r for r in fold_rows if r["tracker"] == space.tracker], pooled)
            found.intervals, found.method, extra = heldout.intervals(self.run_dir / "heldout", space.tracker, metrics,
                                                                     request.replicates, request.seed, request.level)
            self.notes += [f"{space.tracker}: {n}" for n in extra]
            if found.method and found.method not in self.notes:
                self.notes.append(found.method)
            rows += heldout.table_rows(found, metrics, request.level, held_out)
        table = pd.DataFrame(rows).set_index(["tracker", "metric"])
        folds_table = pd.DataFrame(fold_rows).set_index(["tracker", "fold"])
        caption = (f"Objective: {objective.describe()}; {request.trials or 'unlimited'} trials"
                   + (f", {request.seconds:g} s" if request.seconds else "") + f" per study, seed {request.seed}; "
                   + ("held-out sequences pooled over folds" if held_out else "NOT held out") + ". "
                   + leaderboard.metrics_note(request.clear_backend))
        leaderboard.save(table, self.run_dir, "heldout", notes=self.notes, caption=caption)
        leaderboard.save(folds_table, self.run_dir, "folds", notes=self.notes, caption=caption)
        return TuneOutcome(self.run_dir, table, folds_table, best_all, self.notes, objective, held_out)

    def _write_json(self, path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, indent=2) + "\n")

    def _write_pareto(self, found: Any, tracker: str, fold: str) -> None:
        rows = [{"trial": t.number, **dict(zip(self.plan.objective.metrics, t.values)),
                 **{f"param {k}": v for k, v in sorted((t.user_attrs.get("values") or {}).items())}}
                for t in studies.pareto_front(found)]
        atomic_write_text(self.run_dir / "pareto" / f"{tracker}.{fold}.csv", _csv(rows))


@contextmanager
def _worker_pool(checked: Plan) -> Iterator[WorkerPool | None]:
    """With the process executor, one pool for the whole tune: its workers hold the sequences, and a trial's
    units are tracked and scored side by side (see :mod:`.units`); otherwise none."""
    request = checked.request
    if choose_executor(request.executor, request.jobs) != "process":
        yield None
        return
    with WorkerPool(checked.sequences, request.jobs) as pool:
        yield pool


def execute_tune(request: TuneRequest, console: Console | None = None) -> TuneOutcome:
    """Check, claim the run folder, tune, score held out; the manifest ends complete/failed/interrupted."""
    console = console or make_console(stderr=True)
    request = replace(request, name=run_name(request))  # type: ignore[arg-type]
    checked = plan(request)
    request = checked.request
    run_dir = run_dir_for(Path(request.results), request.name or "")
    folder = RunFolder.claim(run_dir, request.resume)
    previous = manifest.read_manifest(run_dir / "manifest.json") if request.resume else {}
    record: dict[str, Any] = {
        "status": "running", "started": previous.get("started", manifest.now_iso()), "command": sys.argv,
        "dataset": checked.sequences[0].info.dataset, "dataset_option": request.dataset,
        "sequences": [s.name for s in checked.sequences], "frames": {s.name: s.info.length for s in checked.sequences},
        "objective": list(checked.objective.metrics), "directions": checked.objective.directions,
        "budget": {"trials": request.trials, "seconds": request.seconds}, "seed": request.seed,
        "prune": request.prune,
        "folds": [{"name": f.name, "train": list(f.train), "test": list(f.test)} for f in checked.folds],
        "spaces": {s.tracker: {n: d.describe() for n, d in s.dimensions.items()} for s in checked.spaces},
        "fixed": {s.tracker: s.fixed for s in checked.spaces},
        "tune": {"request": saved_request(request)}, "environment": manifest.environment(),
    }
    if previous:
        record["attempts"] = previous.get("attempts", [previous.get("started")]) + [manifest.now_iso()]
    try:
        with _sigterm_as_interrupt():
            manifest.write_manifest(run_dir / "manifest.json", record)
            with ProgressReport(console, run_dir / "run.log") as report, _worker_pool(checked) as pool:
                outcome = Tuner(checked, run_dir, report, pool).run()
            record.update(status="complete", finished=manifest.now_iso(), notes=outcome.notes,
                          best={t: {k: paramfile.json_value(v) for k, v in p.items()} for t, p in outcome.best.items()},
                          outputs=["trials.csv", "heldout.csv", "heldout.md", "folds.csv", "folds.md",
                                   "best_params.json", "best_params/", "study.db", "heldout/"])
            manifest.write_manifest(run_dir / "manifest.json", record)
    except KeyboardInterrupt as exc:
        from trackbench.harness.cli.run import interrupt_exit_code

        record.update(status="interrupted", finished=manifest.now_iso(),
                      reasons=["SIGTERM" if interrupt_exit_code(exc) == 143 else "SIGINT (Ctrl-C)"])
        manifest.write_manifest(run_dir / "manifest.json", record)
        raise
    except BaseException as exc:
        record.update(status="failed", finished=manifest.now_iso(), reasons=[f"{type(exc).__name__}: {exc}"])
        manifest.write_manifest(run_dir / "manifest.json", record)
        raise
    finally:
        folder.release()
    return outcome

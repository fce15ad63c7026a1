"""A setting scored on a set of sequences, through the runner: what one trial (or one held-out run) costs.

Each setting is a :class:`~trackbench.harness.runs.tracking.Variant` run by
:func:`~trackbench.harness.runs.runner.run_units` (any executor, appearance
cache included) into a folder of unit records, and scored by
:func:`~trackbench.harness.runs.scoring.score_units`.  Its label is the tracker
plus a hash of its parameters, so the same setting on the same sequence is one
unit whichever trial, fold or resumed process asks for it: a resumed tune
keeps every unit that finished, and the defaults, which every fold runs, run
once per sequence.  With ``--prune`` a setting runs a sequence at a time
(:func:`score_progressively`) so the pruner can stop it between sequences.
"""

from __future__ import annotations

import hashlib
import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import Sequence
from trackbench.harness.metrics.evaluate import SequenceCounts, SequenceJob, combine_counts, count_sequences, finalize
from trackbench.harness.runs.runner import UnitResult, Variant, check_variant, run_units
from trackbench.harness.runs.scoring import score_units
from trackbench.trackers.params import ParamError


@dataclass
class UnitContext:
    """Where and how units run: the run's harness options, shared by every trial."""

    folder: Path  # units land in <folder>/<dataset>/<label>/
    dataset: str
    detect_every: int = 1
    jobs: int = 1
    executor: str = "local"
    ray_address: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # unit-key options (min_score, max_frames)
    min_score: float | None = None
    backend: str = "motmetrics"
    on_frames: Callable[[str, int], None] | None = None


def setting_label(tracker: str, overrides: dict[str, str]) -> str:
    """``sort[3f2a9c01]``: the tracker and a hash of its overrides (stable across processes)."""
    digest = hashlib.sha256(json.dumps(sorted(overrides.items())).encode()).hexdigest()[:10]
    return f"{tracker}[{digest}]"


def variant_for(tracker: str, overrides: dict[str, str], label: str | None = None) -> Variant:
    """The setting as a runner variant; raises ParamError when the tracker rejects the values."""
    check_variant(tracker, overrides)
    return Variant(tracker, tuple(sorted(overrides.items())), label or setting_label(tracker, overrides))


def run_setting(variant: Variant, sequences: list[Sequence], ctx: UnitContext) -> list[UnitResult]:
    """Track ``sequences`` with ``variant``; units already recorded with the same key are kept."""
    return run_units([variant], sequences, ctx.folder, ctx.dataset, ctx.detect_every, ctx.jobs,
                     on_progress=ctx.on_frames, executor=ctx.executor, ray_address=ctx.ray_address, resume=True,
                     options=ctx.options, min_score=ctx.min_score)


def score_setting(tracker: str, overrides: dict[str, str], sequences: list[Sequence],
                  ctx: UnitContext) -> tuple[dict[str, float] | None, str | None]:
    """(metrics of the setting pooled over ``sequences``, None) or (None, why it could not be scored).

    A setting the tracker rejects raises ParamError (the caller prunes it).
    """
    variant = variant_for(tracker, overrides)
    units = run_setting(variant, sequences, ctx)
    broken = [f"{u.sequence}: {u.failed or u.skipped}" for u in units if u.failed or u.skipped]
    if broken:
        return None, "; ".join(broken)
    overall, _, notes = score_units(units, sequences, workers=1, backend=ctx.backend)
    if overall is None or variant.name not in overall.index:
        return None, "; ".join(notes) or "nothing scored (no ground truth?)"
    row = overall.loc[variant.name]
    return {str(k): float(v) for k, v in row.items() if isinstance(v, numbers.Real) and not isinstance(v, bool)}, None


#: step(sequences done, metrics pooled over them) -> True to stop the setting there.
Step = Callable[[int, dict[str, float]], bool]


def _speed(units: list[UnitResult], end_to_end: bool = False) -> float:
    """Frames per second over ``units`` (the leaderboard's Hz and Hz e2e: total frames over total time)."""
    frames = sum(u.frames for u in units)
    seconds = sum(u.pipeline_seconds if end_to_end else u.tracker_seconds for u in units)
    return frames / seconds if seconds > 0 else float("nan")


def pooled(counts: list[SequenceCounts], units: list[UnitResult]) -> dict[str, float]:
    """Metrics over the sequences counted so far, from summed counts, with their speed (as score_units)."""
    metrics = dict(finalize(combine_counts(counts)))
    metrics["Hz"], metrics["Hz e2e"] = _speed(units), _speed(units, end_to_end=True)
    return metrics


def _count(unit: UnitResult, sequence: Sequence, backend: str) -> SequenceCounts:
    job = SequenceJob(sequence.name, sequence.ground_truth, read_mot_file(unit.result_path, "result"),
                      sequence.eval_spec, sequence.info.length)
    return count_sequences([job], 1, backend)[0]


def score_progressively(tracker: str, overrides: dict[str, str], sequences: list[Sequence], ctx: UnitContext,
                        step: Step) -> tuple[dict[str, float] | None, str | None, int | None]:
    """Like :func:`score_setting`, one sequence at a time, asking ``step`` after each whether to stop.

    Why: a pruner can then stop a bad setting after its first sequences
    instead of after all of them.  Each sequence is counted once and the
    metrics after k sequences are pooled from summed counts, exactly as the
    leaderboard pools them, so a setting that runs to the end scores the same
    as under :func:`score_setting`.  Returns (metrics, None, None) for a
    finished setting, (metrics so far, None, k) for one stopped after k
    sequences, and (None, why, None) when a unit failed or had no ground truth.
    """
    variant = variant_for(tracker, overrides)
    done: list[UnitResult] = []
    counts: list[SequenceCounts] = []
    metrics: dict[str, float] = {}
    for k, sequence in enumerate(sequences, start=1):
        units = run_setting(variant, [sequence], ctx)
        broken = [f"{u.sequence}: {u.failed or u.skipped}" for u in units if u.failed or u.skipped]
        if broken:
            return None, "; ".join(broken), None
        if sequence.ground_truth is None or not units[0].result_path:
            return None, f"{sequence.name}: nothing scored (no ground truth?)", None
        done += units
        counts.append(_count(units[0], sequence, ctx.backend))
        metrics = pooled(counts, done)
        if k < len(sequences) and step(k, metrics):
            return metrics, None, k
    return metrics, None, None


__all__ = ["ParamError", "UnitContext", "pooled", "run_setting", "score_progressively", "score_setting", "setting_label", "variant_for"]

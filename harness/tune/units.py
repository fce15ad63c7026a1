"""A setting scored on a set of sequences, through the runner: what one trial (or one held-out run) costs.

Each setting is a :class:`~trackbench.harness.runs.tracking.Variant` run by
:func:`~trackbench.harness.runs.runner.settle_units` (any executor, appearance
cache included) into a folder of unit records, and scored as the leaderboard's
combined row (:func:`pooled`: summed counts, tracker Hz).  Its label is the tracker
plus a hash of its parameters, so the same setting on the same sequence is one
unit whichever trial, fold or resumed process asks for it: a resumed tune
keeps every unit that finished, and the defaults, which every fold runs, run
once per sequence.  With ``--prune`` a setting runs a sequence at a time
(:func:`score_progressively`) so the pruner can stop it between sequences.

A trial costs tracking plus scoring and nothing else: each unit is counted
where it was tracked, on its rows as written
(:mod:`~trackbench.harness.runs.unit_scores`), so no result file is read back,
and with ``-j N`` (the process executor) a pool kept for the whole tune
(:class:`~trackbench.harness.runs.executors.WorkerPool`) tracks and scores a
trial's sequences side by side.  A unit kept from its record (an earlier trial,
fold or process ran it) is counted from its file; counts are kept by unit key
(the last :data:`COUNTS_KEPT`), so a unit met again is not counted again.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import Sequence
from trackbench.harness.metrics.evaluate import SequenceCounts, combine_counts, finalize
from trackbench.harness.runs.executors import WorkerPool
from trackbench.harness.runs.runner import SettledUnit, UnitResult, Variant, check_variant, settle_units
from trackbench.harness.runs.scoring import speed
from trackbench.harness.runs.unit_scores import count_table
from trackbench.trackers.params import ParamError


#: Counts kept per tune for units met again (about 3 KB each: HOTA's per-alpha arrays).
COUNTS_KEPT = 4096


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
    pool: WorkerPool | None = None  # a process pool kept for the whole tune (-j N, process executor)
    counted: OrderedDict[str, SequenceCounts] = field(default_factory=OrderedDict)  # by unit key


def setting_label(tracker: str, overrides: dict[str, str]) -> str:
    """``sort[3f2a9c01]``: the tracker and a hash of its overrides (stable across processes)."""
    digest = hashlib.sha256(json.dumps(sorted(overrides.items())).encode()).hexdigest()[:10]
    return f"{tracker}[{digest}]"


def variant_for(tracker: str, overrides: dict[str, str], label: str | None = None) -> Variant:
    """The setting as a runner variant; raises ParamError when the tracker rejects the values."""
    check_variant(tracker, overrides)
    return Variant(tracker, tuple(sorted(overrides.items())), label or setting_label(tracker, overrides))


def run_setting(variant: Variant, sequences: list[Sequence], ctx: UnitContext) -> list[SettledUnit]:
    """Track and count ``sequences`` with ``variant``; units already recorded with the same key are kept."""
    return settle_units([variant], sequences, ctx.folder, ctx.dataset, ctx.detect_every, ctx.jobs,
                        on_progress=ctx.on_frames, executor=ctx.executor, ray_address=ctx.ray_address,
                        resume=True, options=ctx.options, min_score=ctx.min_score, score_backend=ctx.backend,
                        pool=ctx.pool)


def unit_counts(unit: SettledUnit, sequence: Sequence, ctx: UnitContext) -> SequenceCounts:
    """The counts of a settled unit with a result file: as counted where it ran, else from its file (once
    per unit key while it is kept in ``ctx.counted``)."""
    assert unit.result.result_path is not None
    key = unit.key  # a kept unit's file is the one its key's run wrote (kept_record checked its hash)
    if unit.counts is not None:
        ctx.counted[key] = unit.counts
    elif key not in ctx.counted:
        ctx.counted[key] = count_table(sequence, read_mot_file(unit.result.result_path, "result"), ctx.backend)
    ctx.counted.move_to_end(key)
    while len(ctx.counted) > COUNTS_KEPT:  # a tune of many thousand trials must not grow without bound
        ctx.counted.popitem(last=False)
    return ctx.counted[key]


def _broken(units: list[SettledUnit], sequences: list[Sequence]) -> str | None:
    """Why these units cannot be scored (a unit failed or was skipped, a sequence has no gt), or None."""
    broken = [f"{u.result.sequence}: {u.result.failed or u.result.skipped}" for u in units
              if u.result.failed or u.result.skipped]
    if broken:
        return "; ".join(broken)
    missing = [s.name for s, u in zip(sequences, units) if s.ground_truth is None or not u.result.result_path]
    return f"{', '.join(missing)}: nothing scored (no ground truth?)" if missing else None


def score_setting(tracker: str, overrides: dict[str, str], sequences: list[Sequence],
                  ctx: UnitContext) -> tuple[dict[str, float] | None, str | None]:
    """(metrics of the setting pooled over ``sequences``, None) or (None, why it could not be scored).

    The metrics are the leaderboard's combined row (summed counts, tracker Hz).  A setting the tracker
    rejects raises ParamError (the caller prunes it).
    """
    units = run_setting(variant_for(tracker, overrides), sequences, ctx)
    why = _broken(units, sequences)
    if why:
        return None, why
    counts = [unit_counts(u, s, ctx) for u, s in zip(units, sequences)]
    return pooled(counts, [u.result for u in units]), None


#: step(sequences done, metrics pooled over them) -> True to stop the setting there.
Step = Callable[[int, dict[str, float]], bool]


def pooled(counts: list[SequenceCounts], units: list[UnitResult]) -> dict[str, float]:
    """Metrics over the sequences counted so far, from summed counts, with their speed (as score_units)."""
    metrics = dict(finalize(combine_counts(counts)))
    metrics["Hz"], metrics["Hz e2e"] = speed(units), speed(units, end_to_end=True)
    return metrics


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
        why = _broken(units, [sequence])
        if why:
            return None, why, None
        done.append(units[0].result)
        counts.append(unit_counts(units[0], sequence, ctx))
        metrics = pooled(counts, done)
        if k < len(sequences) and step(k, metrics):
            return metrics, None, k
    return metrics, None, None


__all__ = ["ParamError", "UnitContext", "pooled", "run_setting", "score_progressively", "score_setting", "setting_label", "variant_for"]

"""A setting scored on a set of sequences, through the runner: what one trial (or one held-out run) costs.

Each setting is a :class:`~trackbench.harness.runs.tracking.Variant` run by
:func:`~trackbench.harness.runs.runner.run_units` (any executor, appearance
cache included) into a folder of unit records, and scored by
:func:`~trackbench.harness.runs.scoring.score_units`.  Its label is the tracker
plus a hash of its parameters, so the same setting on the same sequence is one
unit whichever trial, fold or resumed process asks for it: a resumed tune
keeps every unit that finished, and the defaults, which every fold runs, run
once per sequence.
"""

from __future__ import annotations

import hashlib
import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from trackbench.datasets.sequence import Sequence
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


__all__ = ["ParamError", "UnitContext", "run_setting", "score_setting", "setting_label", "variant_for"]

"""Paired bootstrap confidence intervals for "tracker A minus tracker B", over sequences or frame blocks.

"A beats B by 1.2 HOTA" is only worth printing with an idea of how much of it
is luck of the data.  Both trackers ran on the same units (sequences, or
blocks of frames inside them), so the comparison is *paired*: every
bootstrap replicate draws one multiset of units with replacement and scores
both trackers on that same multiset, which cancels the difficulty the two
share and leaves the uncertainty of the difference itself.

This module is the method only: it knows nothing about tracking.  A caller
gives the number of units, their strata (units are redrawn within their
stratum, e.g. blocks within their own sequence, so every replicate keeps each
sequence's share of frames), and a ``statistic(indices) -> {name: value}``
that scores a multiset of units.  The interval is the bootstrap percentile
interval of the replicates, shifted by ``point - statistic(all units)``: zero
when units are whole sequences (the statistic of all units *is* the point
estimate), and, for frame blocks, a correction for what cutting a sequence
into blocks does to identity metrics (a track that crosses a block border is
counted as two), so the interval stays centred where the whole-sequence
estimate is and only its width comes from the blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

Statistic = Callable[[np.ndarray], Mapping[str, float]]


@dataclass(frozen=True)
class Interval:
    """A point estimate with its two-sided confidence interval."""

    estimate: float
    low: float
    high: float

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


def resample(strata: np.ndarray, rng: np.random.Generator, groups: list[np.ndarray] | None = None) -> np.ndarray:
    """Unit indices drawn with replacement inside each stratum, as many as the stratum has.

    ``groups`` (the member indices of each stratum, in stratum order) may be
    passed to skip recomputing them on every replicate.
    """
    if groups is None:
        groups = strata_groups(strata)
    return np.concatenate([members[rng.integers(0, len(members), size=len(members))] for members in groups])


def strata_groups(strata: np.ndarray) -> list[np.ndarray]:
    """The member indices of each stratum, strata in sorted order."""
    strata = np.asarray(strata)
    return [np.flatnonzero(strata == stratum) for stratum in np.unique(strata)]


def paired_bootstrap(strata: Sequence[int] | np.ndarray, statistic: Statistic, replicates: int = 1000,
                     seed: int = 0, level: float = 0.95,
                     point: Mapping[str, float] | None = None) -> dict[str, Interval]:
    """Percentile intervals (shifted to ``point``, see module docstring) for every value ``statistic`` returns.

    ``strata[i]`` is unit ``i``'s stratum; ``statistic`` must score both
    trackers on the units it is given and return their differences.  The
    same ``seed`` gives the same intervals.
    """
    strata = np.asarray(strata)
    if len(strata) == 0:
        raise ValueError("nothing to resample: no units")
    if all(len(members) < 2 for members in strata_groups(strata)):
        # every replicate would redraw the same units: a zero-width "interval" that claims certainty
        raise ValueError("nothing to resample: every stratum has a single unit, so every replicate is the same "
                         "and the interval would have zero width")
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level}")
    rng = np.random.default_rng(seed)
    everything = dict(statistic(np.arange(len(strata))))
    point = dict(point) if point is not None else everything
    draws: dict[str, list[float]] = {name: [] for name in everything}
    groups = strata_groups(strata)
    for _ in range(replicates):
        values = statistic(resample(strata, rng, groups))
        for name in draws:
            draws[name].append(values[name])
    tail = (1.0 - level) / 2.0
    intervals = {}
    for name, values in draws.items():
        arr = np.asarray(values, float)
        arr = arr[np.isfinite(arr)]
        shift = point[name] - everything[name]
        if len(arr) == 0 or not np.isfinite(shift):
            intervals[name] = Interval(point[name], float("nan"), float("nan"))
            continue
        low, high = np.quantile(arr, [tail, 1.0 - tail])
        intervals[name] = Interval(point[name], float(low + shift), float(high + shift))
    return intervals

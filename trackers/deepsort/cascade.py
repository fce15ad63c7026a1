"""Deep SORT's association: the cost's threshold and the matching cascade.

**Cost** (Wojke et al. 2017, eq. 5 and 6).  For confirmed tracks × detections

    c = λ · d⁽¹⁾ + (1 − λ) · d⁽²⁾

with ``d⁽¹⁾`` the squared Mahalanobis distance ``d²`` of the detection from the
track's predicted measurement (raw, in χ² units) and ``d⁽²⁾`` the smallest
cosine distance from the detection's vector to the track's gallery
(:mod:`.appearance`).  A pair is admissible only if it passes **both gates**,
``d² ≤ 9.4877`` (χ²₀.₉₅ with 4 degrees of freedom) and
``d⁽²⁾ ≤ max_cosine_distance``, for **every** λ, λ = 1 included: λ weighs the
terms of the cost, it never switches a gate off.

The assignment rejects only inadmissible pairs, as the paper's ``b_ij`` does.
In the solver (below) they are priced just above the largest cost an
admissible pair can have, ``λ · 9.4877 + (1 − λ) · max_cosine_distance``: at
λ = 0 that is ``max_cosine_distance``, exactly the reference implementation's
threshold, so λ = 0 reproduces nwojke/deep_sort.

``cost="normalised"`` (not the paper's; kept for comparison with earlier
trackbench results) measures the motion term in the appearance term's units,
``d⁽¹⁾ = d² · max_cosine_distance / 9.4877``, so a pair at the motion gate
costs as much as one at the appearance gate and the threshold is
``max_cosine_distance`` for every λ.  Both gates apply as in ``paper``.
The compiled :func:`trackbench.trackers.deepsort.kernels.cascade_matrix`
prices the pairs; :func:`cost_threshold` gives its threshold.

**Matching.**  Each assignment is solved the way the reference does
(:func:`trackbench.trackers.core.assignment.solve_gated`): inadmissible entries
(and any above the threshold) are set just above the threshold
(``threshold + 1e-5``) before the Hungarian solver runs, so the solver may
leave a track unmatched at about the price of one admissible pair, and any
pair it picks above the threshold is dropped.  The **cascade**
(:func:`matching_cascade`) gives priority to recently seen tracks: tracks
missed for 1 frame are matched first, then those missed for 2, and so on up
to ``max_age``, each level on the detections still free.  Finally
(:func:`trackbench.trackers.deepsort.kernels.iou_stage`) tentative tracks and
confirmed tracks missed for exactly one frame are matched to the remaining
detections by ``1 - IoU`` with threshold ``max_iou_distance``.

Lists of leftover detections keep the reference's order (unassigned ones
first, then those whose assignment was rejected), since that order decides
the ids of new tracks.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.assignment import solve_gated
from trackbench.trackers.core.deepsort_motion import GATING_THRESHOLD
from trackbench.trackers.deepsort import kernels

_EMPTY_PAIRS = np.zeros((0, 2), np.int64)

#: The ways the motion term enters the cost (see module docs); ``paper`` is the default.
COSTS = ("paper", "normalised")


def cost_threshold(lam: float, max_cosine_distance: float, cost: str = "paper") -> tuple[float, float]:
    """The largest cost an admissible pair can have (the matching threshold) and the factor the
    motion term gets (1 for the paper's cost; ``normalised``: ``max_cosine_distance / 9.4877``)."""
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {', '.join(COSTS)}, got {cost!r}")
    if cost == "paper":
        scale, motion_gate = 1.0, GATING_THRESHOLD
    else:
        scale, motion_gate = max_cosine_distance / GATING_THRESHOLD, max_cosine_distance
    if lam <= 0.0:
        return max_cosine_distance, scale
    return lam * motion_gate + (1.0 - lam) * max_cosine_distance, scale


def matching_cascade(gated: np.ndarray, time_since_update: np.ndarray, max_age: int, threshold: float,
                     detections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match tracks (rows of ``gated``, the cascade's matrix from
    :func:`~trackbench.trackers.deepsort.kernels.cascade_matrix`) to ``detections`` (labels of its
    columns, in this order) level by level.

    Level ``l`` (1..max_age) matches the tracks missed for exactly ``l`` frames against the
    detections no earlier level took.  The level plan and the levels that need no solver are
    compiled (:mod:`.kernels`): Python runs only the levels with an admissible pair, each one
    scipy solve.  Returns ``(matches (P, 2) of (row, detection label), detections left, in the
    reference order)``; the matches array is fresh, the caller may modify it.
    """
    free = detections
    if len(free) == 0 or len(gated) == 0:
        return _EMPTY_PAIRS.copy(), free
    order, ordered, lo, hi, hopeful = kernels.cascade_levels(gated, time_since_update, max_age, threshold)
    rows, dets = [], []
    level = 0
    while True:
        level, free = kernels.skip_levels(lo, hi, hopeful, free, level)
        if level == len(lo) or len(free) == 0:
            break
        a, b = lo[level], hi[level]
        r, d, free = solve_gated(ordered[a:b][:, free], threshold, free)
        rows.append(order[a:b][r])
        dets.append(d)
        level += 1
    if not rows:
        return _EMPTY_PAIRS.copy(), free
    if len(rows) == 1:
        return pairs(rows[0], dets[0]), free
    return pairs(np.concatenate(rows), np.concatenate(dets)), free


def pairs(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(P, 2) int64 array of (row, column) pairs."""
    out = np.empty((len(rows), 2), np.int64)
    out[:, 0] = rows
    out[:, 1] = cols
    return out

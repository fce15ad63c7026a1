"""Deep SORT's association: gated costs, the matching cascade and the IoU stage.

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

**Matching.**  :func:`trackbench.trackers.core.assignment.gated_matching` solves one
assignment the way the reference does: inadmissible entries (and any above the threshold) are set
just above the threshold (``threshold + 1e-5``) before the Hungarian solver
runs, so the solver may leave a track unmatched at about the price of one
admissible pair, and any pair it picks above the threshold is dropped.  The
**cascade** (:func:`matching_cascade`) gives priority to recently seen
tracks: tracks missed for 1 frame are matched first, then those missed for 2,
and so on up to ``max_age``, each level on the detections still free.
Finally (:func:`iou_costs`) tentative tracks and confirmed tracks missed for
exactly one frame are matched to the remaining detections by ``1 - IoU`` with
threshold ``max_iou_distance``.

Lists of leftover detections keep the reference's order (unassigned ones
first, then those whose assignment was rejected), since that order decides
the ids of new tracks.
"""

from __future__ import annotations

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.trackers.core.assignment import gate_costs, gated_matching, solve_gated  # noqa: F401 (gated_matching: one solve, re-exported)
from trackbench.trackers.deepsort import kernels
from trackbench.trackers.core.deepsort_motion import GATING_THRESHOLD

_EMPTY_PAIRS = np.zeros((0, 2), np.int64)
#: Cost the reference gives a track that may not take part in the IoU stage.
IOU_GATED_COST = 1e5


#: The ways the motion term enters the cost (see module docs); ``paper`` is the default.
COSTS = ("paper", "normalised")


def combined_cost(maha: np.ndarray, appearance: np.ndarray, lam: float, max_cosine_distance: float,
                  cost: str = "paper") -> tuple[np.ndarray, np.ndarray, float]:
    """Cost ``λ·d⁽¹⁾ + (1-λ)·d⁽²⁾``, admissibility (both gates), each (K, N), and the matching threshold.

    ``appearance`` may be +inf (or anything) where the motion gate already fails.
    The threshold is the largest cost an admissible pair can have (module docs).
    """
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {', '.join(COSTS)}, got {cost!r}")
    admissible = (maha <= GATING_THRESHOLD) & (appearance <= max_cosine_distance)
    if cost == "paper":
        motion, motion_gate = maha, GATING_THRESHOLD
    else:
        motion, motion_gate = maha * (max_cosine_distance / GATING_THRESHOLD), max_cosine_distance
    if lam <= 0.0:
        return appearance, admissible, max_cosine_distance
    threshold = lam * motion_gate + (1.0 - lam) * max_cosine_distance
    if lam >= 1.0:
        return motion, admissible, threshold
    return lam * motion + (1.0 - lam) * appearance, admissible, threshold


def cost_threshold(lam: float, max_cosine_distance: float, cost: str = "paper") -> tuple[float, float]:
    """:func:`combined_cost`'s threshold and the factor its motion term gets (1 for the paper's cost)."""
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {', '.join(COSTS)}, got {cost!r}")
    if cost == "paper":
        scale, motion_gate = 1.0, GATING_THRESHOLD
    else:
        scale, motion_gate = max_cosine_distance / GATING_THRESHOLD, max_cosine_distance
    if lam <= 0.0:
        return max_cosine_distance, scale
    return lam * motion_gate + (1.0 - lam) * max_cosine_distance, scale


def matching_cascade(cost: np.ndarray, admissible: np.ndarray, time_since_update: np.ndarray,
                     max_age: int, threshold: float, detections: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Match tracks (rows) to ``detections`` (columns of ``cost``, in this order) level by level.

    Level ``l`` (1..max_age) matches the tracks missed for exactly ``l`` frames
    against the detections no earlier level took.  Returns
    ``(matches (P, 2) of (row, column), detections left, in the reference order)``.
    """
    return gated_cascade(gate_costs(cost, threshold, admissible), time_since_update, max_age, threshold, detections)


def gated_cascade(gated: np.ndarray, time_since_update: np.ndarray, max_age: int, threshold: float,
                  detections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`matching_cascade` on costs already gated once (:func:`~trackbench.trackers.core.assignment.gate_costs`).

    The rows are ordered by level once (a stable sort keeps the reference's
    track order inside a level), so each level is a slice of one matrix; the
    levels themselves stay a sequence of solves, since each sees only the
    detections the earlier ones left.
    """
    free = detections
    if len(free) == 0 or len(gated) == 0:
        return _EMPTY_PAIRS, free
    tsu = time_since_update
    lo_level, hi_level = int(tsu.min()), int(tsu.max())
    if lo_level == hi_level:  # one level (the usual frame): no sorting
        if not 1 <= lo_level <= max_age:
            return _EMPTY_PAIRS, free
        r, d, free = solve_gated(gated[:, free], threshold, free)
        return pairs(r, d), free
    order = np.argsort(tsu, kind="stable")
    level_of = tsu[order]
    cuts = (level_of[1:] != level_of[:-1]).nonzero()[0] + 1
    starts = [0, *cuts.tolist()]
    ends = [*starts[1:], len(order)]
    ordered = gated[order]
    # Tracks missed for long rarely have a detection inside their gates: such a level matches
    # nothing and only reorders the detections left, as the solver does on a constant matrix.
    hopeful = (ordered <= threshold).any(axis=1)
    rows, dets = [], []
    for lo, hi, level in zip(starts, ends, level_of[starts].tolist()):
        if level < 1 or level > max_age:
            continue
        if len(free) == 0:
            break
        if not hopeful[lo:hi].any():
            free = free[_left_when_all_gated(hi - lo, len(free), float(ordered[lo, 0]))]
            continue
        r, d, free = solve_gated(ordered[lo:hi, free], threshold, free)
        rows.append(order[lo:hi][r])
        dets.append(d)
    if not rows:
        return _EMPTY_PAIRS, free
    return pairs(np.concatenate(rows), np.concatenate(dets)), free


def compiled_cascade(gated: np.ndarray, time_since_update: np.ndarray, max_age: int, threshold: float,
                     detections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gated_cascade` with the level plan and the levels that need no solver compiled
    (:mod:`.kernels`): Python runs only the levels with an admissible pair, each one scipy solve.

    Returns a fresh matches array (rows of ``gated``, detection labels) the caller may modify.
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


_ALL_GATED: dict[tuple[int, int, float], np.ndarray] = {}


def _left_when_all_gated(rows: int, cols: int, gated_value: float) -> np.ndarray:
    """Column positions left, in order, by :func:`solve_gated` on a ``rows x cols`` matrix of one gated value.

    Nothing is matched, but which columns the solver assigns (and so rejects,
    listing them last) is its own tie-breaking: this asks the solver once per
    shape and remembers the answer.
    """
    key = (rows, cols, gated_value)
    left = _ALL_GATED.get(key)
    if left is None:
        if len(_ALL_GATED) > 4096:
            _ALL_GATED.clear()
        _, _, left = solve_gated(np.full((rows, cols), gated_value), gated_value - 1.0, np.arange(cols))
        _ALL_GATED[key] = left
    return left


def pairs(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.empty((len(rows), 2), np.int64)
    out[:, 0] = rows
    out[:, 1] = cols
    return out


def iou_costs(track_boxes: np.ndarray, det_boxes: np.ndarray) -> np.ndarray:
    """The IoU stage's cost ``1 - IoU`` (tracks x detections).

    The reference prices tracks missed for more than one frame out of this
    stage (:data:`IOU_GATED_COST`); its candidates never include such a track
    (tentative tracks die at their first miss, confirmed ones enter only when
    missed for exactly one frame), so there is nothing to price out here.
    """
    return 1.0 - iou_matrix(track_boxes, det_boxes)

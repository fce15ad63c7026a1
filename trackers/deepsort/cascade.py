"""Deep SORT's association: gated costs, the matching cascade and the IoU stage.

**Cost.**  For confirmed tracks × detections the seed article combines motion
and appearance as ``D = λ · D_k + (1 - λ) · D_a``:

- ``D_a`` is the appearance term, the smallest cosine distance from the
  detection's vector to the track's gallery (:mod:`.appearance`);
- ``D_k`` is the motion term, the squared Mahalanobis distance ``d²`` of the
  detection from the track's predicted measurement, **scaled so that the
  motion gate lands on the appearance gate**:
  ``D_k = d² · max_cosine_distance / χ²₀.₉₅(4)`` (χ²₀.₉₅(4) = 9.4877).  A pair
  exactly at the motion gate then costs ``max_cosine_distance``, like a pair
  exactly at the appearance gate, so the two terms share one scale and the
  combined cost of any admissible pair stays within ``max_cosine_distance``,
  the matching threshold, for every λ.

A pair is admissible only if it passes **both gates**: ``d² ≤ 9.4877`` and
``D_a ≤ max_cosine_distance``.  The appearance gate applies while appearance
has weight, i.e. for ``λ < 1``; at ``λ = 1`` appearance is ignored entirely and
Deep SORT becomes a Mahalanobis-cost tracker.  At ``λ = 0`` the cost is the
cosine distance gated by motion: the reference implementation.

**Matching.**  :func:`trackbench.trackers.core.assignment.gated_matching` solves one
assignment the way the reference does: inadmissible entries (and any above the threshold) are set
just above the threshold (``threshold + 1e-5``) before the Hungarian solver
runs, so the solver may leave a track unmatched at about the price of one
admissible pair, and any pair it picks above the threshold is dropped.  The
**cascade** (:func:`matching_cascade`) gives priority to recently seen
tracks: tracks missed for 1 frame are matched first, then those missed for 2,
and so on up to ``max_age``, each level on the detections still free.
Finally (:func:`iou_stage`) tentative tracks and confirmed tracks missed for
exactly one frame are matched to the remaining detections by ``1 - IoU`` with
threshold ``max_iou_distance``.

Lists of leftover detections keep the reference's order (unassigned ones
first, then those whose assignment was rejected), since that order decides
the ids of new tracks.
"""

from __future__ import annotations

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.trackers.core.assignment import gated_matching
from trackbench.trackers.deepsort.motion import GATING_THRESHOLD

_EMPTY_PAIRS = np.zeros((0, 2), np.int64)
#: Cost the reference gives a track that may not take part in the IoU stage.
IOU_GATED_COST = 1e5


def combined_cost(maha: np.ndarray, appearance: np.ndarray | None, lam: float,
                  max_cosine_distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Cost ``λ·D_k + (1-λ)·D_a`` and admissibility (both gates), each (K, N); see module docs.

    ``appearance`` may be +inf (or anything) where the motion gate already fails.
    """
    admissible = maha <= GATING_THRESHOLD
    if lam >= 1.0:
        return maha * (max_cosine_distance / GATING_THRESHOLD), admissible
    if appearance is None:
        raise ValueError("appearance distances are needed when lambda < 1")
    admissible &= appearance <= max_cosine_distance
    if lam <= 0.0:
        return appearance, admissible
    motion = maha * (max_cosine_distance / GATING_THRESHOLD)
    return lam * motion + (1.0 - lam) * appearance, admissible


def matching_cascade(cost: np.ndarray, admissible: np.ndarray, time_since_update: np.ndarray,
                     max_age: int, threshold: float, detections: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Match tracks (rows) to ``detections`` (columns of ``cost``, in this order) level by level.

    Level ``l`` (1..max_age) matches the tracks missed for exactly ``l`` frames
    against the detections no earlier level took.  Returns
    ``(matches (P, 2) of (row, column), detections left, in the reference order)``.
    """
    found = []
    free = detections
    levels = np.unique(time_since_update)
    for level in levels[(levels >= 1) & (levels <= max_age)]:
        if len(free) == 0:
            break
        rows = np.flatnonzero(time_since_update == level)
        sub = np.ix_(rows, free)
        pairs, _, left = gated_matching(cost[sub], threshold, admissible[sub])
        if len(pairs):
            pairs[:, 0] = rows[pairs[:, 0]]
            pairs[:, 1] = free[pairs[:, 1]]
            found.append(pairs)
        free = free[left]
    matches = np.concatenate(found) if found else _EMPTY_PAIRS
    return matches, free


def iou_stage(track_boxes: np.ndarray, time_since_update: np.ndarray, det_boxes: np.ndarray,
              max_iou_distance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match candidate tracks to detections by ``1 - IoU``; tracks missed for more than a frame are barred."""
    if len(track_boxes) == 0 or len(det_boxes) == 0:
        return _EMPTY_PAIRS, np.arange(len(track_boxes)), np.arange(len(det_boxes))
    cost = 1.0 - iou_matrix(track_boxes, det_boxes)
    stale = time_since_update > 1
    if stale.any():
        cost[stale] = IOU_GATED_COST
    return gated_matching(cost, max_iou_distance)

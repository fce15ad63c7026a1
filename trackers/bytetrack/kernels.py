"""ByteTrack's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.bytetrack.tracker.ByteTrack` calls these in
order each frame (why compiled: :mod:`trackbench.trackers.core.jit`):
:func:`first_round`, :func:`second_round`, :func:`unconfirmed_round` (each
builds its cost matrix and returns the assignment when it is trivially
determined; otherwise the tracker runs the shared solver), :func:`correct`,
:func:`duplicates`, :func:`report`.  Arrays are modified in place where the
docstring says so.  The motion model is Deep SORT's height-scaled one
(:mod:`trackbench.trackers.core.deepsort_motion`) on the per-axis Kalman filter.
The definition is the reference implementation: the tests run the whole
tracker against a per-track port of ifzhang/ByteTrack
(``tests/oracles/bytetrack_ref.py``) on real sequences and against the authors'
own output files, and check the pieces against formulas written out
(``tests/test_jit_kernels.py``).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import iou, kernel, predict_axis, state_box, state_boxes, unique_pairs, update_axis

_LOST_RANK = np.int64(1) << 40  # lost tracks sort after tracked ones
_VH = 7  # state column of the height velocity
#: Duplicate check of the reference: tracked and lost pairs closer than this IoU distance.
DUPLICATE_DISTANCE = 0.15


@kernel
def where(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Ascending indices ``i`` with ``lo < values[i] < hi`` (no upper bound when ``hi`` is inf)."""
    out = np.empty(len(values), np.int64)
    n = 0
    for i in range(len(values)):
        if values[i] > lo and (values[i] < hi or hi == np.inf):
            out[n] = i
            n += 1
    return out[:n]


@kernel
def cost_matrix(track_boxes: np.ndarray, tracks: np.ndarray, boxes: np.ndarray, dets: np.ndarray,
                scores: np.ndarray, fuse: bool, inclusive: bool) -> np.ndarray:
    """IoU distance of ``track_boxes[tracks]`` to detections ``boxes[dets]``; fused with the
    scores (``1 - IoU · score``) when ``fuse``."""
    e = 1.0 if inclusive else 0.0  # cython_bbox's +1 on the far corners
    cost = np.empty((len(tracks), len(dets)))
    for i in range(len(tracks)):
        t = tracks[i]
        for j in range(len(dets)):
            d = dets[j]
            c = 1.0 - iou(track_boxes[t, 0], track_boxes[t, 1], track_boxes[t, 2] + e, track_boxes[t, 3] + e,
                          boxes[d, 0], boxes[d, 1], boxes[d, 2] + e, boxes[d, 3] + e)
            cost[i, j] = 1.0 - (1.0 - c) * scores[d] if fuse else c
    return cost


@kernel
def first_round(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, order: np.ndarray,
                boxes: np.ndarray, scores: np.ndarray, track_thresh: float, fuse: bool, inclusive: bool,
                limit: float, noise: tuple):
    """Pools in the reference's list order, the pool predicted (in place), the first cost matrix.

    ``noise`` = (std weight of position, of velocity, std of the aspect's Q position, Q velocity, R):
    Deep SORT's constants, passed in rather than read as globals, which numba would freeze into its
    cache (an edit of ``core/deepsort_motion.py`` would not reach cached kernels).

    Returns ``pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows,
    free_cols`` (``ok``: the assignment is trivially determined and given).
    """
    n = len(order)
    # Tracked tracks in list order, then lost ones (orders are distinct): an insertion sort.
    key = np.empty(n, np.int64)
    ranked = np.empty(n, np.int64)
    for i in range(n):
        key[i] = order[i] + _LOST_RANK if lost[i] else order[i]
        j = i
        while j > 0 and key[ranked[j - 1]] > key[i]:
            ranked[j] = ranked[j - 1]
            j -= 1
        ranked[j] = i
    pool = np.empty(n, np.int64)
    unconfirmed = np.empty(n, np.int64)
    n_pool = n_unconfirmed = 0
    for i in ranked:
        if confirmed[i]:
            pool[n_pool] = i
            n_pool += 1
        else:
            unconfirmed[n_unconfirmed] = i
            n_unconfirmed += 1
    pool, unconfirmed = pool[:n_pool], unconfirmed[:n_unconfirmed]
    pool_lost = np.empty(n_pool, np.bool_)
    pool_boxes = np.empty((n_pool, 4))
    for n in range(n_pool):
        i = pool[n]
        pool_lost[n] = lost[i]
        if lost[i]:
            x[i, _VH] = 0.0
        h = x[i, 3]
        w_pos, w_vel, a_pos, a_vel = noise[0], noise[1], noise[2], noise[3]
        for k in range(4):
            if k == 2:
                q_pos, q_vel = a_pos * a_pos, a_vel * a_vel
            else:
                q_pos, q_vel = (h * w_pos) * (h * w_pos), (h * w_vel) * (h * w_vel)
            predict_axis(x, P, i, k, q_pos, q_vel)
        state_box(x, i, pool_boxes, n)
    high = where(scores, track_thresh, np.inf)
    cost = cost_matrix(pool_boxes, np.arange(n_pool), boxes, high, scores, fuse, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows, free_cols


@kernel
def second_round(pool_lost: np.ndarray, pool_boxes: np.ndarray, u_pool: np.ndarray, boxes: np.ndarray,
                 scores: np.ndarray, low_thresh: float, track_thresh: float, inclusive: bool, limit: float):
    """Tracks tracked until now and left unmatched (``rows``, positions in the pool) against the
    low-score detections ``low``, cost ``1 - IoU``.  Returns ``rows, low, cost, ok, matches,
    free_rows, free_cols``."""
    rows = np.empty(len(u_pool), np.int64)
    n = 0
    for r in u_pool:
        if not pool_lost[r]:
            rows[n] = r
            n += 1
    rows = rows[:n]
    low = where(scores, low_thresh, track_thresh)
    cost = cost_matrix(pool_boxes, rows, boxes, low, scores, False, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return rows, low, cost, ok, matches, free_rows, free_cols


@kernel
def unconfirmed_round(x: np.ndarray, unconfirmed: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                      high: np.ndarray, u_det: np.ndarray, fuse: bool, inclusive: bool, limit: float):
    """Tracks started last frame (not predicted) against the high-score detections ``left`` over.
    Returns ``left, cost, ok, matches, free_rows, free_cols``."""
    left = np.empty(len(u_det), np.int64)
    for n in range(len(u_det)):
        left[n] = high[u_det[n]]
    track_boxes = np.empty((len(unconfirmed), 4))
    for n in range(len(unconfirmed)):
        state_box(x, unconfirmed[n], track_boxes, n)
    cost = cost_matrix(track_boxes, np.arange(len(unconfirmed)), boxes, left, scores, fuse, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return left, cost, ok, matches, free_rows, free_cols


@kernel
def _hit(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, last: np.ndarray,
         score: np.ndarray, frame_id: int, i: int, boxes: np.ndarray, scores: np.ndarray, d: int,
         noise: tuple) -> None:
    """Track ``i`` matched detection ``d``: Kalman update (noise from its predicted height, (u, v, a, h)
    measurement), tracked and confirmed."""
    h_pred = x[i, 3]
    r_pos = (h_pred * noise[0]) * (h_pred * noise[0])
    w = boxes[d, 2] - boxes[d, 0]
    h = boxes[d, 3] - boxes[d, 1]
    update_axis(x, P, i, 0, boxes[d, 0] + w / 2.0, r_pos)
    update_axis(x, P, i, 1, boxes[d, 1] + h / 2.0, r_pos)
    update_axis(x, P, i, 2, w / h, noise[4] * noise[4])
    update_axis(x, P, i, 3, h, r_pos)
    confirmed[i] = True
    lost[i] = False
    last[i] = frame_id
    score[i] = scores[d]


@kernel
def correct(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, doomed: np.ndarray,
            last: np.ndarray, score: np.ndarray, order: np.ndarray, frame_id: int, max_time_lost: int,
            boxes: np.ndarray, scores: np.ndarray,
            pool: np.ndarray, pool_lost: np.ndarray, high: np.ndarray, m1: np.ndarray,
            rows2: np.ndarray, low: np.ndarray, m2: np.ndarray, free2: np.ndarray,
            unconfirmed: np.ndarray, left: np.ndarray, m3: np.ndarray, free3: np.ndarray, left_free: np.ndarray,
            init_thresh: float, next_order: int, noise: tuple):
    """The life cycle after the three rounds, in place: matched tracks corrected and tracked,
    the unmatched tracked ones lost, ages, list order.

    Returns ``keep`` (False: delete the track), the detections that start tracks (indices
    into ``boxes``) and the next free list position after the new tracks, the re-found and
    the newly lost ones (the new tracks take the first positions from ``next_order``).
    """
    n = len(lost)
    lost_before = lost.copy()
    for k in range(len(m1)):
        _hit(x, P, confirmed, lost, last, score, frame_id, pool[m1[k, 0]], boxes, scores, high[m1[k, 1]], noise)
    for k in range(len(m2)):
        _hit(x, P, confirmed, lost, last, score, frame_id, pool[rows2[m2[k, 0]]], boxes, scores, low[m2[k, 1]], noise)
    for k in range(len(m3)):
        _hit(x, P, confirmed, lost, last, score, frame_id, unconfirmed[m3[k, 0]], boxes, scores, left[m3[k, 1]], noise)
    for r in free2:
        lost[pool[rows2[r]]] = True
    # A track removed for age stays matchable one more frame; the lost pool sheds tracks removed
    # earlier (not re-found) and re-found tracks lost again.
    keep = np.empty(n, np.bool_)
    for i in range(n):
        keep[i] = not (lost[i] and doomed[i])
    for r in free3:
        keep[unconfirmed[r]] = False
    for i in range(n):
        if lost_before[i] and frame_id - last[i] > max_time_lost:
            doomed[i] = True
    new = np.empty(len(left_free), np.int64)
    n_new = 0
    for f in left_free:
        if scores[left[f]] >= init_thresh:
            new[n_new] = left[f]
            n_new += 1
    # List order: new tracks, then re-found ones, join the tracked list; newly lost join the lost one.
    o = next_order + n_new
    for k in range(len(m1)):
        if pool_lost[m1[k, 0]]:
            order[pool[m1[k, 0]]] = o
            o += 1
    for r in free2:
        order[pool[rows2[r]]] = o
        o += 1
    return keep, new[:n_new], o


@kernel
def duplicates(x: np.ndarray, lost: np.ndarray, last: np.ndarray, start: np.ndarray, inclusive: bool):
    """Of a tracked and a lost track overlapping by IoU > 0.85, the shorter-lived one goes.

    Returns ``(any dropped, keep)``.
    """
    n = len(lost)
    keep = np.ones(n, np.bool_)
    dropped = False
    e = 1.0 if inclusive else 0.0
    b = np.empty((n, 4))
    for i in range(n):
        state_box(x, i, b, i)
    for i in range(n):
        if lost[i]:
            continue
        for j in range(n):
            if lost[j] and 1.0 - iou(b[i, 0], b[i, 1], b[i, 2] + e, b[i, 3] + e,
                                     b[j, 0], b[j, 1], b[j, 2] + e, b[j, 3] + e) < DUPLICATE_DISTANCE:
                dropped = True
                if last[i] - start[i] > last[j] - start[j]:
                    keep[j] = False
                else:
                    keep[i] = False
    return dropped, keep


@kernel
def report(x: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, min_box_area: float,
           aspect_ratio_thresh: float):
    """Confirmed tracked tracks whose Kalman box passes the output filter: (indices, boxes)."""
    shown = np.empty(len(lost), np.int64)
    n = 0
    for i in range(len(lost)):
        if confirmed[i] and not lost[i]:
            w, h = x[i, 2] * x[i, 3], x[i, 3]
            if w * h > min_box_area and not w / h > aspect_ratio_thresh:
                shown[n] = i
                n += 1
    return shown[:n], state_boxes(x, shown[:n])

"""ByteTrack's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.bytetrack.tracker.ByteTrack` calls these in
order each frame (why compiled: :mod:`trackbench.trackers.core.jit`):
:func:`first_round`, :func:`second_round`, :func:`unconfirmed_round` (each
builds its cost matrix and returns the assignment when it is trivially
determined; otherwise the tracker runs the shared solver), :func:`correct`,
:func:`duplicates`, :func:`report`.  Arrays are modified in place where the
docstring says so.  The arithmetic is that of the NumPy building blocks the
tracker was written with — Deep SORT's height-scaled noise
(:mod:`trackbench.trackers.deepsort.motion`), the per-axis Kalman filter,
``iou_matrix`` — operation for operation.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import iou, kernel, predict_axis, unique_pairs, update_axis
from trackbench.trackers.deepsort.motion import (ASPECT_STD_Q_POS, ASPECT_STD_Q_VEL, ASPECT_STD_R, STD_WEIGHT_POSITION,
                                                 STD_WEIGHT_VELOCITY)

_LOST_RANK = np.int64(1) << 40  # lost tracks sort after tracked ones
_VH = 7  # state column of the height velocity
#: Duplicate check of the reference: tracked and lost pairs closer than this IoU distance.
DUPLICATE_DISTANCE = 0.15


@kernel
def state_box(x: np.ndarray, i: int, out: np.ndarray, j: int) -> None:
    """``motion.xyah_to_boxes`` of state row ``x[i]`` into ``out[j]``."""
    w = x[i, 2] * x[i, 3]
    h = x[i, 3]
    x1 = x[i, 0] - w / 2.0
    y1 = x[i, 1] - h / 2.0
    out[j, 0] = x1
    out[j, 1] = y1
    out[j, 2] = w + x1
    out[j, 3] = h + y1


@kernel
def cost_matrix(track_boxes: np.ndarray, boxes: np.ndarray, dets: np.ndarray, scores: np.ndarray, fuse: bool,
                inclusive: bool) -> np.ndarray:
    """IoU distance of tracks to detections ``boxes[dets]``; fused with the scores (``1 - IoU · score``)."""
    e = 1.0 if inclusive else 0.0  # cython_bbox's +1 on the far corners
    cost = np.empty((len(track_boxes), len(dets)))
    for i in range(len(track_boxes)):
        a = track_boxes[i]
        for j in range(len(dets)):
            b = boxes[dets[j]]
            c = 1.0 - iou(a[0], a[1], a[2] + e, a[3] + e, b[0], b[1], b[2] + e, b[3] + e)
            cost[i, j] = 1.0 - (1.0 - c) * scores[dets[j]] if fuse else c
    return cost


@kernel
def first_round(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, order: np.ndarray,
                boxes: np.ndarray, scores: np.ndarray, track_thresh: float, fuse: bool, inclusive: bool,
                limit: float):
    """Pools in the reference's list order, the pool predicted (in place), the first cost matrix.

    Returns ``pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows,
    free_cols`` (``ok``: the assignment is trivially determined and given).
    """
    ranked = np.argsort(order + lost * _LOST_RANK)
    pool = ranked[confirmed[ranked]]
    unconfirmed = ranked[~confirmed[ranked]]
    pool_lost = lost[pool]
    pool_boxes = np.empty((len(pool), 4))
    for n in range(len(pool)):
        i = pool[n]
        if pool_lost[n]:
            x[i, _VH] = 0.0
        h = x[i, 3]
        for k in range(4):
            if k == 2:
                q_pos, q_vel = ASPECT_STD_Q_POS * ASPECT_STD_Q_POS, ASPECT_STD_Q_VEL * ASPECT_STD_Q_VEL
            else:
                q_pos = (h * STD_WEIGHT_POSITION) * (h * STD_WEIGHT_POSITION)
                q_vel = (h * STD_WEIGHT_VELOCITY) * (h * STD_WEIGHT_VELOCITY)
            predict_axis(x, P, i, k, q_pos, q_vel)
        state_box(x, i, pool_boxes, n)
    high = np.flatnonzero(scores > track_thresh)
    cost = cost_matrix(pool_boxes, boxes, high, scores, fuse, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost <= limit)
    return pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows, free_cols


@kernel
def second_round(pool_lost: np.ndarray, pool_boxes: np.ndarray, u_pool: np.ndarray, boxes: np.ndarray,
                 scores: np.ndarray, low_thresh: float, track_thresh: float, inclusive: bool, limit: float):
    """Tracks tracked until now and left unmatched (``rows``, positions in the pool) against the
    low-score detections ``low``, cost ``1 - IoU``.  Returns ``rows, low, cost, ok, matches,
    free_rows, free_cols``."""
    rows = u_pool[~pool_lost[u_pool]]
    low = np.flatnonzero((scores > low_thresh) & (scores < track_thresh))
    cost = cost_matrix(pool_boxes[rows], boxes, low, scores, False, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost <= limit)
    return rows, low, cost, ok, matches, free_rows, free_cols


@kernel
def unconfirmed_round(x: np.ndarray, unconfirmed: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                      high: np.ndarray, u_det: np.ndarray, fuse: bool, inclusive: bool, limit: float):
    """Tracks started last frame (not predicted) against the high-score detections ``left`` over.
    Returns ``left, cost, ok, matches, free_rows, free_cols``."""
    left = high[u_det]
    track_boxes = np.empty((len(unconfirmed), 4))
    for n in range(len(unconfirmed)):
        state_box(x, unconfirmed[n], track_boxes, n)
    cost = cost_matrix(track_boxes, boxes, left, scores, fuse, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost <= limit)
    return left, cost, ok, matches, free_rows, free_cols


@kernel
def _correct_track(x: np.ndarray, P: np.ndarray, i: int, b: np.ndarray) -> None:
    """Kalman update of track ``i`` with box ``b``: noise from its predicted height, (u, v, a, h) measurement."""
    h_pred = x[i, 3]
    r_pos = (h_pred * STD_WEIGHT_POSITION) * (h_pred * STD_WEIGHT_POSITION)
    w = b[2] - b[0]
    h = b[3] - b[1]
    update_axis(x, P, i, 0, b[0] + w / 2.0, r_pos)
    update_axis(x, P, i, 1, b[1] + h / 2.0, r_pos)
    update_axis(x, P, i, 2, w / h, ASPECT_STD_R * ASPECT_STD_R)
    update_axis(x, P, i, 3, h, r_pos)


@kernel
def correct(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, doomed: np.ndarray,
            last: np.ndarray, score: np.ndarray, order: np.ndarray, frame_id: int, max_time_lost: int,
            boxes: np.ndarray, scores: np.ndarray,
            pool: np.ndarray, pool_lost: np.ndarray, high: np.ndarray, m1: np.ndarray,
            rows2: np.ndarray, low: np.ndarray, m2: np.ndarray, free2: np.ndarray,
            unconfirmed: np.ndarray, left: np.ndarray, m3: np.ndarray, free3: np.ndarray, left_free: np.ndarray,
            init_thresh: float, next_order: int):
    """The life cycle after the three rounds, in place: matched tracks corrected and tracked,
    the unmatched tracked ones lost, ages, list order.

    Returns ``keep`` (False: delete the track), the detections that start tracks (indices
    into ``boxes``) and the next free list position after the new tracks, the re-found and
    the newly lost ones (the new tracks take the first positions from ``next_order``).
    """
    lost_before = lost.copy()
    hits = [(pool[m1[n, 0]], high[m1[n, 1]]) for n in range(len(m1))]
    for n in range(len(m2)):
        hits.append((pool[rows2[m2[n, 0]]], low[m2[n, 1]]))
    for n in range(len(m3)):
        hits.append((unconfirmed[m3[n, 0]], left[m3[n, 1]]))
    for i, d in hits:
        _correct_track(x, P, i, boxes[d])
        confirmed[i] = True
        lost[i] = False
        last[i] = frame_id
        score[i] = scores[d]
    newly_lost = pool[rows2[free2]]
    for i in newly_lost:
        lost[i] = True
    # A track removed for age stays matchable one more frame; the lost pool sheds tracks removed
    # earlier (not re-found) and re-found tracks lost again.
    keep = ~(lost & doomed)
    for n in free3:
        keep[unconfirmed[n]] = False
    for i in range(len(lost)):
        if lost_before[i] and frame_id - last[i] > max_time_lost:
            doomed[i] = True
    new = left[left_free]
    new = new[scores[new] >= init_thresh]
    # List order: new tracks, then re-found ones, join the tracked list; newly lost join the lost one.
    o = next_order + len(new)
    for n in range(len(m1)):
        if pool_lost[m1[n, 0]]:
            order[pool[m1[n, 0]]] = o
            o += 1
    for i in newly_lost:
        order[i] = o
        o += 1
    return keep, new, o


@kernel
def duplicates(x: np.ndarray, lost: np.ndarray, last: np.ndarray, start: np.ndarray, inclusive: bool):
    """Of a tracked and a lost track overlapping by IoU > 0.85, the shorter-lived one goes.

    Returns ``(any dropped, keep)``.
    """
    n = len(lost)
    keep = np.ones(n, np.bool_)
    dropped = False
    e = 1.0 if inclusive else 0.0
    boxes = np.empty((n, 4))
    for i in range(n):
        state_box(x, i, boxes, i)
    for a in range(n):
        if lost[a]:
            continue
        for b in range(n):
            if not lost[b]:
                continue
            ba, bb = boxes[a], boxes[b]
            if 1.0 - iou(ba[0], ba[1], ba[2] + e, ba[3] + e, bb[0], bb[1], bb[2] + e, bb[3] + e) < DUPLICATE_DISTANCE:
                dropped = True
                if last[a] - start[a] > last[b] - start[b]:
                    keep[b] = False
                else:
                    keep[a] = False
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
    out = np.empty((n, 4))
    for j in range(n):
        state_box(x, shown[j], out, j)
    return shown[:n], out

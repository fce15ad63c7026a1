"""BoT-SORT's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.botsort.tracker.BoTSort` calls, each frame,
:func:`first_round` (pool order, prediction, camera-motion warp, first cost
matrix), :func:`second_round`, :func:`unconfirmed_round` (each returns the
assignment when it is trivially determined, else the tracker runs the shared
solver), :func:`correct`, :func:`duplicates` and :func:`report`.  Arrays are
changed in place where a docstring says so.  The motion model is
:mod:`trackbench.trackers.core.botsort_motion` (x, y, w, h with a full
covariance, column ``cov`` of the store); the life cycle is ByteTrack's, which
BoT-SORT keeps (tracked / lost / removed lists, a track removed for age still
matchable by the next frame's first association).  Costs: ``1 − IoU`` with
inclusive pixel extents (``cython_bbox``), fused with the score
(``1 − IoU · score``) in the first and the unconfirmed rounds, and, with
appearance vectors, the element-wise minimum of that and the gated cosine
distance (:func:`fused_cost`).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core import botsort_motion as motion
from trackbench.trackers.core.jit import iou, kernel, unique_pairs

_LOST_RANK = np.int64(1) << 40  # lost tracks sort after tracked ones
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
def iou_distance(track_boxes: np.ndarray, tracks: np.ndarray, boxes: np.ndarray, dets: np.ndarray,
                 inclusive: bool) -> np.ndarray:
    """``1 − IoU`` of ``track_boxes[tracks]`` with ``boxes[dets]`` (+1 on far corners when ``inclusive``)."""
    e = 1.0 if inclusive else 0.0
    out = np.empty((len(tracks), len(dets)))
    for a in range(len(tracks)):
        t = tracks[a]
        for b in range(len(dets)):
            d = dets[b]
            out[a, b] = 1.0 - iou(track_boxes[t, 0], track_boxes[t, 1], track_boxes[t, 2] + e, track_boxes[t, 3] + e,
                                  boxes[d, 0], boxes[d, 1], boxes[d, 2] + e, boxes[d, 3] + e)
    return out


@kernel
def fused_cost(distance: np.ndarray, dets: np.ndarray, scores: np.ndarray, fuse_score: bool,
               track_feat: np.ndarray, tracks: np.ndarray, det_feat: np.ndarray, appearance: bool,
               proximity_thresh: float, appearance_thresh: float) -> np.ndarray:
    """BoT-SORT's cost from the IoU distance of ``tracks`` × ``dets``.

    ``1 − (1 − d) · score`` when ``fuse_score``; with ``appearance`` the
    element-wise minimum of that and the cosine distance / 2 of the track's
    smoothed vector to the detection's, which counts only where the cosine
    half-distance is at most ``appearance_thresh`` and the boxes overlap
    (IoU distance at most ``proximity_thresh``) — elsewhere it is 1.
    """
    rows, cols = distance.shape
    out = np.empty((rows, cols))
    for a in range(rows):
        for b in range(cols):
            d = distance[a, b]
            c = 1.0 - (1.0 - d) * scores[dets[b]] if fuse_score else d
            if appearance:
                u = track_feat[tracks[a]]
                v = det_feat[dets[b]]
                dot = 0.0
                uu = 0.0
                vv = 0.0
                for k in range(len(u)):
                    dot += u[k] * v[k]
                    uu += u[k] * u[k]
                    vv += v[k] * v[k]
                emb = max(0.0, 1.0 - dot / (np.sqrt(uu) * np.sqrt(vv))) / 2.0
                if emb > appearance_thresh or d > proximity_thresh:
                    emb = 1.0
                c = min(c, emb)
            out[a, b] = c
    return out


@kernel
def first_round(x: np.ndarray, cov: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, order: np.ndarray,
                boxes: np.ndarray, scores: np.ndarray, high_thresh: float, warp: np.ndarray, warped: bool,
                inclusive: bool, fuse_score: bool, track_feat: np.ndarray, det_feat: np.ndarray, appearance: bool,
                proximity_thresh: float, appearance_thresh: float, limit: float, noise: tuple):
    """Pools in the reference's list order; the pool predicted (lost ones without size velocity), then
    pool and unconfirmed tracks warped by the camera motion (when ``warped``), all in place; the first
    cost matrix against the high-score detections.

    Returns ``pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows, free_cols``.
    """
    n = len(order)
    key = np.empty(n, np.int64)
    ranked = np.empty(n, np.int64)
    for i in range(n):  # tracked tracks in list order, then lost ones: an insertion sort
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
    for m in range(n_pool):
        i = pool[m]
        pool_lost[m] = lost[i]
        if lost[i]:
            x[i, 6] = 0.0
            x[i, 7] = 0.0
        motion.predict(x, cov, i, noise)
        if warped:
            motion.warp(x, cov, i, warp)
        motion.state_box(x, i, pool_boxes, m)
    if warped:
        for i in unconfirmed:
            motion.warp(x, cov, i, warp)
    high = where(scores, high_thresh, np.inf)
    distance = iou_distance(pool_boxes, np.arange(n_pool), boxes, high, inclusive)
    cost = fused_cost(distance, high, scores, fuse_score, track_feat, pool, det_feat, appearance, proximity_thresh,
                      appearance_thresh)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows, free_cols


@kernel
def second_round(pool_lost: np.ndarray, pool_boxes: np.ndarray, u_pool: np.ndarray, boxes: np.ndarray,
                 scores: np.ndarray, low_thresh: float, high_thresh: float, inclusive: bool, limit: float):
    """Tracks tracked until now and left unmatched (``rows``, positions in the pool) against the
    low-score detections ``low``, cost ``1 − IoU`` (no appearance: the reference embeds only the
    high-score detections).  Returns ``rows, low, cost, ok, matches, free_rows, free_cols``."""
    rows = np.empty(len(u_pool), np.int64)
    n = 0
    for r in u_pool:
        if not pool_lost[r]:
            rows[n] = r
            n += 1
    rows = rows[:n]
    low = where(scores, low_thresh, high_thresh)
    cost = iou_distance(pool_boxes, rows, boxes, low, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return rows, low, cost, ok, matches, free_rows, free_cols


@kernel
def unconfirmed_round(x: np.ndarray, unconfirmed: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                      high: np.ndarray, u_det: np.ndarray, inclusive: bool, fuse_score: bool, track_feat: np.ndarray,
                      det_feat: np.ndarray, appearance: bool, proximity_thresh: float, appearance_thresh: float,
                      limit: float):
    """Tracks started last frame (warped, not predicted) against the high-score detections ``left``
    over, with the first round's cost.  Returns ``left, cost, ok, matches, free_rows, free_cols``."""
    left = np.empty(len(u_det), np.int64)
    for m in range(len(u_det)):
        left[m] = high[u_det[m]]
    track_boxes = np.empty((len(unconfirmed), 4))
    for m in range(len(unconfirmed)):
        motion.state_box(x, unconfirmed[m], track_boxes, m)
    distance = iou_distance(track_boxes, np.arange(len(unconfirmed)), boxes, left, inclusive)
    cost = fused_cost(distance, left, scores, fuse_score, track_feat, unconfirmed, det_feat, appearance,
                      proximity_thresh, appearance_thresh)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return left, cost, ok, matches, free_rows, free_cols


@kernel
def _smooth(track_feat: np.ndarray, i: int, det_feat: np.ndarray, d: int, alpha: float) -> None:
    """Track ``i``'s appearance: ``normalise(α · smooth + (1 − α) · normalise(vector d))``."""
    v = det_feat[d]
    norm = np.sqrt(np.sum(v * v))
    s = 0.0
    for k in range(len(v)):
        track_feat[i, k] = alpha * track_feat[i, k] + (1.0 - alpha) * (v[k] / norm)
        s += track_feat[i, k] * track_feat[i, k]
    s = np.sqrt(s)
    for k in range(len(v)):
        track_feat[i, k] /= s


@kernel
def _hit(x: np.ndarray, cov: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, last: np.ndarray,
         score: np.ndarray, frame_id: int, i: int, boxes: np.ndarray, scores: np.ndarray, d: int, noise: tuple,
         track_feat: np.ndarray, det_feat: np.ndarray, embed: bool, alpha: float) -> None:
    """Track ``i`` matched detection ``d``: Kalman update, appearance (when ``embed``), tracked and confirmed."""
    motion.update(x, cov, i, boxes[d], noise)
    if embed:
        _smooth(track_feat, i, det_feat, d, alpha)
    confirmed[i] = True
    lost[i] = False
    last[i] = frame_id
    score[i] = scores[d]


@kernel
def correct(x: np.ndarray, cov: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, doomed: np.ndarray,
            last: np.ndarray, score: np.ndarray, order: np.ndarray, frame_id: int, max_time_lost: int,
            boxes: np.ndarray, scores: np.ndarray,
            pool: np.ndarray, pool_lost: np.ndarray, high: np.ndarray, m1: np.ndarray,
            rows2: np.ndarray, low: np.ndarray, m2: np.ndarray, free2: np.ndarray,
            unconfirmed: np.ndarray, left: np.ndarray, m3: np.ndarray, free3: np.ndarray, left_free: np.ndarray,
            new_thresh: float, next_order: int, noise: tuple, track_feat: np.ndarray, det_feat: np.ndarray,
            appearance: bool, alpha: float):
    """The life cycle after the three rounds, in place: matched tracks corrected and tracked, the
    unmatched tracked ones lost, ages, list order.

    Returns ``keep`` (False: delete the track), the detections that start tracks (indices into
    ``boxes``) and the next free list position (new tracks take the first ones from ``next_order``,
    then the re-found, then the newly lost tracks).
    """
    n = len(lost)
    lost_before = lost.copy()
    for k in range(len(m1)):
        _hit(x, cov, confirmed, lost, last, score, frame_id, pool[m1[k, 0]], boxes, scores, high[m1[k, 1]], noise,
             track_feat, det_feat, appearance, alpha)
    for k in range(len(m2)):  # low-score detections carry no appearance in the reference
        _hit(x, cov, confirmed, lost, last, score, frame_id, pool[rows2[m2[k, 0]]], boxes, scores, low[m2[k, 1]],
             noise, track_feat, det_feat, False, alpha)
    for k in range(len(m3)):
        _hit(x, cov, confirmed, lost, last, score, frame_id, unconfirmed[m3[k, 0]], boxes, scores, left[m3[k, 1]],
             noise, track_feat, det_feat, appearance, alpha)
    for r in free2:
        lost[pool[rows2[r]]] = True
    keep = np.empty(n, np.bool_)
    for i in range(n):  # removed tracks lost again, or removed last frame and not re-found, go
        keep[i] = not (lost[i] and doomed[i])
    for r in free3:
        keep[unconfirmed[r]] = False
    for i in range(n):
        if lost_before[i] and frame_id - last[i] > max_time_lost:
            doomed[i] = True
    new = np.empty(len(left_free), np.int64)
    n_new = 0
    for f in left_free:
        if scores[left[f]] >= new_thresh:
            new[n_new] = left[f]
            n_new += 1
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
    Returns ``(any dropped, keep)``."""
    n = len(lost)
    keep = np.ones(n, np.bool_)
    dropped = False
    e = 1.0 if inclusive else 0.0
    b = np.empty((n, 4))
    for i in range(n):
        motion.state_box(x, i, b, i)
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
def report(x: np.ndarray, lost: np.ndarray, min_box_area: float, aspect_ratio_thresh: float):
    """Tracked tracks — confirmed or not: the reference reports its whole tracked list — whose Kalman
    box passes the output filter: (indices, corner boxes)."""
    shown = np.empty(len(lost), np.int64)
    n = 0
    for i in range(len(lost)):
        if not lost[i]:
            w, h = x[i, 2], x[i, 3]
            if w * h > min_box_area and not w / h > aspect_ratio_thresh:
                shown[n] = i
                n += 1
    out = np.empty((n, 4))
    for m in range(n):
        motion.state_box(x, shown[m], out, m)
    return shown[:n], out


@kernel
def start(x: np.ndarray, cov: np.ndarray, first: int, boxes: np.ndarray, new: np.ndarray, noise: tuple) -> None:
    """Initial states of the tracks at rows ``first…`` from detections ``new`` (in place)."""
    for m in range(len(new)):
        motion.initiate(x, cov, first + m, boxes[new[m]], noise)


@kernel
def coast_predict(x: np.ndarray, cov: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, warp: np.ndarray,
                  warped: bool, noise: tuple) -> None:
    """A frame without a detector run: confirmed tracks predicted (lost ones without size velocity), every
    track warped by the camera motion when ``warped`` (in place)."""
    for i in range(len(lost)):
        if confirmed[i]:
            if lost[i]:
                x[i, 6] = 0.0
                x[i, 7] = 0.0
            motion.predict(x, cov, i, noise)
        if warped:
            motion.warp(x, cov, i, warp)

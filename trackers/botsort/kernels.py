"""BoT-SORT's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.botsort.tracker.BoTSort` calls, each frame,
:func:`first_round` (pool order, prediction, camera-motion warp, first cost
matrix), ``second_round``, :func:`unconfirmed_round` (each returns the
assignment when it is trivially determined, else the tracker runs the shared
solver), :func:`correct`, ``duplicates`` and ``report``.  Arrays are
changed in place where a docstring says so.  The motion model is
:mod:`trackbench.trackers.core.botsort_motion` (x, y, w, h with a full
covariance, column ``cov`` of the store); the association rounds and the life
cycle are ByteTrack's, which BoT-SORT keeps (tracked / lost / removed lists, a
track removed for age still matchable by the next frame's first association):
they, and the kernels not named here, are
:mod:`trackbench.trackers.core.byte_association`, shared with ``bytetrack``.
Costs: ``1 − IoU`` with inclusive pixel extents (``cython_bbox``), fused with
the score (``1 − IoU · score``) in the first and the unconfirmed rounds, and,
with appearance vectors, the element-wise minimum of that and the gated cosine
distance (:func:`fused_cost`).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core import botsort_motion as motion
from trackbench.trackers.core import byte_association as byte
from trackbench.trackers.core.jit import kernel, unique_pairs


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
def _predict(x: np.ndarray, cov: np.ndarray, i: int, lost: bool, warp: np.ndarray, warped: bool,
             noise: tuple) -> None:
    """Track ``i`` one frame ahead (a lost one without size velocity), then warped by the camera motion
    when ``warped`` (in place)."""
    if lost:
        x[i, 6] = 0.0
        x[i, 7] = 0.0
    motion.predict(x, cov, i, noise)
    if warped:
        motion.warp(x, cov, i, warp)


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
    pool, unconfirmed, pool_lost = byte.pools(confirmed, lost, order)
    pool_boxes = np.empty((len(pool), 4))
    for m in range(len(pool)):
        _predict(x, cov, pool[m], pool_lost[m], warp, warped, noise)
        motion.state_box(x, pool[m], pool_boxes, m)
    if warped:
        for i in unconfirmed:
            motion.warp(x, cov, i, warp)
    high = byte.where(scores, high_thresh, np.inf)
    distance = byte.cost_matrix(pool_boxes, np.arange(len(pool)), boxes, high, scores, False, inclusive)
    cost = fused_cost(distance, high, scores, fuse_score, track_feat, pool, det_feat, appearance, proximity_thresh,
                      appearance_thresh)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows, free_cols


@kernel
def unconfirmed_round(x: np.ndarray, unconfirmed: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                      high: np.ndarray, u_det: np.ndarray, inclusive: bool, fuse_score: bool, track_feat: np.ndarray,
                      det_feat: np.ndarray, appearance: bool, proximity_thresh: float, appearance_thresh: float,
                      limit: float):
    """Tracks started last frame (warped, not predicted) against the high-score detections ``left``
    over, with the first round's cost.  Returns ``left, cost, ok, matches, free_rows, free_cols``."""
    left, track_boxes = byte.leftovers(x, unconfirmed, high, u_det, True)
    distance = byte.cost_matrix(track_boxes, np.arange(len(unconfirmed)), boxes, left, scores, False, inclusive)
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
def _update(x: np.ndarray, cov: np.ndarray, i: int, boxes: np.ndarray, d: int, noise: tuple, track_feat: np.ndarray,
            det_feat: np.ndarray, embed: bool, alpha: float) -> None:
    """Track ``i`` matched detection ``d``: Kalman update, appearance (when ``embed``)."""
    motion.update(x, cov, i, boxes[d], noise)
    if embed:
        _smooth(track_feat, i, det_feat, d, alpha)


@kernel
def correct(x: np.ndarray, cov: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, doomed: np.ndarray,
            last: np.ndarray, score: np.ndarray, order: np.ndarray, frame_id: int, max_time_lost: int,
            boxes: np.ndarray, scores: np.ndarray, rounds: tuple, new_thresh: float, next_order: int, noise: tuple,
            track_feat: np.ndarray, det_feat: np.ndarray, appearance: bool, alpha: float):
    """The matched tracks' filters and appearance corrected, then ByteTrack's life cycle, which BoT-SORT
    keeps, all in place (``rounds``: the association's outcome, see
    :func:`~trackbench.trackers.core.byte_association.matched`).

    Returns ``keep`` (False: delete the track), the detections that start tracks (indices into
    ``boxes``) and the next free list position.
    """
    tracks, dets, second = byte.matched(rounds)
    for k in range(len(tracks)):  # low-score detections carry no appearance in the reference
        _update(x, cov, tracks[k], boxes, dets[k], noise, track_feat, det_feat, appearance and not second[k], alpha)
    return byte.life_cycle(confirmed, lost, doomed, last, score, order, frame_id, max_time_lost, scores, rounds,
                           new_thresh, next_order)


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
            _predict(x, cov, i, lost[i], warp, warped, noise)
        elif warped:
            motion.warp(x, cov, i, warp)

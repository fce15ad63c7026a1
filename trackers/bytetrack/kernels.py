"""ByteTrack's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.bytetrack.tracker.ByteTrack` calls these in
order each frame (why compiled: :mod:`trackbench.trackers.core.jit`):
:func:`first_round`, ``second_round``, :func:`unconfirmed_round` (each
builds its cost matrix and returns the assignment when it is trivially
determined; otherwise the tracker runs the shared solver), :func:`correct`,
``duplicates``, ``report``.  Arrays are modified in place where the
docstring says so.  The association and the life cycle, with the kernels
not named here, are in :mod:`trackbench.trackers.core.byte_association`
(shared with BoT-SORT); this module adds the motion model, Deep SORT's
height-scaled one (:mod:`trackbench.trackers.core.deepsort_motion`) on the
per-axis Kalman filter.
The definition is the reference implementation: the tests run the whole
tracker against a per-track port of ifzhang/ByteTrack
(``tests/oracles/bytetrack_ref.py``) on real sequences and against the authors'
own output files, and check the pieces against formulas written out
(``tests/test_jit_kernels.py``).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core import byte_association as byte
from trackbench.trackers.core.byte_association import cost_matrix
from trackbench.trackers.core.jit import kernel, predict_axis, state_box, unique_pairs, update_axis

_VH = 7  # state column of the height velocity


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
    pool, unconfirmed, pool_lost = byte.pools(confirmed, lost, order)
    pool_boxes = np.empty((len(pool), 4))
    for n in range(len(pool)):
        i = pool[n]
        if pool_lost[n]:
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
    high = byte.where(scores, track_thresh, np.inf)
    cost = cost_matrix(pool_boxes, np.arange(len(pool)), boxes, high, scores, fuse, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return pool, unconfirmed, pool_lost, pool_boxes, high, cost, ok, matches, free_rows, free_cols


@kernel
def unconfirmed_round(x: np.ndarray, unconfirmed: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                      high: np.ndarray, u_det: np.ndarray, fuse: bool, inclusive: bool, limit: float):
    """Tracks started last frame (not predicted) against the high-score detections ``left`` over.
    Returns ``left, cost, ok, matches, free_rows, free_cols``."""
    left, track_boxes = byte.leftovers(x, unconfirmed, high, u_det, False)
    cost = cost_matrix(track_boxes, np.arange(len(unconfirmed)), boxes, left, scores, fuse, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return left, cost, ok, matches, free_rows, free_cols


@kernel
def _update(x: np.ndarray, P: np.ndarray, i: int, boxes: np.ndarray, d: int, noise: tuple) -> None:
    """Track ``i`` matched detection ``d``: Kalman update (noise from its predicted height, (u, v, a, h)
    measurement)."""
    h_pred = x[i, 3]
    r_pos = (h_pred * noise[0]) * (h_pred * noise[0])
    w = boxes[d, 2] - boxes[d, 0]
    h = boxes[d, 3] - boxes[d, 1]
    update_axis(x, P, i, 0, boxes[d, 0] + w / 2.0, r_pos)
    update_axis(x, P, i, 1, boxes[d, 1] + h / 2.0, r_pos)
    update_axis(x, P, i, 2, w / h, noise[4] * noise[4])
    update_axis(x, P, i, 3, h, r_pos)


@kernel
def correct(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, doomed: np.ndarray,
            last: np.ndarray, score: np.ndarray, order: np.ndarray, frame_id: int, max_time_lost: int,
            boxes: np.ndarray, scores: np.ndarray, rounds: tuple, init_thresh: float, next_order: int, noise: tuple):
    """The matched tracks' filters corrected, then ByteTrack's life cycle, all in place (``rounds``: the
    association's outcome, see :func:`~trackbench.trackers.core.byte_association.matched`).

    Returns ``keep`` (False: delete the track), the detections that start tracks (indices
    into ``boxes``) and the next free list position.
    """
    tracks, dets, _ = byte.matched(rounds)
    for k in range(len(tracks)):
        _update(x, P, tracks[k], boxes, dets[k], noise)
    return byte.life_cycle(confirmed, lost, doomed, last, score, order, frame_id, max_time_lost, scores, rounds,
                           init_thresh, next_order)

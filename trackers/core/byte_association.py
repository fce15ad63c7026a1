"""ByteTrack's two-stage association and life cycle as compiled kernels, shared by ``bytetrack`` and ``botsort``.

BoT-SORT keeps ByteTrack's frame structure: tracked then lost tracks in list
order, a first round of the pool against the high-score detections, a second
round of the tracks tracked until now against the low-score ones, an
unconfirmed round, then the life cycle (tracked / lost / removed, a track
removed for age still matchable by the next frame's first association) and
the removal of tracked/lost duplicates.  Those pieces live here once; each
tracker's ``kernels.py`` keeps what differs: its motion model's prediction
and correction and, for BoT-SORT, the appearance-fused cost.  The two state
layouts differ, (u, v, a, h) for ``bytetrack`` (Deep SORT's model) and
(x, y, w, h) for ``botsort`` (:mod:`trackbench.trackers.core.botsort_motion`):
kernels that read a box from the state take ``xywh``.  Why compiled:
:mod:`trackbench.trackers.core.jit`.  Arrays are changed in place where a
docstring says so.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.trackers.core import botsort_motion
from trackbench.trackers.core.jit import gated, iou, kernel, limited_pairs, state_box, unique_pairs

_LOST_RANK = np.int64(1) << 40  # lost tracks sort after tracked ones
#: Duplicate check of the reference: tracked and lost pairs closer than this IoU distance.
DUPLICATE_DISTANCE = 0.15

#: Per-track columns of the life cycle (see TrackStore.columns), beside each tracker's own.
COLUMNS = {
    "lost": bool,  # in the lost pool (state Lost, or Removed and still matchable this frame)
    "doomed": bool,  # removed for age once: matchable by the next frame's first association only,
    #                  and if re-found there, deleted outright at its next loss
    "order": np.int64,  # position in its pool (tracked or lost): the reference's list order
    "start": np.int64,  # frame the track started
    "last": np.int64,  # frame of its last match
    "score": np.float64,  # score of its last detection
}


@kernel
def track_box(x: np.ndarray, i: int, out: np.ndarray, j: int, xywh: bool) -> None:
    """Corner box of state row ``x[i]`` into ``out[j]``: (x, y, w, h) when ``xywh``, else (u, v, a, h)."""
    if xywh:
        botsort_motion.state_box(x, i, out, j)
    else:
        state_box(x, i, out, j)


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
def pools(confirmed: np.ndarray, lost: np.ndarray, order: np.ndarray):
    """The reference's lists: confirmed tracks, tracked then lost ones, each in list order (the pool), and the
    unconfirmed ones.  Returns ``pool, unconfirmed, pool_lost`` (whether each pool track is lost)."""
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
    for m in range(n_pool):
        pool_lost[m] = lost[pool[m]]
    return pool, unconfirmed, pool_lost


@kernel
def second_round(pool_lost: np.ndarray, pool_boxes: np.ndarray, u_pool: np.ndarray, boxes: np.ndarray,
                 scores: np.ndarray, low_thresh: float, high_thresh: float, inclusive: bool, limit: float):
    """Tracks tracked until now and left unmatched (``rows``, positions in the pool) against the
    low-score detections ``low``, cost ``1 - IoU`` (no appearance: BoT-SORT's reference embeds only
    the high-score detections).  Returns ``rows, low, cost, ok, matches, free_rows, free_cols``."""
    rows = np.empty(len(u_pool), np.int64)
    n = 0
    for r in u_pool:
        if not pool_lost[r]:
            rows[n] = r
            n += 1
    rows = rows[:n]
    low = where(scores, low_thresh, high_thresh)
    cost = cost_matrix(pool_boxes, rows, boxes, low, scores, False, inclusive)
    ok, matches, free_rows, free_cols = unique_pairs(cost, limit, False)
    return rows, low, cost, ok, matches, free_rows, free_cols


@kernel
def leftovers(x: np.ndarray, unconfirmed: np.ndarray, high: np.ndarray, u_det: np.ndarray, xywh: bool):
    """The unconfirmed round's sides: the high-score detections ``left`` unmatched by the first round
    (indices into the frame's boxes) and the unconfirmed tracks' boxes (not predicted)."""
    left = np.empty(len(u_det), np.int64)
    for m in range(len(u_det)):
        left[m] = high[u_det[m]]
    track_boxes = np.empty((len(unconfirmed), 4))
    for m in range(len(unconfirmed)):
        track_box(x, unconfirmed[m], track_boxes, m, xywh)
    return left, track_boxes


@kernel
def matched(rounds: tuple):
    """The three rounds' matches as ``(tracks, detections, second round)``, rounds in order: the
    pairs each tracker corrects its filters with (BoT-SORT takes no appearance from the second).

    ``rounds`` = ``(pool, pool_lost, high, m1, rows2, low, m2, free2, unconfirmed, left, m3, free3,
    left_free)``: the pools, the detections and the assignment (matches, free rows or columns) of
    the first, the second and the unconfirmed round.
    """
    pool, _, high, m1, rows2, low, m2, _, unconfirmed, left, m3, _, _ = rounds
    n = len(m1) + len(m2) + len(m3)
    tracks = np.empty(n, np.int64)
    dets = np.empty(n, np.int64)
    second = np.zeros(n, np.bool_)
    for k in range(len(m1)):
        tracks[k], dets[k] = pool[m1[k, 0]], high[m1[k, 1]]
    o = len(m1)
    for k in range(len(m2)):
        tracks[o + k], dets[o + k] = pool[rows2[m2[k, 0]]], low[m2[k, 1]]
        second[o + k] = True
    o += len(m2)
    for k in range(len(m3)):
        tracks[o + k], dets[o + k] = unconfirmed[m3[k, 0]], left[m3[k, 1]]
    return tracks, dets, second


@kernel
def life_cycle(confirmed: np.ndarray, lost: np.ndarray, doomed: np.ndarray, last: np.ndarray, score: np.ndarray,
               order: np.ndarray, frame_id: int, max_time_lost: int, scores: np.ndarray, rounds: tuple,
               new_thresh: float, next_order: int):
    """The life cycle after the three ``rounds`` (as :func:`matched` takes them; the filters corrected),
    in place: the matched tracks tracked and confirmed, the unmatched tracked ones lost, ages, list order.

    Returns ``keep`` (False: delete the track), the detections that start tracks (indices into
    the frame's boxes) and the next free list position after the new tracks, the re-found and the
    newly lost ones (the new tracks take the first positions from ``next_order``).
    """
    pool, pool_lost, _, m1, rows2, _, _, free2, unconfirmed, left, _, free3, left_free = rounds
    tracks, dets, _ = matched(rounds)
    n = len(lost)
    lost_before = lost.copy()
    for k in range(len(tracks)):
        i = tracks[k]
        confirmed[i] = True
        lost[i] = False
        last[i] = frame_id
        score[i] = scores[dets[k]]
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
        if scores[left[f]] >= new_thresh:
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
def duplicates(x: np.ndarray, lost: np.ndarray, last: np.ndarray, start: np.ndarray, inclusive: bool, xywh: bool):
    """Of a tracked and a lost track overlapping by IoU > 0.85, the shorter-lived one goes.

    Returns ``(any dropped, keep)``.
    """
    n = len(lost)
    keep = np.ones(n, np.bool_)
    dropped = False
    e = 1.0 if inclusive else 0.0
    b = np.empty((n, 4))
    for i in range(n):
        track_box(x, i, b, i, xywh)
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
def report(x: np.ndarray, confirmed: np.ndarray, lost: np.ndarray, confirmed_only: bool, min_box_area: float,
           aspect_ratio_thresh: float, xywh: bool):
    """Tracked tracks (only the confirmed ones when ``confirmed_only``: BoT-SORT's reference reports its
    whole tracked list) whose Kalman box passes the output filter: (indices, corner boxes)."""
    shown = np.empty(len(lost), np.int64)
    n = 0
    for i in range(len(lost)):
        if not lost[i] and (confirmed[i] or not confirmed_only):
            w, h = (x[i, 2], x[i, 3]) if xywh else (x[i, 2] * x[i, 3], x[i, 3])
            if w * h > min_box_area and not w / h > aspect_ratio_thresh:
                shown[n] = i
                n += 1
    out = np.empty((n, 4))
    for m in range(n):
        track_box(x, shown[m], out, m, xywh)
    return shown[:n], out


def assignment(round_: list, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A round's (matches, free rows, free columns) under the reference's cost limit: the kernel's when
    trivially determined, else scipy's solver on the gated cost matrix (:func:`~trackbench.trackers.core.jit.gated`,
    which gives lap's ``cost_limit`` optimum)."""
    cost, ok, matches, free_rows, free_cols = round_
    if ok:
        return matches, free_rows, free_cols
    # The solver step, with the gating and the bookkeeping compiled.
    rows, cols = linear_sum_assignment(gated(cost, limit))
    return limited_pairs(rows, cols, cost, limit)

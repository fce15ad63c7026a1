"""Deep SORT's frame steps as compiled kernels over the track store's arrays.

Why compiled: :mod:`trackbench.trackers.core.jit` (a sparse frame is ~150 tiny
NumPy calls, each costing more than its arithmetic).
:class:`~trackbench.trackers.deepsort.tracker.DeepSort` calls, each frame:
:func:`predict`, :func:`cascade_costs` (:func:`gate`: the motion gate of the
confirmed tracks, as pairs; :func:`pair_distance`: the appearance distance at
those pairs; :func:`cascade_matrix`: the cascade's gated matrix), then, through
:func:`trackbench.trackers.deepsort.cascade.matching_cascade`,
:func:`cascade_levels` (the level plan) and :func:`skip_levels` between the
solver's calls, and finally :func:`iou_stage`, :func:`correct` and
:func:`report`.  The Hungarian solver stays scipy's, called from Python for
every level with an admissible pair.

The definition these kernels answer to is the reference implementation: the
tests run the whole tracker against a per-track port of nwojke/deep_sort
(``tests/oracles/deepsort_ref.py``) on real sequences, and against the authors'
own output files; ``tests/test_deepsort_kernels.py`` checks the pieces against
the paper's formulas written out (Kalman filter, Mahalanobis gate, cosine
distance, the cascade's cost and gates).  Where a kernel fixes an order of
floating-point operations (the Mahalanobis sum, the gallery products' shape)
it is kept as it is, since the last bit of a cost can decide a tie in the
solver and so a track's id.

Noise constants are arguments, not globals (numba would freeze another module's
constants into its cache; see :mod:`trackbench.trackers.core.jit`).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import iou, kernel, predict_axis, state_box, state_boxes, update_axis

_AGE, _SINCE, _HITS, _STREAK = 2, 3, 0, 1  # TrackStore counter columns
#: Largest all-gated level whose leftover order :func:`skip_levels` computes itself (the
#: solver's tie-breaking on a constant matrix, checked against scipy for every shape up to this).
ROTATION_CHECKED = 80


@kernel
def _height_var(h: float, weight: float) -> float:
    """``(h · weight)²``: Deep SORT's height-scaled variance of u, v or h (``core.deepsort_motion``)."""
    v = h * weight
    return v * v


@kernel
def predict(x: np.ndarray, P: np.ndarray, counters: np.ndarray, count_frame: bool, noise: tuple) -> None:
    """Every filter one frame ahead with Deep SORT's process noise, in place; ages and misses
    counted when ``count_frame``.  ``noise`` = (w_pos, w_vel, aspect var of Q pos, of Q vel)."""
    w_pos, w_vel, a_pos, a_vel = noise
    for i in range(len(x)):
        h = x[i, 3]  # Q from the state before prediction
        qp, qv = _height_var(h, w_pos), _height_var(h, w_vel)
        for k in range(4):
            if k == 2:
                predict_axis(x, P, i, k, a_pos, a_vel)
            else:
                predict_axis(x, P, i, k, qp, qv)
        if count_frame:
            counters[i, _AGE] += 1
            counters[i, _SINCE] += 1


@kernel
def _measurement_var(x: np.ndarray, i: int, k: int, w_pos: float, a_r: float) -> float:
    """R of track ``i``, axis ``k``: ``(w_pos · h)²`` on u, v, h; ``a_r`` on the aspect."""
    return a_r if k == 2 else _height_var(x[i, 3], w_pos)


@kernel
def gate(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, z: np.ndarray, w_pos: float, a_r: float,
         threshold: float):
    """Pairs (row in ``confirmed``, detection) whose squared Mahalanobis distance is ``<= threshold``,
    in row-major order (as ``np.nonzero``), and those distances."""
    n = len(z)
    pr = np.empty(len(confirmed) * n, np.int64)
    pd = np.empty(len(confirmed) * n, np.int64)
    dist = np.empty(len(confirmed) * n)
    inv = np.empty(4)
    p = np.empty(4)
    count = 0
    for a in range(len(confirmed)):
        i = confirmed[a]
        for k in range(4):
            inv[k] = 1.0 / (P[i, 0, k] + _measurement_var(x, i, k, w_pos, a_r))
        for j in range(n):
            for k in range(4):
                d = z[j, k] - x[i, k]
                p[k] = (d * d) * inv[k]
            m = (p[0] + p[2]) + (p[1] + p[3])  # a fixed sum order (see the module docs)
            if m <= threshold:
                pr[count] = a
                pd[count] = j
                dist[count] = m
                count += 1
    return pr[:count], pd[:count], dist[:count]


@kernel
def pair_distance(pool: np.ndarray, rows: np.ndarray, count: np.ndarray, budget: int, tracks: np.ndarray,
                  features: np.ndarray, dets: np.ndarray) -> np.ndarray:
    """Nearest-neighbour cosine distance at the pairs (``tracks[p]``, ``dets[p]``): the smallest
    ``1 - <g, f>`` from ``features[dets[p]]`` to the filled slots ``g`` of the track's gallery in the
    :class:`~trackbench.trackers.deepsort.appearance.Galleries` pool (+inf when empty).
    ``budget`` < 0 means no budget.

    Each pair multiplies the first ``width`` slots of its pool row (``width``: the largest gallery
    among the pairs, unfilled slots included) by its vector, one BLAS matrix-vector product (a dot
    product when ``width`` is 1).  BLAS's summation order depends on that shape, so it stays
    this shape rather than a per-gallery trim: another shape could move a distance by its last
    bit (see the module docs).
    """
    n = len(tracks)
    out = np.empty(n)
    size = np.empty(n, np.int64)
    width = 0
    for q in range(n):
        c = count[rows[tracks[q]]]
        size[q] = c if budget < 0 else min(c, budget)
        width = max(width, size[q])
    for q in range(n):
        if size[q] == 0:
            out[q] = np.inf
            continue
        row, f = rows[tracks[q]], features[dets[q]]
        if width == 1:
            best = np.dot(pool[row, 0], f)
        else:
            best = np.dot(pool[row, :width], f)[: size[q]].max()
        out[q] = np.float64(np.float32(1.0) - best)
    return out


@kernel
def cascade_costs(x: np.ndarray, P: np.ndarray, confirmed: np.ndarray, z: np.ndarray, features: np.ndarray,
                  pool: np.ndarray, rows: np.ndarray, count: np.ndarray, budget: int, w_pos: float, a_r: float,
                  lam: float, max_cosine_distance: float, motion_scale: float, motion_gate: float,
                  threshold: float) -> np.ndarray:
    """:func:`gate`, :func:`pair_distance` at its pairs and :func:`cascade_matrix`, in one call."""
    pr, pd, maha = gate(x, P, confirmed, z, w_pos, a_r, motion_gate)
    tracks = np.empty(len(pr), np.int64)
    for q in range(len(pr)):
        tracks[q] = confirmed[pr[q]]
    appearance = pair_distance(pool, rows, count, budget, tracks, features, pd)
    return cascade_matrix(len(confirmed), len(z), pr, pd, maha, appearance, lam, max_cosine_distance,
                          motion_scale, motion_gate, threshold, threshold + 1e-5)


@kernel
def cascade_matrix(rows: int, cols: int, pr: np.ndarray, pd: np.ndarray, maha: np.ndarray, appearance: np.ndarray,
                   lam: float, max_cosine_distance: float, motion_scale: float, motion_gate: float,
                   threshold: float, gated_value: float) -> np.ndarray:
    """The cascade's gated matrix: the cost ``λ·d⁽¹⁾ + (1-λ)·d⁽²⁾`` (:mod:`.cascade`) at the pairs
    that pass both gates and lie within ``threshold``, every other entry ``gated_value``.
    ``motion_gate`` is the χ² gate on the raw distance (both cost forms); ``motion_scale`` is 1 for
    the paper's cost (``normalised``: its factor)."""
    out = np.full((rows, cols), gated_value)
    for q in range(len(pr)):
        m, app = maha[q], appearance[q]
        if not (m <= motion_gate and app <= max_cosine_distance):
            continue
        if lam <= 0.0:
            c = app
        else:
            motion = m if motion_scale == 1.0 else m * motion_scale
            c = motion if lam >= 1.0 else lam * motion + (1.0 - lam) * app
        if c <= threshold:
            out[pr[q], pd[q]] = c
    return out


@kernel
def cascade_levels(gated: np.ndarray, since: np.ndarray, max_age: int, threshold: float):
    """The cascade's plan: rows in level order (stable), the matrix in that order, and per level in
    ``1..max_age`` its row range and whether any of its entries is admissible."""
    k = len(since)
    order = np.argsort(since, kind="mergesort")
    ordered = np.empty_like(gated)
    for a in range(k):
        ordered[a] = gated[order[a]]
    lo = np.empty(k, np.int64)
    hi = np.empty(k, np.int64)
    hopeful = np.zeros(k, np.bool_)
    n = 0
    a = 0
    while a < k:
        level = since[order[a]]
        b = a
        while b < k and since[order[b]] == level:
            b += 1
        if 1 <= level <= max_age:
            lo[n], hi[n] = a, b
            for r in range(a, b):
                for j in range(gated.shape[1]):
                    if ordered[r, j] <= threshold:
                        hopeful[n] = True
            n += 1
        a = b
    return order, ordered, lo[:n], hi[:n], hopeful[:n]


@kernel
def skip_levels(lo: np.ndarray, hi: np.ndarray, hopeful: np.ndarray, free: np.ndarray, start: int):
    """Run the cascade from level ``start`` through levels without an admissible entry; stop at the
    first that needs the solver (or when no detection is left).  Returns ``(level, free)``.

    Such a level matches nothing; the solver, on its constant matrix, assigns row ``i`` to column
    ``i`` (its tie-breaking), and ``solve_gated`` lists the never-assigned columns first, then the
    rejected ones: the first ``min(rows, cols)`` free detections move to the end.  Levels larger
    than :data:`ROTATION_CHECKED` in either dimension are left to the solver.
    """
    level = start
    while level < len(lo) and len(free) and not hopeful[level]:
        rows = hi[level] - lo[level]
        if rows > ROTATION_CHECKED or len(free) > ROTATION_CHECKED:
            break
        m = min(rows, len(free))
        free = np.concatenate((free[m:], free[:m]))
        level += 1
    return level, free


@kernel
def iou_stage(x: np.ndarray, confirmed: np.ndarray, counters: np.ndarray, matches: np.ndarray, boxes: np.ndarray,
              free: np.ndarray, max_iou_distance: float):
    """Candidates of the IoU stage (tentative tracks, then confirmed ones missed only this frame and
    not matched by the cascade: ``matches`` (P, 2) of track, detection) and their gated cost
    ``1 - IoU`` against detections ``free``."""
    k = len(x)
    taken = np.zeros(k, np.bool_)
    for q in range(len(matches)):
        taken[matches[q, 0]] = True
    candidates = np.empty(k, np.int64)
    n = 0
    for i in range(k):
        if not confirmed[i]:
            candidates[n] = i
            n += 1
    for i in range(k):
        if confirmed[i] and counters[i, _SINCE] == 1 and not taken[i]:
            candidates[n] = i
            n += 1
    candidates = candidates[:n]
    box = np.empty((n, 4))
    for a in range(n):
        state_box(x, candidates[a], box, a)
    cost = np.empty((n, len(free)))
    for a in range(n):
        for b in range(len(free)):
            d = free[b]
            c = 1.0 - iou(box[a, 0], box[a, 1], box[a, 2], box[a, 3], boxes[d, 0], boxes[d, 1], boxes[d, 2], boxes[d, 3])
            cost[a, b] = c if c <= max_iou_distance else max_iou_distance + 1e-5
    return candidates, cost


@kernel
def correct(x: np.ndarray, P: np.ndarray, counters: np.ndarray, confirmed: np.ndarray, matches: np.ndarray,
            z: np.ndarray, w_pos: float, a_r: float, n_init: int, max_age: int) -> np.ndarray:
    """Kalman correction and life-cycle counters of the matched tracks, in place; returns the tracks
    to delete (unmatched and tentative, or missed more than ``max_age`` frames)."""
    dead = np.empty(len(x), np.bool_)
    for i in range(len(x)):
        dead[i] = counters[i, _SINCE] > max_age or not confirmed[i]
    for q in range(len(matches)):
        i, d = matches[q, 0], matches[q, 1]
        r = np.empty(4)
        for k in range(4):
            r[k] = _measurement_var(x, i, k, w_pos, a_r)  # R from the predicted state
        for k in range(4):
            update_axis(x, P, i, k, z[d, k], r[k])
        counters[i, _SINCE] = 0
        counters[i, _HITS] += 1
        counters[i, _STREAK] += 1
        confirmed[i] |= counters[i, _HITS] >= n_init
        dead[i] = False
    return dead


@kernel
def report(x: np.ndarray, confirmed: np.ndarray, counters: np.ndarray):
    """Tracks reported this frame (confirmed, seen this frame or the last, positive height) and their boxes."""
    shown = np.empty(len(x), np.int64)
    n = 0
    for i in range(len(x)):
        if confirmed[i] and counters[i, _SINCE] <= 1 and x[i, 3] > 0:
            shown[n] = i
            n += 1
    return shown[:n], state_boxes(x, shown[:n])

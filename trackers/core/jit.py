"""Compiled per-frame kernels: the numba settings and the shared scalar pieces they are built from.

Why compiled code: with 5-30 live tracks a frame, a batched tracker written in
NumPy spends its time in NumPy's per-call overhead (about a microsecond per
array operation, 150-200 operations a frame), not in arithmetic.  ByteTrack and
OC-SORT therefore run each step of a frame (predict, cost matrix, correction,
bookkeeping) as one numba kernel over the track arrays, and call back into
Python only for the Hungarian solver (scipy) when an assignment is not
trivially determined.

The definition of each compiled tracker is its reference implementation: the
tests run whole trackers against the per-track ports in ``tests/oracles/`` on
real sequences and against the authors' own output files, and check the pieces
here against formulas written out (``tests/test_jit_kernels.py``: the IoU of
hand-computed boxes, a Kalman step against ``F P Fᵀ + Q`` and the Kalman gain,
the matchers' bookkeeping).  :func:`predict_axis` and :func:`update_axis` are
one track and axis of the per-axis filter of
:mod:`trackbench.trackers.core.kalman`.  Settings: ``error_model="numpy"`` (division by
zero gives inf/NaN as in NumPy, not an exception), no fast-math (no reordering
or fused multiply-add), and ``cache=True``: each kernel compiles once per
machine (a few seconds, on the first use) and later processes load it from
numba's cache.

numba stamps a cached kernel with its own source file only; the ``kernel``
decorator here stamps it with the kernel modules it imports as well
(:mod:`trackbench.trackers.core.jit_cache`), so an edit of this file recompiles
every tracker kernel that calls into it.  Constants read as globals from
another module are still frozen into a compiled kernel unstamped, so kernels
take the trackers' noise constants as arguments.
"""

from __future__ import annotations

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers.core.jit_cache import cached_kernel

#: Decorator for every kernel: nopython, NumPy's float semantics, cached on disk with a stamp that covers
#: the kernel modules it imports (:mod:`trackbench.trackers.core.jit_cache`), so editing this file
#: recompiles the trackers' kernels that use it.
kernel = cached_kernel(nogil=True, error_model="numpy")


@kernel
def iou(ax1: float, ay1: float, ax2: float, ay2: float, bx1: float, by1: float, bx2: float, by2: float) -> float:
    """Intersection over union of two corner boxes, as ``iou_matrix`` computes one cell.

    For the pixel-inclusive convention the caller adds 1 to both boxes' far corners first
    (as ``iou_matrix(..., pixel_inclusive=True)`` does).
    """
    w = np.maximum(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0.0)
    h = np.maximum(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0.0)
    inter = w * h
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / np.maximum(union, 1e-300)


@kernel
def predict_axis(x: np.ndarray, P: np.ndarray, i: int, k: int, q_pos: float, q_vel: float) -> None:
    """``kalman.predict`` for track ``i``, axis ``k``, in place (``x`` (K, 2m), ``P`` (K, 3, m))."""
    m = P.shape[2]
    x[i, k] = x[i, k] + x[i, m + k]
    a, b, c = P[i, 0, k], P[i, 1, k], P[i, 2, k]
    P[i, 0, k] = (a + b) + (b + c) + q_pos
    P[i, 1, k] = b + c
    P[i, 2, k] = c + q_vel


@kernel
def update_axis(x: np.ndarray, P: np.ndarray, i: int, k: int, z: float, r: float) -> None:
    """``kalman.update`` for track ``i``, axis ``k`` with measurement ``z`` of variance ``r``, in place."""
    m = P.shape[2]
    a, b, c = P[i, 0, k], P[i, 1, k], P[i, 2, k]
    s = a + r
    gain_pos, gain_vel = a / s, b / s
    innovation = z - x[i, k]
    x[i, k] = x[i, k] + gain_pos * innovation
    x[i, m + k] = x[i, m + k] + gain_vel * innovation
    P[i, 0, k] = a * (1.0 - gain_pos)
    P[i, 1, k] = b * (1.0 - gain_pos)
    P[i, 2, k] = c - gain_vel * b


@kernel
def centre_box(x: np.ndarray, i: int, w: float, out: np.ndarray, j: int) -> None:
    """Corner box of a state row ``x[i]`` whose columns 0, 1 and 3 are the centre and the height, of
    width ``w``, into ``out[j]``, as Deep SORT's ``to_tlbr`` and BoT-SORT's ``tlbr`` compute it
    (``x1 = x − w/2``, ``x2 = x1 + w``): the (u, v, a, h) and the (x, y, w, h) states differ only in ``w``."""
    h = x[i, 3]
    x1 = x[i, 0] - w / 2.0
    y1 = x[i, 1] - h / 2.0
    out[j, 0] = x1
    out[j, 1] = y1
    out[j, 2] = w + x1
    out[j, 3] = h + y1


@kernel
def state_box(x: np.ndarray, i: int, out: np.ndarray, j: int) -> None:
    """``deepsort_motion.xyah_to_boxes`` of (u, v, a, h) state row ``x[i]`` into ``out[j]``
    (Deep SORT's and ByteTrack's box model)."""
    centre_box(x, i, x[i, 2] * x[i, 3], out, j)


@kernel
def state_boxes(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """:func:`state_box` of each state row in ``rows``, as an (n, 4) array (what the trackers report)."""
    out = np.empty((len(rows), 4))
    for j in range(len(rows)):
        state_box(x, rows[j], out, j)
    return out


@kernel
def unique_pairs(cost: np.ndarray, threshold: float, above: bool) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
    """The assignment when every row and column has at most one admissible pair.

    A pair is admissible when its entry is ``> threshold`` (``above``: IoU, as
    ``max_iou_matching``) or ``<= threshold`` (a cost, as ByteTrack's cost-limited rounds).
    Returns ``(ok, matches (P, 2), free rows, free columns)`` as the matchers' shortcut
    does (pairs in row order, free indices ascending); ``ok`` is False when some row or
    column has two candidates, and the caller must run the solver.
    """
    rows, cols = cost.shape
    row_n = np.zeros(rows, np.int64)
    col_n = np.zeros(cols, np.int64)
    n = 0
    for i in range(rows):
        for j in range(cols):
            if (cost[i, j] > threshold) if above else (cost[i, j] <= threshold):
                row_n[i] += 1
                col_n[j] += 1
                n += 1
    ok = True
    for i in range(rows):
        if row_n[i] > 1:
            ok = False
    for j in range(cols):
        if col_n[j] > 1:
            ok = False
    matches = np.empty((n if ok else 0, 2), np.int64)
    if ok:
        p = 0
        for i in range(rows):
            if row_n[i]:
                for j in range(cols):
                    if (cost[i, j] > threshold) if above else (cost[i, j] <= threshold):
                        matches[p, 0] = i
                        matches[p, 1] = j
                        p += 1
    return ok, matches, zeros_of(row_n), zeros_of(col_n)


@kernel
def zeros_of(counts: np.ndarray) -> np.ndarray:
    """Ascending indices where ``counts`` is 0."""
    out = np.empty(len(counts), np.int64)
    n = 0
    for i in range(len(counts)):
        if counts[i] == 0:
            out[n] = i
            n += 1
    return out[:n]


@kernel
def gated(cost: np.ndarray, limit: float) -> np.ndarray:
    """The solver's input for ByteTrack's association, ``lap.lapjv(cost, extend_cost=True, cost_limit=limit)``
    in the reference: entries above ``limit`` or not finite priced at ``limit``, since leaving a row and a
    column free costs as much.  A pair is then made only when it is cheaper than leaving both sides free;
    scipy's solver on this n x m matrix reaches the same optimum as lap's extended square one."""
    out = np.empty_like(cost)
    rows, cols = cost.shape
    for i in range(rows):
        for j in range(cols):
            c = cost[i, j]
            out[i, j] = c if np.isfinite(c) and c <= limit else limit
    return out


@kernel
def limited_pairs(r: np.ndarray, c: np.ndarray, cost: np.ndarray, limit: float):
    """The cost-limited matching from the solver's assignment ``(r, c)`` of :func:`gated`: pairs within
    the limit (in ``r`` order), free rows and columns ascending, as lap returns them."""
    rows, cols = cost.shape
    row_n = np.zeros(rows, np.int64)
    col_n = np.zeros(cols, np.int64)
    matches = np.empty((len(r), 2), np.int64)
    n = 0
    for k in range(len(r)):
        v = cost[r[k], c[k]]
        if np.isfinite(v) and v <= limit:
            matches[n, 0] = r[k]
            matches[n, 1] = c[k]
            row_n[r[k]] += 1
            col_n[c[k]] += 1
            n += 1
    return matches[:n], zeros_of(row_n), zeros_of(col_n)


@kernel
def _free_then_rejected(assigned: np.ndarray, size: int, rejected: np.ndarray) -> np.ndarray:
    """Never-assigned indices ascending, then the rejected assigned ones in assignment order."""
    count = np.zeros(size, np.int64)
    for a in assigned:
        count[a] += 1
    free = zeros_of(count)
    out = np.empty(len(free) + len(rejected), np.int64)
    for k in range(len(free)):
        out[k] = free[k]
    for k in range(len(rejected)):
        out[len(free) + k] = rejected[k]
    return out


@kernel
def iou_pairs(r: np.ndarray, c: np.ndarray, iou: np.ndarray, threshold: float):
    """``max_iou_matching``'s result from the solver's assignment ``(r, c)``: pairs with IoU at
    least ``threshold`` (in ``r`` order); unmatched rows and columns in the reference order
    (never assigned ascending, then those whose pair fell below the threshold)."""
    rows, cols = iou.shape
    matches = np.empty((len(r), 2), np.int64)
    low_r = np.empty(len(r), np.int64)
    low_c = np.empty(len(r), np.int64)
    n = n_low = 0
    for k in range(len(r)):
        if iou[r[k], c[k]] < threshold:
            low_r[n_low] = r[k]
            low_c[n_low] = c[k]
            n_low += 1
        else:
            matches[n, 0] = r[k]
            matches[n, 1] = c[k]
            n += 1
    return (matches[:n], _free_then_rejected(r, rows, low_r[:n_low]),
            _free_then_rejected(c, cols, low_c[:n_low]))


#: A few synthetic frames (corner boxes, scores) that drive a tracker through its kernels: new
#: tracks, two detections competing for one track (the solver), a low-score detection, a
#: track missed and found again by its last observation.
WARM_UP_FRAMES = [
    ([[10, 10, 60, 110], [200, 10, 250, 110]], [0.9, 0.9]),
    ([[12, 10, 62, 110], [14, 12, 64, 112], [202, 10, 252, 110]], [0.9, 0.85, 0.3]),
    ([[16, 10, 66, 110], [18, 12, 68, 112], [400, 10, 450, 110]], [0.9, 0.9, 0.9]),
    ([[20, 10, 70, 110], [22, 12, 72, 112], [206, 10, 256, 110]], [0.9, 0.9, 0.9]),
    ([], []),
    ([[22, 10, 72, 110], [209, 10, 259, 110], [30, 14, 80, 114]], [0.9, 0.9, 0.7]),
]
_warm: set[type] = set()


def warm_up(tracker_class: type, features: int = 0) -> None:
    """Load (or, on a machine's first run, compile) a tracker's kernels once per process.

    Trackers call this from ``reset``, which the runner does not time, so a tracker's
    frames per second measure tracking, not numba's one-time work.  It runs
    :data:`WARM_UP_FRAMES` through a throwaway instance with default parameters; with
    ``features`` > 0 each detection carries a unit appearance vector of that length (the
    same for the same position in a frame, so appearance matching runs too).
    """
    if tracker_class in _warm:
        return
    _warm.add(tracker_class)
    tracker = tracker_class()
    most = max(len(boxes) for boxes, _ in WARM_UP_FRAMES)
    vectors = np.zeros((most, max(features, 1)), np.float32)
    vectors[np.arange(most), np.arange(most) % len(vectors[0])] = 1.0
    for boxes, scores in WARM_UP_FRAMES:
        f = vectors[: len(boxes)] if features else None
        tracker.update(None, Detections(np.array(boxes, np.float64).reshape(-1, 4), np.array(scores, np.float64), f))

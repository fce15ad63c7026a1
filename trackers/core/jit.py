"""Compiled per-frame kernels: the numba settings and the shared scalar pieces they are built from.

Why compiled code: with 5-30 live tracks a frame, a batched tracker written in
NumPy spends its time in NumPy's per-call overhead (about a microsecond per
array operation, 150-200 operations a frame), not in arithmetic.  ByteTrack and
OC-SORT therefore run each step of a frame (predict, cost matrix, correction,
bookkeeping) as one numba kernel over the track arrays, and call back into
Python only for the Hungarian solver (scipy) when an assignment is not
trivially determined.

The NumPy functions stay the definitions: :func:`iou` repeats
:func:`trackbench.datasets.boxes.iou_matrix` for one pair, :func:`predict_axis`
and :func:`update_axis` repeat :mod:`trackbench.trackers.core.kalman` for one
track and axis, :func:`unique_pairs` the solver-free shortcut of
:mod:`trackbench.trackers.core.assignment` — the same operations in the same
order, so the results are bit-identical (``tests/test_jit_kernels.py`` checks
each against its definition).  Settings: ``error_model="numpy"`` (division by
zero gives inf/NaN as in NumPy, not an exception), no fast-math (no reordering
or fused multiply-add), and ``cache=True``: each kernel compiles once per
machine (a few seconds, on the first use) and later processes load it from
numba's cache.
"""

from __future__ import annotations

import numba
import numpy as np

#: Decorator for every kernel: nopython, cached on disk, NumPy's float semantics.
kernel = numba.njit(cache=True, nogil=True, error_model="numpy")


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
def unique_pairs(admissible: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
    """The assignment when every row and column has at most one admissible pair.

    Returns ``(ok, matches (P, 2), free rows, free columns)`` as the matchers' shortcut
    does (pairs in row order, free indices ascending); ``ok`` is False when some row or
    column has two candidates, and the caller must run the solver.
    """
    rows, cols = admissible.shape
    row_n = np.zeros(rows, np.int64)
    col_n = np.zeros(cols, np.int64)
    for i in range(rows):
        for j in range(cols):
            if admissible[i, j]:
                row_n[i] += 1
                col_n[j] += 1
    ok = True
    for i in range(rows):
        if row_n[i] > 1:
            ok = False
    for j in range(cols):
        if col_n[j] > 1:
            ok = False
    n = 0
    for i in range(rows):
        n += row_n[i]
    matches = np.empty((n if ok else 0, 2), np.int64)
    if ok:
        p = 0
        for i in range(rows):
            if row_n[i]:
                for j in range(cols):
                    if admissible[i, j]:
                        matches[p, 0] = i
                        matches[p, 1] = j
                        p += 1
    return ok, matches, np.flatnonzero(row_n == 0), np.flatnonzero(col_n == 0)

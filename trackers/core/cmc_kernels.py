"""Camera-motion compensation compiled: the warps of :mod:`trackbench.trackers.core.cmc` as numba kernels.

Why: a frame's warp of a tracker's state arrays is some 20 NumPy operations
on arrays of 5-30 rows, about a microsecond of NumPy's per-call overhead each
and next to no arithmetic; for SORT, whose whole frame is one or two compiled
kernels, that doubled the time per frame.  Here each warp is one kernel call.

The definitions are the NumPy functions of :mod:`trackbench.trackers.core.cmc`
(documented there: what is warped for (u, v, s, r) and (u, v, a, h) states
and why).  The kernels evaluate the same expressions in the same order, and
numba compiles without fast-math (no reordering, no fused multiply-add), so
the results are bit-identical (``tests/test_cmc.py`` checks every kernel
against its NumPy definition on random states and warps).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import kernel


@kernel
def area_scale(warp: np.ndarray) -> float:
    """``|det A|`` (:func:`trackbench.trackers.core.cmc.area_scale`)."""
    return abs(warp[0, 0] * warp[1, 1] - warp[0, 1] * warp[1, 0])


@kernel
def linear_scale(warp: np.ndarray) -> float:
    """``√|det A|`` (:func:`trackbench.trackers.core.cmc.linear_scale`)."""
    return np.sqrt(area_scale(warp))


@kernel
def warp_centre(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: centre, its velocity and their per-axis covariances
    (:func:`trackbench.trackers.core.cmc.warp_centre`)."""
    m = P.shape[2]
    a00, a01, a02 = warp[0, 0], warp[0, 1], warp[0, 2]
    a10, a11, a12 = warp[1, 0], warp[1, 1], warp[1, 2]
    s00, s01, s10, s11 = a00 * a00, a01 * a01, a10 * a10, a11 * a11
    for i in range(x.shape[0]):
        u, v = x[i, 0], x[i, 1]
        x[i, 0] = (a00 * u + a01 * v) + a02
        x[i, 1] = (a10 * u + a11 * v) + a12
        vu, vv = x[i, m], x[i, m + 1]
        x[i, m] = a00 * vu + a01 * vv
        x[i, m + 1] = a10 * vu + a11 * vv
        for j in range(3):
            pu, pv = P[i, j, 0], P[i, j, 1]
            P[i, j, 0] = s00 * pu + s01 * pv
            P[i, j, 1] = s10 * pu + s11 * pv


@kernel
def scale_axis(x: np.ndarray, P: np.ndarray, axis: int, factor: float) -> None:
    """In place: state column ``axis`` and its velocity × ``factor``, its variances × ``factor²``."""
    m = P.shape[2]
    squared = factor * factor
    for i in range(x.shape[0]):
        x[i, axis] *= factor
        x[i, m + axis] *= factor
        for j in range(3):
            P[i, j, axis] *= squared


@kernel
def warp_usr(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: SORT's (u, v, s, r) states (:func:`trackbench.trackers.core.cmc.warp_usr`)."""
    warp_centre(x, P, warp)
    scale_axis(x, P, 2, area_scale(warp))


@kernel
def warp_uvah(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: Deep SORT's/ByteTrack's (u, v, a, h) states (:func:`trackbench.trackers.core.cmc.warp_uvah`)."""
    warp_centre(x, P, warp)
    scale_axis(x, P, 3, linear_scale(warp))


@kernel
def warp_usr_measurements(z: np.ndarray, warp: np.ndarray) -> None:
    """In place: (u, v, s, r) measurements (K, ≥ 3): centre by ``A c + t``, area × |det A|, the rest kept."""
    area = area_scale(warp)
    for i in range(z.shape[0]):
        u, v = z[i, 0], z[i, 1]
        z[i, 0] = (warp[0, 0] * u + warp[0, 1] * v) + warp[0, 2]
        z[i, 1] = (warp[1, 0] * u + warp[1, 1] * v) + warp[1, 2]
        z[i, 2] *= area


@kernel
def warp_box_cells(boxes: np.ndarray, filled: np.ndarray, warp: np.ndarray) -> None:
    """In place: columns 0-3 of the cells of ``boxes`` (K, T, C ≥ 4) where ``filled`` (K, T)
    (:func:`trackbench.trackers.core.cmc.warp_box_cells`, box by box as
    :func:`trackbench.trackers.core.cmc.warp_boxes`)."""
    sigma = linear_scale(warp)
    for i in range(boxes.shape[0]):
        for t in range(boxes.shape[1]):
            if not filled[i, t]:
                continue
            cx = (boxes[i, t, 0] + boxes[i, t, 2]) / 2.0
            cy = (boxes[i, t, 1] + boxes[i, t, 3]) / 2.0
            mx = (warp[0, 0] * cx + warp[0, 1] * cy) + warp[0, 2]
            my = (warp[1, 0] * cx + warp[1, 1] * cy) + warp[1, 2]
            dx = mx - sigma * cx
            dy = my - sigma * cy
            boxes[i, t, 0] = sigma * boxes[i, t, 0] + dx
            boxes[i, t, 1] = sigma * boxes[i, t, 1] + dy
            boxes[i, t, 2] = sigma * boxes[i, t, 2] + dx
            boxes[i, t, 3] = sigma * boxes[i, t, 3] + dy


_warm = False


def warm_up() -> None:
    """Load (or, on a machine's first run, compile) these kernels once per process, for the argument types the
    trackers pass (float64 states, boxes and warps; bool masks; OC-SORT's strided last observations).

    The runner calls this before its timed loop, as trackers warm their own kernels in ``reset``
    (:func:`trackbench.trackers.core.jit.warm_up`), so a ``+cmc`` variant's frames per second measure
    the warps, not numba loading them on the first frame with motion.
    """
    global _warm
    if _warm:
        return
    _warm = True
    warp = np.eye(2, 3)
    x, P = np.zeros((1, 8)), np.ones((1, 3, 4))
    warp_usr(x, P, warp)
    warp_uvah(x, P, warp)
    warp_usr_measurements(np.ones((1, 4)), warp)
    warp_box_cells(np.ones((1, 2, 5)), np.ones((1, 2), np.bool_), warp)
    warp_box_cells(np.ones((1, 5))[:, None, :], np.ones(1, np.bool_)[:, None], warp)

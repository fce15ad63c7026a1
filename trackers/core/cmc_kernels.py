"""Camera-motion compensation: moving Kalman track states by a frame-to-frame affine warp, in numba kernels.

A warp ``W = [A | t]`` (2x3, :mod:`trackbench.datasets.camera_motion`) maps
image points of the previous frame to the current one, ``p' = A p + t``.
BoT-SORT (Aharon et al. 2022, ``STrack.multi_gmc``) applies it to its 8-d
state ``(x, y, w, h, vx, vy, vw, vh)`` as the linear map
``M = I₄ ⊗ A`` (A on each of the pairs (x, y), (w, h), (vx, vy), (vw, vh)),
adds ``t`` to the centre only, and carries the covariance along:
``mean' = M mean + [t, 0, 0, 0]``, ``P' = M P Mᵀ``.  That is
:func:`trackbench.trackers.core.botsort_motion.warp` (full covariance), used
by ``botsort`` itself.

The other Kalman trackers keep other box parametrisations and a per-axis
covariance (:mod:`trackbench.trackers.core.kalman`: each measured quantity
with its own velocity, no cross-axis terms).  Here is what is warped for them,
and why:

- **Centre (u, v) and its velocity** — exactly as BoT-SORT: ``(u, v) ← A (u, v) + t``,
  ``(u̇, v̇) ← A (u̇, v̇)`` (a velocity is a difference of points: no translation).
- **Size.**  BoT-SORT multiplies the vector (w, h) by A, which for a rotation
  mixes width into height — not a property of a rotated box, and negligible for
  the warps MOT cameras produce (rotations of ~0.2°).  What an affine map does
  to every region is scale its area by ``det A``.  So for SORT's ``(u, v, s, r)``
  the area ``s`` and its velocity are multiplied by ``|det A|`` and the aspect
  ratio ``r`` is kept (a similarity keeps shapes; an axis-aligned box cannot
  follow a rotation); for Deep SORT's and ByteTrack's ``(u, v, a, h)`` the height
  ``h`` and its velocity are multiplied by the linear scale ``σ = √|det A|`` and
  the aspect ``a`` is kept.  For a pure similarity (what BoT-SORT's estimators
  return) with no rotation this equals BoT-SORT's map exactly.  Corner boxes
  (OC-SORT's stored observations, rolo's windows) move the same way: centre by
  ``A c + t``, width and height × σ.
- **Covariance.**  The map is linear per state column, so ``P' = J P Jᵀ`` with its
  Jacobian J.  On the size axes J is a scalar (``|det A|`` or ``σ``, so
  variances scale by its square).  On the centre it is A, which would couple u
  and v; the per-axis filter keeps the diagonal of ``A diag(var_u, var_v) Aᵀ``,
  i.e. ``var_u' = a₁₁² var_u + a₁₂² var_v`` (and so on for the position-velocity
  covariance and the velocity variance).  The dropped u-v term is
  ``(a₁₁a₂₁ var_u + a₁₂a₂₂ var_v)``: exactly zero for a similarity when
  ``var_u = var_v``, which holds in SORT (same initial covariance, process and
  measurement noise on u and v) and in Deep SORT/ByteTrack (both scaled by the
  same height), so for those filters nothing is lost.

The trackers apply the warp when the runner hands it over, i.e. *before* their
prediction step, where BoT-SORT warps after predicting.  The means agree
(``A(x + ẋ) + t = (Ax + t) + Aẋ``) and so does ``F P Fᵀ`` (F acts on
(position, velocity) pairs, J within each); only the process noise Q is added
after the warp instead of before it (and, where Q scales with the box, at the
warped size) — a difference of order ``(σ − 1)·Q`` per frame.

Why kernels: a frame's warp of a tracker's state arrays is some 20 NumPy
operations on arrays of 5-30 rows, about a microsecond of NumPy's per-call
overhead each and next to no arithmetic; for SORT, whose whole frame is one or
two compiled kernels, that doubled the time per frame.  Here each warp is one
kernel call.  They are written element by element, without matrix products
(whose summation order depends on the BLAS), and numba compiles without
fast-math, so a run gives the same bits on every machine, and the identity warp
leaves every state bit-identical (``1·u + 0·v + 0 = u``).
``tests/test_cmc.py`` checks each kernel against the formulas above, written
out in the test.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import kernel


@kernel
def area_scale(warp: np.ndarray) -> float:
    """``|det A|``: how much the warp scales areas (an affine map scales every region's area by it)."""
    return abs(warp[0, 0] * warp[1, 1] - warp[0, 1] * warp[1, 0])


@kernel
def linear_scale(warp: np.ndarray) -> float:
    """``σ = √|det A|``: how much the warp scales lengths (exactly, for a similarity)."""
    return np.sqrt(area_scale(warp))


@kernel
def warp_centre(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: the centre (state columns 0, 1) and its velocity of per-axis states ``x`` (K, 2m),
    ``P`` (K, 3, m).

    Means: ``A c + t`` and ``A ċ``.  Covariance: the per-axis part (the diagonal) of ``A Σ Aᵀ`` for each of
    var(pos), cov(pos, vel), var(vel), i.e. ``a₁₁² var_u + a₁₂² var_v`` and ``a₂₁² var_u + a₂₂² var_v``
    (module docstring: why the dropped u-v term costs SORT, Deep SORT and ByteTrack nothing).
    """
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
    """In place: SORT's ``(u, v, s, r)`` states — centre, area × |det A|, aspect kept (a box cannot rotate)."""
    warp_centre(x, P, warp)
    scale_axis(x, P, 2, area_scale(warp))


@kernel
def warp_uvah(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: Deep SORT's/ByteTrack's ``(u, v, a, h)`` states — centre, height × √|det A|, aspect kept."""
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
    """In place: the corner boxes in columns 0-3 of the cells of ``boxes`` (K, T, C ≥ 4) where ``filled`` (K, T)
    is True: centre by ``A c + t``, width and height × σ; empty cells (placeholders, missing steps) and the
    columns after 3 are left as they are.

    Each corner is computed as ``σ·corner + (c' − σ·c)``, which equals ``c' ∓ σ·size/2`` and leaves a box
    bit-identical under the identity warp (``c' = c``, ``σ = 1``).  A strided view serves too (OC-SORT passes
    its last observations as ``last_obs[:, None, :]``).
    """
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

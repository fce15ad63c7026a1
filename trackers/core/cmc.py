"""Camera-motion compensation: moving Kalman track states by a frame-to-frame affine warp.

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
  return) with no rotation this equals BoT-SORT's map exactly.
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

The functions here are the definitions, in NumPy.  The trackers run their
compiled twins (:mod:`trackbench.trackers.core.cmc_kernels`, one kernel call a
frame instead of some 20 NumPy calls), which are tested to give bit-identical
results; that is why these are written element by element, in the order the
kernels evaluate them.
"""

from __future__ import annotations

import numpy as np


def area_scale(warp: np.ndarray) -> float:
    """``|det A|``: how much the warp scales areas (an affine map scales every region's area by it)."""
    return abs(warp[0, 0] * warp[1, 1] - warp[0, 1] * warp[1, 0])


def linear_scale(warp: np.ndarray) -> float:
    """``√|det A|``: how much the warp scales lengths (exactly, for a similarity)."""
    return float(np.sqrt(area_scale(warp)))


def warp_points(points: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """``A p + t`` for points (N, 2), each coordinate ``(a₁ p₁ + a₂ p₂) + t`` in that order (the kernels'
    order, :mod:`trackbench.trackers.core.cmc_kernels`)."""
    p0, p1 = points[:, 0], points[:, 1]
    out = np.empty(points.shape[:-1] + (2,))
    out[:, 0] = (warp[0, 0] * p0 + warp[0, 1] * p1) + warp[0, 2]
    out[:, 1] = (warp[1, 0] * p0 + warp[1, 1] * p1) + warp[1, 2]
    return out


def warp_centre(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: the centre (state columns 0, 1) and its velocity of per-axis states ``x`` (K, 2m), ``P`` (K, 3, m).

    Means: ``A c + t`` and ``A ċ``.  Covariance: the per-axis part of ``A Σ Aᵀ``
    for each of var(pos), cov(pos, vel), var(vel) (see the module docstring).
    Written element by element (no matrix product, whose summation order and
    fused multiply-adds depend on the BLAS), so that the compiled kernels
    reproduce it bit for bit.
    """
    if len(x) == 0:
        return
    m = P.shape[2]
    a00, a01, a10, a11 = warp[0, 0], warp[0, 1], warp[1, 0], warp[1, 1]
    x[:, :2] = warp_points(x[:, :2], warp)
    vu, vv = x[:, m].copy(), x[:, m + 1].copy()
    x[:, m] = a00 * vu + a01 * vv
    x[:, m + 1] = a10 * vu + a11 * vv
    s00, s01, s10, s11 = a00 * a00, a01 * a01, a10 * a10, a11 * a11
    for j in range(3):
        pu, pv = P[:, j, 0].copy(), P[:, j, 1].copy()
        P[:, j, 0] = s00 * pu + s01 * pv
        P[:, j, 1] = s10 * pu + s11 * pv


def scale_axis(x: np.ndarray, P: np.ndarray, axis: int, factor: float) -> None:
    """In place: multiply state column ``axis`` and its velocity by ``factor`` (variances by its square)."""
    if len(x) == 0:
        return
    m = P.shape[2]
    x[:, axis] *= factor
    x[:, m + axis] *= factor
    P[:, :, axis] *= factor * factor


def warp_usr(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: SORT's ``(u, v, s, r)`` states — centre, area × |det A|, aspect kept."""
    warp_centre(x, P, warp)
    scale_axis(x, P, 2, area_scale(warp))


def warp_uvah(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> None:
    """In place: Deep SORT's/ByteTrack's ``(u, v, a, h)`` states — centre, height × √|det A|, aspect kept."""
    warp_centre(x, P, warp)
    scale_axis(x, P, 3, linear_scale(warp))


def warp_usr_measurements(z: np.ndarray, warp: np.ndarray) -> None:
    """In place: (u, v, s, r) measurements (K, ≥ 3) — centre by ``A c + t``, area × |det A|, the rest kept."""
    if len(z) == 0:
        return
    z[:, :2] = warp_points(z[:, :2], warp)
    z[:, 2] *= area_scale(warp)


def warp_boxes(boxes: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """Corner boxes (N, 4) moved by the warp the same way: centre by ``A c + t``, width and height × σ.

    Each corner is computed as ``σ·corner + (c' − σ·c)``, which equals ``c' ∓ σ·size/2``
    and leaves a box bit-identical under the identity warp (``c' = c``, ``σ = 1``).
    """
    sigma = linear_scale(warp)
    centre = np.empty((len(boxes), 2))
    centre[:, 0] = (boxes[:, 0] + boxes[:, 2]) / 2.0
    centre[:, 1] = (boxes[:, 1] + boxes[:, 3]) / 2.0
    moved = warp_points(centre, warp)
    out = np.empty((len(boxes), 4))
    for k in range(4):
        out[:, k] = sigma * boxes[:, k] + (moved[:, k % 2] - sigma * centre[:, k % 2])
    return out


def warp_box_cells(boxes: np.ndarray, filled: np.ndarray, warp: np.ndarray) -> None:
    """In place: the boxes in columns 0-3 of the cells of ``boxes`` (K, T, C ≥ 4) where ``filled`` (K, T) is
    True, moved by :func:`warp_boxes`; empty cells (placeholders, missing steps) are left as they are."""
    if filled.any():
        boxes[filled, :4] = warp_boxes(boxes[filled, :4], warp)

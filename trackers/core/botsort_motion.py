"""BoT-SORT's box motion model: a constant-velocity Kalman filter on (x, y, w, h) with a full covariance.

The state is the box centre ``(x, y)``, width ``w`` and height ``h``, each with
a velocity (Aharon et al. 2022, NirAharon/BoT-SORT ``tracker/kalman_filter.py``).
Noise is Deep SORT's height-scaled noise made two-dimensional: the
standard deviations of x and w scale with the width, those of y and h with the
height,

=================  ==========================
quantity           std of (x, y, w, h)
=================  ==========================
P0 position        2 · w_pos · (w, h, w, h)
P0 velocity        10 · w_vel · (w, h, w, h)
Q position         w_pos · (w, h, w, h)
Q velocity         w_vel · (w, h, w, h)
R (measurement)    w_pos · (w, h, w, h)
=================  ==========================

with ``w_pos = 1/20``, ``w_vel = 1/160``; the box is the measured one for P0,
the state before prediction for Q and the predicted state for R.  Unlike SORT's
and Deep SORT's filters, BoT-SORT warps the state by the camera's motion
(:func:`warp`: ``M = I₄ ⊗ A`` on the pairs (x, y), (w, h), (vx, vy), (vw, vh),
``t`` on the centre), and a rotation or a non-uniform scale couples x with y
and w with h in the covariance.  The per-axis filter of
:mod:`trackbench.trackers.core.kalman` cannot hold those terms, so this model
keeps the whole 8x8 covariance per track (``(K, 8, 8)``) and its update solves
the 4x4 innovation system, which is what the reference does.  Each function is
a compiled kernel over one track of the store's arrays (why compiled:
:mod:`trackbench.trackers.core.jit`); the noise weights are passed in, not read
as globals (see there).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import centre_box, kernel

STD_WEIGHT_POSITION = 1.0 / 20.0
STD_WEIGHT_VELOCITY = 1.0 / 160.0
#: (w_pos, w_vel) as the kernels take them.
NOISE = (STD_WEIGHT_POSITION, STD_WEIGHT_VELOCITY)


@kernel
def initiate(x: np.ndarray, P: np.ndarray, i: int, box: np.ndarray, noise: tuple) -> None:
    """Track ``i`` starts at corner ``box``: mean (x, y, w, h, 0, 0, 0, 0), diagonal P0 (in place)."""
    w = box[2] - box[0]
    h = box[3] - box[1]
    # tlwh -> centre as the reference: x1 + w / 2 with w = x2 - x1.
    z = (box[0] + w / 2.0, box[1] + h / 2.0, w, h)
    for k in range(8):
        x[i, k] = z[k] if k < 4 else 0.0
        for j in range(8):
            P[i, k, j] = 0.0
    for k in range(4):
        size = w if k % 2 == 0 else h
        s_pos = 2.0 * noise[0] * size
        s_vel = 10.0 * noise[1] * size
        P[i, k, k] = s_pos * s_pos
        P[i, 4 + k, 4 + k] = s_vel * s_vel


@kernel
def predict(x: np.ndarray, P: np.ndarray, i: int, noise: tuple) -> None:
    """One step ahead for track ``i``: mean ``F x``, covariance ``F P Fᵀ + Q(x)`` (in place)."""
    w, h = x[i, 2], x[i, 3]
    for k in range(4):
        x[i, k] += x[i, 4 + k]
    # F = [[I, I], [0, I]]: the position block gains the velocity rows/columns.
    for r in range(4):
        for c in range(8):
            P[i, r, c] += P[i, r + 4, c]
    for r in range(8):
        for c in range(4):
            P[i, r, c] += P[i, r, c + 4]
    for k in range(4):
        size = w if k % 2 == 0 else h
        q_pos = noise[0] * size
        q_vel = noise[1] * size
        P[i, k, k] += q_pos * q_pos
        P[i, 4 + k, 4 + k] += q_vel * q_vel


@kernel
def warp(x: np.ndarray, P: np.ndarray, i: int, W: np.ndarray) -> None:
    """Camera motion ``W = [A | t]`` applied to track ``i`` as BoT-SORT does: ``x ← M x + (t, 0…)``,
    ``P ← M P Mᵀ`` with ``M = I₄ ⊗ A`` (A on each pair of state columns (0,1), (2,3), (4,5), (6,7))."""
    a00, a01, a10, a11 = W[0, 0], W[0, 1], W[1, 0], W[1, 1]
    for p in range(0, 8, 2):
        u, v = x[i, p], x[i, p + 1]
        x[i, p] = a00 * u + a01 * v
        x[i, p + 1] = a10 * u + a11 * v
    x[i, 0] += W[0, 2]
    x[i, 1] += W[1, 2]
    for c in range(8):  # rows: M P
        for p in range(0, 8, 2):
            u, v = P[i, p, c], P[i, p + 1, c]
            P[i, p, c] = a00 * u + a01 * v
            P[i, p + 1, c] = a10 * u + a11 * v
    for r in range(8):  # columns: (M P) Mᵀ
        for p in range(0, 8, 2):
            u, v = P[i, r, p], P[i, r, p + 1]
            P[i, r, p] = a00 * u + a01 * v
            P[i, r, p + 1] = a10 * u + a11 * v


@kernel
def update(x: np.ndarray, P: np.ndarray, i: int, box: np.ndarray, noise: tuple) -> None:
    """Correct track ``i`` by corner ``box`` measured as (x, y, w, h) (in place).

    ``S = H P Hᵀ + R(x)``, gain ``K = P Hᵀ S⁻¹`` (Cholesky solve, as the
    reference's ``cho_solve``), ``x ← x + K (z − H x)``, ``P ← P − K S Kᵀ``.
    """
    w = box[2] - box[0]
    h = box[3] - box[1]
    z = np.array((box[0] + w / 2.0, box[1] + h / 2.0, w, h))
    S = np.empty((4, 4))
    for r in range(4):
        for c in range(4):
            S[r, c] = P[i, r, c]
    for k in range(4):
        size = x[i, 2] if k % 2 == 0 else x[i, 3]
        std = noise[0] * size
        S[k, k] += std * std
    L = np.linalg.cholesky(S)
    # K^T = S^-1 (P H^T)^T = S^-1 P[:4, :], by two triangular solves.
    gain_t = np.empty((4, 8))
    for c in range(8):
        y = np.empty(4)
        for r in range(4):
            s = P[i, r, c]
            for j in range(r):
                s -= L[r, j] * y[j]
            y[r] = s / L[r, r]
        for r in range(3, -1, -1):
            s = y[r]
            for j in range(r + 1, 4):
                s -= L[j, r] * gain_t[j, c]
            gain_t[r, c] = s / L[r, r]
    innovation = z - x[i, :4]
    for r in range(8):
        s = 0.0
        for k in range(4):
            s += gain_t[k, r] * innovation[k]
        x[i, r] += s
    # P - K S K^T = P - K (P H^T)^T = P - K P[:4, :]
    top = P[i, :4, :].copy()
    for r in range(8):
        for c in range(8):
            s = 0.0
            for k in range(4):
                s += gain_t[k, r] * top[k, c]
            P[i, r, c] -= s


@kernel
def state_box(x: np.ndarray, i: int, out: np.ndarray, j: int) -> None:
    """Corner box of (x, y, w, h) state row ``x[i]`` into ``out[j]``, as the reference's ``tlbr``
    (``x1 = x − w/2``, ``x2 = x1 + w``)."""
    centre_box(x, i, x[i, 2], out, j)

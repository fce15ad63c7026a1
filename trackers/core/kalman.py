"""Constant-velocity Kalman filtering for many tracks at once, one axis at a time.

Both box models used here — SORT's (u, v, s, r) and Deep SORT's (u, v, a, h) —
are constant-velocity filters whose transition, process noise, measurement
noise and initial covariance are all block-diagonal by axis: each measured
quantity ``p`` evolves with its own velocity ``p'`` and nothing couples two
axes.  A block-diagonal covariance stays block-diagonal under predict and
update, so the full filter is exactly a set of independent 2-state filters
(position, velocity) with scalar measurements.  Storing per axis

    pos, vel            (K, m)   state
    P[:, 0], P[:, 1], P[:, 2]  (K, m)   var(pos), cov(pos, vel), var(vel)

turns every matrix product into a few element-wise array operations over all
tracks and axes — no per-track Python objects and no small-matrix linear
algebra, which is what makes batched SORT fast.  An axis without a velocity
(SORT's aspect ratio r) is an axis whose velocity variance and noise are zero:
its velocity then stays exactly zero.

The results equal the textbook full-matrix filter up to rounding
(``tests/test_jit_kernels.py`` checks one step against ``F P Fᵀ + Q`` and the
Kalman gain; the trackers built on it are checked against the per-track ports
of the references in ``tests/oracles/``).  The trackers' compiled kernels step
the same per-axis filter one track at a time
(:func:`trackbench.trackers.core.jit.predict_axis` / ``update_axis``).
"""

from __future__ import annotations

import numpy as np


def predict(x: np.ndarray, P: np.ndarray, q_pos: np.ndarray, q_vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step ahead for all tracks.  ``x`` (K, 2m) = [pos | vel]; ``P`` (K, 3, m).

    ``q_pos``/``q_vel`` are the process-noise variances, (m,) or per track (K, m).
    Returns new arrays.
    """
    x_new, P_new = x.copy(), P.copy()
    predict_inplace(x_new, P_new, q_pos, q_vel)
    return x_new, P_new


def predict_inplace(x: np.ndarray, P: np.ndarray, q_pos: np.ndarray, q_vel: np.ndarray) -> None:
    """:func:`predict` writing into ``x`` and ``P`` (a tracker's own arrays: two copies fewer per frame)."""
    m = P.shape[2]
    x[:, :m] += x[:, m:]
    # F P F^T + Q per axis: a' = a + 2b + c + q_pos, b' = b + c, c' = c + q_vel,
    # in few in-place steps (this runs every frame for every track).
    P[:, :2] += P[:, 1:]  # a + b, b + c (numpy buffers the overlapping operands)
    P[:, 0] += P[:, 1]  # a + 2b + c
    P[:, 0] += q_pos
    P[:, 2] += q_vel


def project(x: np.ndarray, P: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted measurement mean (K, m) and its per-axis innovation variance (K, m)."""
    m = P.shape[2]
    return x[:, :m], P[:, 0] + r


def update(x: np.ndarray, P: np.ndarray, z: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correct tracks with measurements ``z`` (K, m); ``r`` measurement variances (m,) or (K, m)."""
    k, m = z.shape
    s = P[:, 0] + r
    # Gains for position and velocity of every axis at once: (K, 2, m).
    gain = P[:, :2] / s[:, None, :]
    innovation = z - x[:, :m]
    x_new = x + (gain * innovation[:, None, :]).reshape(k, 2 * m)
    # var(pos), cov shrink by (1 - k_pos); var(vel) loses k_vel * cov.
    P_new = P.copy()
    P_new[:, :2] *= 1.0 - gain[:, :1]
    P_new[:, 2] -= gain[:, 1] * P[:, 1]
    return x_new, P_new


def initiate(z: np.ndarray, var_pos: np.ndarray, var_vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tracks started at measurements ``z`` (K, m) with zero velocity and diagonal covariance."""
    k, m = z.shape
    x = np.zeros((k, 2 * m))
    x[:, :m] = z
    P = np.zeros((k, 3, m))
    P[:, 0] = var_pos
    P[:, 2] = var_vel
    return x, P

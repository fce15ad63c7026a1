"""The textbook Kalman filter in full matrices, for checking the per-axis filter and the kernels.

The trackers store a constant-velocity filter per axis (``x`` (K, 2m) = [pos | vel],
``P`` (K, 3, m) = var(pos), cov(pos, vel), var(vel)); these helpers expand that to the
full ``2m x 2m`` matrices and apply the formulas as any textbook writes them:

    predict:  x' = F x,            P' = F P Fᵀ + Q,            F = [[I, I], [0, I]]
    update:   S = H P Hᵀ + R,      K = P Hᵀ S⁻¹,               H = [I, 0]
              x' = x + K (z - H x),  P' = (I - K H) P
    gate:     d² = (z - H x)ᵀ S⁻¹ (z - H x)
"""

from __future__ import annotations

import numpy as np


def full_covariance(P: np.ndarray) -> np.ndarray:
    """One track's per-axis covariance (3, m) as the full (2m, 2m) matrix."""
    m = P.shape[1]
    full = np.zeros((2 * m, 2 * m))
    idx = np.arange(m)
    full[idx, idx] = P[0]
    full[idx, idx + m] = full[idx + m, idx] = P[1]
    full[idx + m, idx + m] = P[2]
    return full


def transition(m: int) -> np.ndarray:
    """F of a constant-velocity model with ``m`` measured quantities."""
    return np.block([[np.eye(m), np.eye(m)], [np.zeros((m, m)), np.eye(m)]])


def measurement(m: int) -> np.ndarray:
    """H: the positions are measured, the velocities are not."""
    return np.hstack([np.eye(m), np.zeros((m, m))])


def predict(x: np.ndarray, P: np.ndarray, q_pos: np.ndarray, q_vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One track's step ahead: ``F x`` and ``F P Fᵀ + Q`` (``P`` full, ``Q`` diagonal)."""
    F = transition(len(q_pos))
    return F @ x, F @ P @ F.T + np.diag(np.concatenate([q_pos, q_vel]))


def update(x: np.ndarray, P: np.ndarray, z: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One track's correction with measurement ``z`` of (diagonal) variance ``r``, through the Kalman gain."""
    H = measurement(len(z))
    S = H @ P @ H.T + np.diag(r)
    K = P @ H.T @ np.linalg.inv(S)
    return x + K @ (z - H @ x), (np.eye(len(x)) - K @ H) @ P


def squared_mahalanobis(x: np.ndarray, P: np.ndarray, z: np.ndarray, r: np.ndarray) -> float:
    """``(z - H x)ᵀ S⁻¹ (z - H x)`` with ``S = H P Hᵀ + R``."""
    H = measurement(len(z))
    S = H @ P @ H.T + np.diag(r)
    d = z - H @ x
    return float(d @ np.linalg.solve(S, d))

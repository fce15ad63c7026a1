"""SORT's box motion model: a constant-velocity Kalman filter on ``(u, v, s, r)``.

``u, v`` is the box centre, ``s`` its area and ``r`` its aspect ratio
(width / height); u, v and s have velocities, r is taken as constant.  Noise,
initial covariance and the area-velocity clamp are those of the authors'
implementation (abewley/sort).  SORT, OC-SORT, the image-based trackers and
the benchmarks that roll the filter forward all use this one model; the filter
arithmetic itself is :mod:`trackbench.trackers.core.kalman` (states ``(K, 8)``:
``u, v, s, r`` then their velocities).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core import kalman
from trackbench.trackers.core.tracks import TrackStore

# Noise per axis (u, v, s, r).  r has no velocity: zero variance and noise.
Q_POS = np.array([1.0, 1.0, 1.0, 1.0])
Q_VEL = np.array([0.01, 0.01, 0.0001, 0.0])
R = np.array([1.0, 1.0, 10.0, 10.0])
P0_POS = np.array([10.0, 10.0, 10.0, 10.0])
P0_VEL = np.array([10000.0, 10000.0, 10000.0, 0.0])

_AREA, _AREA_VELOCITY = 2, 6


def boxes_to_z(boxes: np.ndarray) -> np.ndarray:
    """Corner boxes to SORT measurements (centre x, centre y, area, aspect w/h)."""
    z = np.empty((len(boxes), 4))
    wh = boxes[:, 2:] - boxes[:, :2]
    np.add(boxes[:, :2], wh * 0.5, out=z[:, :2])
    np.multiply(wh[:, 0], wh[:, 1], out=z[:, 2])
    np.divide(wh[:, 0], wh[:, 1], out=z[:, 3])
    return z


def x_to_boxes(x: np.ndarray) -> np.ndarray:
    """SORT states (first four columns u, v, s, r) to corner boxes."""
    # Written with out= arguments: this runs twice per frame on a handful of rows,
    # where numpy's per-call overhead, not arithmetic, is the cost.
    half = np.empty((len(x), 2))
    np.sqrt(x[:, 2] * x[:, 3], out=half[:, 0])
    np.divide(x[:, 2], half[:, 0], out=half[:, 1])
    half *= 0.5
    out = np.empty((len(x), 4))
    np.subtract(x[:, :2], half, out=out[:, :2])
    np.add(x[:, :2], half, out=out[:, 2:])
    return out


def clamp_area_velocity(x: np.ndarray) -> None:
    """In place: zero the area velocity of states whose area would not stay positive after a step.

    A box cannot have a negative area; the reference zeroes the velocity
    (rather than the area) before predicting, and so do we, bit for bit.
    """
    if len(x) == 0:
        return
    shrinking = x[:, _AREA_VELOCITY] + x[:, _AREA] <= 0
    if shrinking.any():
        x[shrinking, _AREA_VELOCITY] = 0.0


def predict(x: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step ahead for SORT states: the area clamp, then the constant-velocity prediction."""
    clamp_area_velocity(x)
    return kalman.predict(x, P, Q_POS, Q_VEL)


def drop_non_finite(tracks: TrackStore, predicted: np.ndarray) -> np.ndarray:
    """Delete the tracks whose predicted box (a row of ``predicted``) is not finite, as the reference
    does; returns the other boxes.  SORT and OC-SORT call it when their prediction kernel reports one."""
    keep = np.isfinite(predicted).all(axis=1)
    tracks.keep(keep)
    return predicted[keep]


def initiate(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """New states (zero velocity, the reference's initial covariance) at corner boxes."""
    return kalman.initiate(boxes_to_z(boxes), P0_POS, P0_VEL)


def correct(x: np.ndarray, P: np.ndarray, boxes: np.ndarray, noise_scale: float = 1.0
            ) -> tuple[np.ndarray, np.ndarray]:
    """States corrected by measured corner boxes (``noise_scale`` multiplies R)."""
    return kalman.update(x, P, boxes_to_z(boxes), R if noise_scale == 1.0 else R * noise_scale)

"""Deep SORT's motion model: an 8-d constant-velocity filter on (u, v, a, h).

The state is the box centre ``(u, v)``, aspect ratio ``a = w / h`` and height
``h``, each with a velocity.  All noise is diagonal and scaled by the track's
height, which makes the model scale-aware (a far, small pedestrian moves fewer
pixels than a near one):

=================  ==================  =====================
quantity           std of u, v, h      std of a
=================  ==================  =====================
P0 position        2 · w_pos · h       1e-2
P0 velocity        10 · w_vel · h      1e-5
Q position         w_pos · h           1e-2
Q velocity         w_vel · h           1e-5
R (measurement)    w_pos · h           1e-1
=================  ==================  =====================

with ``w_pos = 1/20`` and ``w_vel = 1/160`` (Wojke et al. 2017, reference
implementation).  ``h`` is the measured height for P0, the current state's
height for Q (before the prediction step) and the predicted height for R.
Every matrix is diagonal per axis, so the filter is exactly the per-axis
filter of :mod:`trackbench.trackers.core.kalman`; the functions here give its per-track
``(K, 4)`` noise arrays.
"""

from __future__ import annotations

import numpy as np

STD_WEIGHT_POSITION = 1.0 / 20.0
STD_WEIGHT_VELOCITY = 1.0 / 160.0
ASPECT_STD_POS0, ASPECT_STD_VEL0 = 1e-2, 1e-5  # initial std of a and its velocity
ASPECT_STD_Q_POS, ASPECT_STD_Q_VEL = 1e-2, 1e-5  # process-noise std of a and its velocity
ASPECT_STD_R = 1e-1  # measurement-noise std of a

#: 0.95 quantiles of the chi-square distribution by degrees of freedom: the
#: Mahalanobis gate of a 4-d measurement (u, v, a, h) is CHI2_95[4].
CHI2_95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877}
GATING_THRESHOLD = CHI2_95[4]


def boxes_to_xyah(boxes: np.ndarray) -> np.ndarray:
    """Corner boxes (N, 4) to measurements (centre x, centre y, w / h, h)."""
    z = np.empty((len(boxes), 4))
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    z[:, 0] = boxes[:, 0] + w / 2.0
    z[:, 1] = boxes[:, 1] + h / 2.0
    z[:, 2] = w / h
    z[:, 3] = h
    return z


def xyah_to_boxes(x: np.ndarray) -> np.ndarray:
    """States or measurements (first four columns u, v, a, h) to corner boxes."""
    # Few numpy calls (this runs several times per frame on a handful of rows); the
    # arithmetic is the references': w = a·h, x1 = u - w/2, y1 = v - h/2, x2 = x1 + w, y2 = y1 + h.
    out = np.empty((len(x), 4))
    np.multiply(x[:, 2], x[:, 3], out=out[:, 2])
    out[:, 3] = x[:, 3]
    np.subtract(x[:, :2], out[:, 2:] / 2.0, out=out[:, :2])
    out[:, 2:] += out[:, :2]
    return out


def _height_scaled(h: np.ndarray, weight: float, aspect_std: float) -> np.ndarray:
    """(K, 4) variances: (weight · h)² on u, v, h and aspect_std² on a."""
    var = np.multiply.outer(h, np.array([weight, weight, 0.0, weight]))
    var *= var
    var[:, 2] = aspect_std * aspect_std
    return var


def _weights(pos: float, vel: float) -> np.ndarray:
    return np.array([pos, pos, 0.0, pos, vel, vel, 0.0, vel])


_P0_WEIGHTS = _weights(2.0 * STD_WEIGHT_POSITION, 10.0 * STD_WEIGHT_VELOCITY)
_P0_ASPECT = np.array([ASPECT_STD_POS0 * ASPECT_STD_POS0, ASPECT_STD_VEL0 * ASPECT_STD_VEL0])
_Q_WEIGHTS = _weights(STD_WEIGHT_POSITION, STD_WEIGHT_VELOCITY)
_Q_ASPECT = np.array([ASPECT_STD_Q_POS * ASPECT_STD_Q_POS, ASPECT_STD_Q_VEL * ASPECT_STD_Q_VEL])


def _height_scaled_pair(h: np.ndarray, weights: np.ndarray, aspect_var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity variances (K, 4) each, as two :func:`_height_scaled` would give, in one array."""
    var = np.multiply.outer(h, weights)
    var *= var
    var[:, 2::4] = aspect_var
    return var[:, :4], var[:, 4:]


def initial_variance(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P0 of new tracks from their measurements (N, 4): (var_pos, var_vel), each (N, 4)."""
    return _height_scaled_pair(z[:, 3], _P0_WEIGHTS, _P0_ASPECT)


def process_noise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q of tracks in states ``x`` (K, 8) before prediction: (q_pos, q_vel), each (K, 4)."""
    return _height_scaled_pair(x[:, 3], _Q_WEIGHTS, _Q_ASPECT)


def measurement_noise(x: np.ndarray) -> np.ndarray:
    """R (K, 4) of tracks in (predicted) states ``x`` (K, 8)."""
    return _height_scaled(x[:, 3], STD_WEIGHT_POSITION, ASPECT_STD_R)

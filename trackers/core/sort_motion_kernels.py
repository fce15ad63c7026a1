"""SORT's (u, v, s, r) motion model compiled: the state's box and the prediction step, used by ``sort`` and ``ocsort``.

The definitions are the NumPy ones of :mod:`trackbench.trackers.core.sort_motion`
(``x_to_boxes``, ``clamp_area_velocity``, the per-axis Kalman prediction of
:mod:`trackbench.trackers.core.kalman`) with SORT's life-cycle counters, operation
for operation, so both trackers stay bit-identical to their references (OC-SORT
predicts as SORT does).  Why compiled: :mod:`trackbench.trackers.core.jit`.  SORT's
noise constants are arguments: numba's cache would freeze them if read as globals
of ``sort_motion``.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import kernel, predict_axis

#: Columns of TrackStore.counters.
HITS, STREAK, AGE, SINCE = range(4)
_AREA, _AREA_VELOCITY = 2, 6  # state columns of the area and its velocity


@kernel
def state_box(x: np.ndarray, i: int, out: np.ndarray, j: int) -> None:
    """``sort_motion.x_to_boxes`` of (u, v, s, r) state row ``x[i]`` into ``out[j]``: ``w = √(s·r)``,
    ``h = s / w``."""
    w = np.sqrt(x[i, 2] * x[i, 3])
    h = x[i, 2] / w
    out[j, 0] = x[i, 0] - w * 0.5
    out[j, 1] = x[i, 1] - h * 0.5
    out[j, 2] = x[i, 0] + w * 0.5
    out[j, 3] = x[i, 1] + h * 0.5


@kernel
def predict(x: np.ndarray, P: np.ndarray, counters: np.ndarray, count_frame: bool, q_pos: np.ndarray,
            q_vel: np.ndarray):
    """SORT's prediction step in place: area clamp (``sort_motion.clamp_area_velocity``), the
    constant-velocity prediction, counters (``count_frame``: a detector frame; frames without one
    move the filters only).

    SORT's noise (``q_pos``, ``q_vel``, and ``r`` elsewhere) is passed in rather than read as globals,
    which numba would freeze into its cache (an edit of ``sort_motion.py`` would not reach it).

    Returns the predicted boxes and whether all of them are finite (if not, the caller drops the
    tracks whose box is not).
    """
    n = len(x)
    boxes = np.empty((n, 4))
    finite = True
    for i in range(n):
        # A box cannot have a negative area: the reference zeroes the velocity that would cause one.
        if x[i, _AREA_VELOCITY] + x[i, _AREA] <= 0:
            x[i, _AREA_VELOCITY] = 0.0
        for k in range(4):
            predict_axis(x, P, i, k, q_pos[k], q_vel[k])
        if count_frame:
            if counters[i, SINCE] > 0:
                counters[i, STREAK] = 0
            counters[i, AGE] += 1
            counters[i, SINCE] += 1
        state_box(x, i, boxes, i)
        for k in range(4):
            if not np.isfinite(boxes[i, k]):
                finite = False
    return boxes, finite

"""SORT's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.sort.tracker.Sort` calls two kernels a frame (why
compiled: :mod:`trackbench.trackers.core.jit`): :func:`predict_and_match`
(area clamp, prediction, life-cycle counters, the IoU matrix of detections
against predicted boxes, and the assignment when it is trivially determined;
otherwise the tracker runs scipy's solver) and :func:`finish` (correction of
the matched tracks, the states of the new ones, the report and whether any
track is due for deletion).  Frames without a detector run call ``predict``
alone (SORT's prediction step, shared with OC-SORT:
:mod:`trackbench.trackers.core.sort_motion_kernels`).  Arrays are modified in
place where the docstring says so.

The arithmetic is that of the NumPy building blocks the tracker was written
with — SORT's box model (:mod:`trackbench.trackers.core.sort_motion`:
``boxes_to_z``, ``x_to_boxes``, the area-velocity clamp, ``initiate``), the
per-axis Kalman filter, ``iou_matrix`` and ``max_iou_matching``'s shortcut —
operation for operation, so the tracks are bit-identical to theirs.  SORT's
noise constants are arguments: numba's cache would freeze them if read as
globals of ``sort_motion``.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import iou, kernel, unique_pairs, update_axis
from trackbench.trackers.core.sort_motion_kernels import HITS, SINCE, STREAK, predict, state_box


@kernel
def measurement(boxes: np.ndarray, d: int, z: np.ndarray) -> None:
    """``sort_motion.boxes_to_z`` of corner box ``boxes[d]`` into ``z`` (u, v, s, r)."""
    w = boxes[d, 2] - boxes[d, 0]
    h = boxes[d, 3] - boxes[d, 1]
    z[0] = boxes[d, 0] + w * 0.5
    z[1] = boxes[d, 1] + h * 0.5
    z[2] = w * h
    z[3] = w / h


@kernel
def match(boxes: np.ndarray, predicted: np.ndarray, iou_threshold: float):
    """IoU of detections (rows) with predicted boxes (columns) and ``max_iou_matching``'s shortcut.

    Returns ``iou, ok, matches (P, 2) of (detection, track), free detections``.  ``ok`` is False
    when the solver must decide: some detection or track has two candidates above the threshold,
    or none has any (the reference then still runs the solver, whose leftover pairs decide the
    order, and so the ids, of new tracks).
    """
    rows, cols = len(boxes), len(predicted)
    overlap = np.empty((rows, cols))
    for d in range(rows):
        for t in range(cols):
            overlap[d, t] = iou(boxes[d, 0], boxes[d, 1], boxes[d, 2], boxes[d, 3],
                                predicted[t, 0], predicted[t, 1], predicted[t, 2], predicted[t, 3])
    ok, matches, free_dets, _ = unique_pairs(overlap, iou_threshold, True)
    ok = ok and (len(matches) > 0 or rows == 0 or cols == 0)
    return overlap, ok, matches, free_dets


@kernel
def predict_and_match(x: np.ndarray, P: np.ndarray, counters: np.ndarray, boxes: np.ndarray, q_pos: np.ndarray,
                      q_vel: np.ndarray, iou_threshold: float):
    """:func:`predict` (a detector frame) then :func:`match`, as one call: the common frame.

    Returns ``predicted, finite, iou, ok, matches, free detections``; when ``finite`` is False the
    caller drops the non-finite tracks and runs :func:`match` again on the rest.
    """
    predicted, finite = predict(x, P, counters, True, q_pos, q_vel)
    overlap, ok, matches, free_dets = match(boxes, predicted, iou_threshold)
    return predicted, finite, overlap, ok, matches, free_dets


@kernel
def finish(x: np.ndarray, P: np.ndarray, counters: np.ndarray, boxes: np.ndarray, matches: np.ndarray,
           new_dets: np.ndarray, r: np.ndarray, p0_pos: np.ndarray, p0_vel: np.ndarray, frame_count: int,
           min_hits: int, max_age: int):
    """The rest of a detector frame: matched tracks corrected (in place), new tracks' states, report.

    ``matches`` are (detection, track) pairs; ``new_dets`` the detections that start tracks, in id
    order.  The report follows SORT's rule over the live tracks followed by the new ones (the
    order the store will hold them in): matched this frame, and ``min_hits`` consecutive matches
    unless the sequence is in its first ``min_hits`` frames; boxes are the corrected states.

    Returns ``x0 (N, 8), P0 (N, 3, 4)`` of the new tracks, the reported indices and boxes, and
    whether any live track has gone more than ``max_age`` frames unmatched (to be deleted).
    """
    z = np.empty(4)
    for m in range(len(matches)):
        d, i = matches[m, 0], matches[m, 1]
        measurement(boxes, d, z)
        for k in range(4):
            update_axis(x, P, i, k, z[k], r[k])
        counters[i, SINCE] = 0
        counters[i, HITS] += 1
        counters[i, STREAK] += 1
    n_new = len(new_dets)
    x0 = np.zeros((n_new, 8))
    P0 = np.zeros((n_new, 3, 4))
    for j in range(n_new):
        measurement(boxes, new_dets[j], z)
        for k in range(4):
            x0[j, k] = z[k]
            P0[j, 0, k] = p0_pos[k]
            P0[j, 2, k] = p0_vel[k]
    n = len(x)
    early = frame_count <= min_hits
    shown = np.empty(n + n_new, np.int64)
    out = np.empty((n + n_new, 4))
    k = 0
    too_old = False
    for i in range(n):
        if counters[i, SINCE] > max_age:
            too_old = True
        if counters[i, SINCE] < 1 and (early or counters[i, STREAK] >= min_hits):
            shown[k] = i
            state_box(x, i, out, k)
            k += 1
    if early or min_hits <= 0:  # a new track has no streak yet
        for j in range(n_new):
            shown[k] = n + j
            state_box(x0, j, out, k)
            k += 1
    return x0, P0, shown[:k], out[:k], too_old

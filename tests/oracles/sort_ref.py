"""Test oracle: SORT as its authors' implementation (abewley/sort) computes it.

A self-contained port written for the tests: it imports nothing from
trackbench, so association, IoU, the Kalman filter and the life-cycle rules
are checked independently of the production code.  It is organised as the
reference is: one filter object per track (the reference uses filterpy's
``KalmanFilter``; the filterpy equations it relies on are written out here:
``x = F x``, ``P = F P Fᵀ + Q`` and the Joseph-form update), the IoU matrix
of detections × predicted boxes, the shortcut that takes unambiguous pairs
without a solver, otherwise a maximum-IoU Hungarian assignment, and the
reference's report rule.  scipy's ``linear_sum_assignment`` is the solver the
reference falls back to when ``lap`` is absent.

The batched production tracker must report the same ids and boxes frame by
frame (``tests/test_sort.py``).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

# Constant-velocity model on (u, v, s, r): centre, area, aspect; u, v, s have velocities.
_DIM_X = 7
_F = np.eye(_DIM_X)
_F[0, 4] = _F[1, 5] = _F[2, 6] = 1.0
_H = np.zeros((4, _DIM_X))
_H[0, 0] = _H[1, 1] = _H[2, 2] = _H[3, 3] = 1.0


def _noise() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, P0 and Q as the reference derives them from filterpy's identity defaults."""
    R = np.eye(4)
    R[2:, 2:] *= 10.0
    P = np.eye(_DIM_X)
    P[4:, 4:] *= 1000.0  # unobserved velocities start very uncertain
    P *= 10.0
    Q = np.eye(_DIM_X)
    Q[-1, -1] *= 0.01
    Q[4:, 4:] *= 0.01
    return R, P, Q


_R, _P0, _Q = _noise()


def corners_to_measurement(box: np.ndarray) -> np.ndarray:
    """[x1, y1, x2, y2] to [u, v, s, r] (centre, area, width / height)."""
    w = box[2] - box[0]
    h = box[3] - box[1]
    return np.array([box[0] + w / 2.0, box[1] + h / 2.0, w * h, w / float(h)])


def state_to_corners(x: np.ndarray) -> np.ndarray:
    """A state's [u, v, s, r, ...] to [x1, y1, x2, y2]."""
    w = np.sqrt(x[2] * x[3])
    h = x[2] / w
    return np.array([x[0] - w / 2.0, x[1] - h / 2.0, x[0] + w / 2.0, x[1] + h / 2.0])


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (rows) with every box of ``b`` (columns), corner boxes."""
    a = a[:, None, :]
    b = b[None, :, :]
    iw = np.maximum(0.0, np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]))
    ih = np.maximum(0.0, np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]))
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / (area_a + area_b - inter)


def associate(dets: np.ndarray, predicted: np.ndarray, threshold: float
              ) -> tuple[list[tuple[int, int]], list[int]]:
    """(matched (detection, track) pairs, unmatched detections in the reference's order)."""
    if len(predicted) == 0:
        return [], list(range(len(dets)))
    iou = pairwise_iou(dets, predicted)
    if min(iou.shape) == 0:
        pairs: list[tuple[int, int]] = []
    else:
        above = iou > threshold
        if above.sum(axis=1).max() == 1 and above.sum(axis=0).max() == 1:
            pairs = [(int(d), int(t)) for d, t in zip(*np.nonzero(above))]
        else:
            rows, cols = linear_sum_assignment(-iou)
            pairs = [(int(d), int(t)) for d, t in zip(rows, cols)]
    assigned = {d for d, _ in pairs}
    unmatched = [d for d in range(len(dets)) if d not in assigned]
    matches = []
    for d, t in pairs:
        if iou[d, t] < threshold:
            unmatched.append(d)
        else:
            matches.append((d, t))
    return matches, unmatched


class _Track:
    """One target: its own filter state, covariance and counters."""

    def __init__(self, box: np.ndarray, track_id: int) -> None:
        self.x = np.zeros(_DIM_X)
        self.x[:4] = corners_to_measurement(box)
        self.P = _P0.copy()
        self.id = track_id
        self.time_since_update = 0
        self.hit_streak = 0

    def predict(self) -> np.ndarray:
        if self.x[6] + self.x[2] <= 0:  # the area may not shrink below zero
            self.x[6] = 0.0
        self.x = _F @ self.x
        self.P = _F @ self.P @ _F.T + _Q
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return state_to_corners(self.x)

    def update(self, box: np.ndarray) -> None:
        self.time_since_update = 0
        self.hit_streak += 1
        residual = corners_to_measurement(box) - _H @ self.x
        S = _H @ self.P @ _H.T + _R
        K = self.P @ _H.T @ np.linalg.inv(S)
        self.x = self.x + K @ residual
        I_KH = np.eye(_DIM_X) - K @ _H
        self.P = I_KH @ self.P @ I_KH.T + K @ _R @ K.T


class ReferenceSort:
    """SORT with the reference defaults; ``update(corner boxes)`` returns (ids, boxes)."""

    def __init__(self, max_age: int = 1, min_hits: int = 3, iou_threshold: float = 0.3) -> None:
        self.max_age, self.min_hits, self.iou_threshold = max_age, min_hits, iou_threshold
        self.tracks: list[_Track] = []
        self.frame_count = 0
        self.next_id = 1

    def update(self, dets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.frame_count += 1
        predicted = [trk.predict() for trk in self.tracks]
        keep = [i for i, box in enumerate(predicted) if np.all(np.isfinite(box))]
        self.tracks = [self.tracks[i] for i in keep]
        predicted_boxes = np.array([predicted[i] for i in keep]).reshape(-1, 4)
        matches, unmatched = associate(dets, predicted_boxes, self.iou_threshold)
        for d, t in matches:
            self.tracks[t].update(dets[d])
        for d in unmatched:
            self.tracks.append(_Track(dets[d], self.next_id))
            self.next_id += 1
        ids, boxes = [], []
        for trk in self.tracks:
            if trk.time_since_update < 1 and (trk.hit_streak >= self.min_hits or self.frame_count <= self.min_hits):
                ids.append(trk.id)
                boxes.append(state_to_corners(trk.x))
        self.tracks = [t for t in self.tracks if t.time_since_update <= self.max_age]
        return np.array(ids, np.int64), np.array(boxes).reshape(-1, 4)

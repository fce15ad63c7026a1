"""A reference-style SORT: one Kalman filter object per track, stepped in Python.

This mirrors how the authors' implementation (abewley/sort, built on filterpy)
is organised: a per-track filter with the same model and noise, per-track
predict/update calls, and filterpy's Joseph-form covariance update.  It exists
as an oracle and a baseline: tests check that the batched :class:`~trackbench.trackers.sort.tracker.Sort`
reports the same tracks, and ``benchmarks/sort_speed.py`` times both in one
process.  It is not registered as a tracker.
"""

from __future__ import annotations

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.trackers.core.assignment import max_iou_matching
from trackbench.trackers.sort.tracker import boxes_to_z, x_to_boxes

# The reference's full 7-state matrices (filterpy defaults scaled as abewley/sort does).
_F = np.eye(7) + np.eye(7, k=4)
_H = np.eye(4, 7)
_Q = np.diag([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 0.0001])
_R = np.diag([1.0, 1.0, 10.0, 10.0])
_P0 = np.diag([10.0, 10.0, 10.0, 10.0, 10000.0, 10000.0, 10000.0])


class _FilterPerTrack:
    """One track: its own state, covariance and counters."""

    def __init__(self, z: np.ndarray, track_id: int) -> None:
        self.x = np.zeros(7)
        self.x[:4] = z
        self.P = _P0.copy()
        self.id = track_id
        self.time_since_update = 0
        self.hit_streak = 0

    def predict(self) -> np.ndarray:
        if self.x[6] + self.x[2] <= 0:
            self.x[6] = 0.0
        self.x = _F @ self.x
        self.P = _F @ self.P @ _F.T + _Q
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return x_to_boxes(self.x[None])[0]

    def update(self, z: np.ndarray) -> None:
        self.time_since_update = 0
        self.hit_streak += 1
        y = z - _H @ self.x
        S = _H @ self.P @ _H.T + _R
        K = self.P @ _H.T @ np.linalg.inv(S)
        self.x = self.x + K @ y
        I_KH = np.eye(7) - K @ _H
        self.P = I_KH @ self.P @ I_KH.T + K @ _R @ K.T


class ReferenceSort:
    """Per-track SORT loop with the reference defaults; ``update`` takes corner boxes."""

    def __init__(self, max_age: int = 1, min_hits: int = 3, iou_threshold: float = 0.3) -> None:
        self.max_age, self.min_hits, self.iou_threshold = max_age, min_hits, iou_threshold
        self.trackers: list[_FilterPerTrack] = []
        self.frame_count = 0
        self.next_id = 1

    def update(self, dets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.frame_count += 1
        predicted = np.zeros((len(self.trackers), 4))
        for i, trk in enumerate(self.trackers):
            predicted[i] = trk.predict()
        valid = np.isfinite(predicted).all(axis=1)
        self.trackers = [t for t, ok in zip(self.trackers, valid) if ok]
        predicted = predicted[valid]
        matches, unmatched, _ = max_iou_matching(iou_matrix(dets, predicted), self.iou_threshold)
        for d, k in matches:
            self.trackers[k].update(boxes_to_z(dets[d : d + 1])[0])
        for d in unmatched:
            self.trackers.append(_FilterPerTrack(boxes_to_z(dets[d : d + 1])[0], self.next_id))
            self.next_id += 1
        ids, boxes = [], []
        for trk in self.trackers:
            if trk.time_since_update < 1 and (trk.hit_streak >= self.min_hits or self.frame_count <= self.min_hits):
                ids.append(trk.id)
                boxes.append(x_to_boxes(trk.x[None])[0])
        self.trackers = [t for t in self.trackers if t.time_since_update <= self.max_age]
        return np.array(ids, np.int64), np.array(boxes).reshape(-1, 4)

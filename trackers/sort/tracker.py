"""SORT: Simple Online and Realtime Tracking (Bewley et al., ICIP 2016).

Each track is a constant-velocity Kalman filter on ``(u, v, s, r)``: box centre,
area and aspect ratio, with velocities for u, v and s (r is assumed constant).
Per frame: predict every track, associate detections to predicted boxes by IoU
with the Hungarian algorithm (pairs under ``iou_threshold`` rejected), correct
matched tracks, start a track for every unmatched detection, and delete tracks
unseen for more than ``max_age`` frames.  A track is reported on frames where it
was matched, once it has ``min_hits`` consecutive matches (or during the first
``min_hits`` frames of the sequence), with its corrected box.

Noise settings, initial covariance, the area-velocity clamp and the association
shortcut follow the authors' reference implementation (abewley/sort), so
results agree with it on the same detections.  All tracks are filtered together
(:mod:`trackbench.trackers.core.kalman`) rather than one filter object per track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, Tracker, TrackOutput
from trackbench.trackers.core import kalman
from trackbench.trackers.core.assignment import max_iou_matching
from trackbench.trackers.core.tracks import TrackStore

# Reference noise model, per axis (u, v, s, r).  r has no velocity: zero variance and noise.
Q_POS = np.array([1.0, 1.0, 1.0, 1.0])
Q_VEL = np.array([0.01, 0.01, 0.0001, 0.0])
R = np.array([1.0, 1.0, 10.0, 10.0])
P0_POS = np.array([10.0, 10.0, 10.0, 10.0])
P0_VEL = np.array([10000.0, 10000.0, 10000.0, 0.0])


@dataclass
class SortParams:
    """SORT's parameters with the reference implementation's defaults."""

    max_age: int = 1  # frames a track survives without a match
    min_hits: int = 3  # consecutive matches before a track is reported
    iou_threshold: float = 0.3  # minimum IoU for a detection-track match
    min_confidence: float = float("-inf")  # detections below are ignored (reference: none)

    def validate(self) -> None:
        if self.max_age < 0 or self.min_hits < 0:
            raise ValueError("max_age and min_hits must be >= 0")
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError("iou_threshold must lie in [0, 1]")


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


def predict_tracks(t: TrackStore) -> np.ndarray:
    """SORT's prediction step for every track in ``t``; returns the predicted boxes.

    The area must not go negative: as the reference, the area velocity is zeroed
    first where it would.  Tracks whose prediction is not finite are dropped.
    OC-SORT predicts the same way.
    """
    if len(t) == 0:
        return np.zeros((0, 4))
    area_next = t.x[:, 6] + t.x[:, 2]
    if area_next.min() <= 0:
        t.x[area_next <= 0, 6] = 0.0
    t.x, t.P = kalman.predict(t.x, t.P, Q_POS, Q_VEL)
    t.mark_predicted()
    boxes = x_to_boxes(t.x)
    if not math.isfinite(boxes.sum()):  # a NaN or inf anywhere makes the sum non-finite
        finite = np.isfinite(boxes).all(axis=1)
        t.keep(finite)
        boxes = boxes[finite]
    return boxes


class Sort(Tracker):
    """SORT with all Kalman filters stepped as one batch."""

    name = "sort"
    paper = "Bewley et al., Simple Online and Realtime Tracking, ICIP 2016"
    Params = SortParams
    requires = Requirements()

    def __init__(self, params: SortParams | None = None) -> None:
        super().__init__(params)
        self.tracks = TrackStore(4)
        self.frame_count = 0

    def reset(self, info) -> None:
        super().reset(info)
        self.tracks = TrackStore(4)
        self.frame_count = 0

    def _predict(self) -> np.ndarray:
        return predict_tracks(self.tracks)

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_count += 1
        dets = detections.boxes
        if p.min_confidence > float("-inf"):
            dets = dets[detections.scores >= p.min_confidence]
        predicted = self._predict()
        t = self.tracks
        matches, unmatched_dets, _ = max_iou_matching(iou_matrix(dets, predicted), p.iou_threshold)
        if len(matches) == len(t):
            # Every track matched (the common case): update in track order, no gather/scatter.
            z = np.empty((len(t), 4))
            z[matches[:, 1]] = boxes_to_z(dets[matches[:, 0]])
            t.x, t.P = kalman.update(t.x, t.P, z, R)
            t.mark_updated(slice(None))
        elif len(matches):
            d, k = matches[:, 0], matches[:, 1]
            t.x[k], t.P[k] = kalman.update(t.x[k], t.P[k], boxes_to_z(dets[d]), R)
            t.mark_updated(k)
        if len(unmatched_dets):
            x0, P0 = kalman.initiate(boxes_to_z(dets[unmatched_dets]), P0_POS, P0_VEL)
            t.add(x0, P0)
        report = t.time_since_update < 1
        if self.frame_count > p.min_hits:  # early frames report every matched track
            report &= t.hit_streak >= p.min_hits
        out = TrackOutput(t.ids[report], x_to_boxes(t.x[report]))  # fancy indexing copies
        since = t.time_since_update
        if len(since) and since.max() > p.max_age:
            t.keep(since <= p.max_age)
        return out

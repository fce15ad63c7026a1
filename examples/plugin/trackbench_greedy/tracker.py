"""A greedy IoU tracker: the smallest useful trackbench plug-in.

Each frame, every (track, detection) pair is ranked by the IoU of the track's
last box with the detection; pairs are taken greedily from the highest IoU down,
each track and detection used once, none under ``iou_threshold``.  Matched
tracks move to their detection; the others age and are dropped after
``max_age`` frames without one; each detection left starts a track.  Only
tracks matched in this frame are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.trackers.base import Tracker, TrackOutput


@dataclass
class GreedyParams:
    """Typed parameters: ``--param iou_threshold=0.4`` is read as a float and checked."""

    iou_threshold: float = 0.5
    max_age: int = 1
    min_confidence: float = 0.0

    def validate(self) -> None:
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError(f"iou_threshold must be in [0, 1], got {self.iou_threshold}")
        if self.max_age < 0:
            raise ValueError(f"max_age must be >= 0, got {self.max_age}")


class GreedyIoU(Tracker):
    name = "greedy"
    paper = "greedy IoU association (example plug-in)"
    Params = GreedyParams

    def reset(self, info) -> None:
        super().reset(info)
        self.boxes = np.zeros((0, 4))
        self.ids = np.zeros(0, np.int64)
        self.misses = np.zeros(0, np.int64)
        self.next_id = 1

    def update(self, frame, detections) -> TrackOutput:
        keep = detections.scores >= self.params.min_confidence
        boxes = detections.boxes[keep]
        iou = iou_matrix(self.boxes, boxes) if len(self.boxes) and len(boxes) else np.zeros((len(self.boxes), len(boxes)))
        matched_t, matched_d = [], []
        for flat in np.argsort(-iou, axis=None):
            t, d = divmod(int(flat), iou.shape[1])
            if iou[t, d] < self.params.iou_threshold:
                break
            if t not in matched_t and d not in matched_d:
                matched_t.append(t)
                matched_d.append(d)
        self.misses += 1
        self.boxes[matched_t] = boxes[matched_d]
        self.misses[matched_t] = 0
        fresh = np.setdiff1d(np.arange(len(boxes)), matched_d)
        new_ids = np.arange(self.next_id, self.next_id + len(fresh))
        self.next_id += len(fresh)
        self.boxes = np.vstack([self.boxes, boxes[fresh]])
        self.ids = np.concatenate([self.ids, new_ids])
        self.misses = np.concatenate([self.misses, np.zeros(len(fresh), np.int64)])
        report = self.misses == 0
        out = TrackOutput(self.ids[report].copy(), self.boxes[report].copy())
        alive = self.misses <= self.params.max_age
        self.boxes, self.ids, self.misses = self.boxes[alive], self.ids[alive], self.misses[alive]
        return out

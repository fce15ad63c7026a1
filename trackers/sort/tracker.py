"""SORT: Simple Online and Realtime Tracking (Bewley et al., ICIP 2016).

Each track is a constant-velocity Kalman filter on ``(u, v, s, r)``: box centre,
area and aspect ratio, with velocities for u, v and s (r is assumed constant).
Per frame: predict every track, associate detections to predicted boxes by IoU
with the Hungarian algorithm (pairs under ``iou_threshold`` rejected), correct
matched tracks, start a track for every unmatched detection, and delete tracks
unseen for more than ``max_age`` frames.  A track is reported on frames where it
was matched, once it has ``min_hits`` consecutive matches (or during the first
``min_hits`` frames of the sequence), with its corrected box.

On frames without a detector run (:meth:`Sort.coast`, ``--detect-every K > 1``)
every filter predicts one frame ahead, the life cycle counts only detector
frames (``max_age`` and ``min_hits`` are in detector frames), and the tracks
reported on the last detector frame are reported at their predicted boxes.
With detections on every frame this never runs: the reference rule is unchanged.

Noise settings, initial covariance, the area-velocity clamp and the association
shortcut follow the authors' reference implementation (abewley/sort), so
results agree with it on the same detections.  All tracks are filtered together
(:mod:`trackbench.trackers.core.sort_motion`) rather than one filter object per track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, Tracker, TrackOutput, coasted
from trackbench.trackers.core import sort_motion
from trackbench.trackers.core.assignment import max_iou_matching
from trackbench.trackers.core.lifecycle import sort_reported
from trackbench.trackers.core.sort_motion import x_to_boxes
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers import papers


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


class Sort(Tracker):
    """SORT with all Kalman filters stepped as one batch."""

    name = "sort"
    paper = papers.SORT
    Params = SortParams
    requires = Requirements()

    def __init__(self, params: SortParams | None = None) -> None:
        super().__init__(params)
        self.tracks = TrackStore(4)
        self.frame_count = 0
        self.reported = np.zeros(0, np.int64)  # ids reported on the last detector frame

    def reset(self, info) -> None:
        super().reset(info)
        self.tracks = TrackStore(4)
        self.frame_count = 0
        self.reported = np.zeros(0, np.int64)

    def _predict(self, count_frame: bool = True) -> np.ndarray:
        """Advance every track one frame; returns predicted boxes.  Drops non-finite ones.

        ``count_frame=False`` (a frame without a detector run) moves the filters only.
        """
        return sort_motion.predict_tracks(self.tracks, count_frame)

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
            ordered = np.empty((len(t), 4))
            ordered[matches[:, 1]] = dets[matches[:, 0]]
            t.x, t.P = sort_motion.correct(t.x, t.P, ordered)
            t.mark_updated(slice(None))
        elif len(matches):
            d, k = matches[:, 0], matches[:, 1]
            t.x[k], t.P[k] = sort_motion.correct(t.x[k], t.P[k], dets[d])
            t.mark_updated(k)
        if len(unmatched_dets):
            t.add(*sort_motion.initiate(dets[unmatched_dets]))
        report = sort_reported(t, self.frame_count, p.min_hits)
        out = TrackOutput(t.ids[report], x_to_boxes(t.x[report]))  # fancy indexing copies
        self.reported = out.ids
        since = t.time_since_update
        if len(since) and since.max() > p.max_age:
            t.keep(since <= p.max_age)
        return out

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: predict, and report last detector frame's tracks there."""
        predicted = self._predict(count_frame=False)
        return coasted(self.tracks.ids, predicted, self.reported)

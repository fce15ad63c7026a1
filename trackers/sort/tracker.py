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
results agree with it on the same detections.  All tracks live in one
:class:`~trackbench.trackers.core.tracks.TrackStore` rather than one filter
object per track, and each step of a frame is one compiled kernel over its
arrays (:mod:`trackbench.trackers.sort.kernels`: with 5-30 tracks a frame,
NumPy's per-call overhead, not arithmetic, was the cost); their arithmetic is
that of SORT's box model (:mod:`trackbench.trackers.core.sort_motion`) and the
per-axis Kalman filter, operation for operation.  scipy's solver runs only when
an assignment is not trivially determined.  ``tests/oracles/sort_ref.py`` is
the per-track port checked against, and the authors' own outputs on the shared
sequences are matched frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, Tracker, TrackOutput, coasted
from trackbench.trackers.core import association_limit, cmc_kernels, jit
from trackbench.trackers.core.sort_motion import P0_POS, P0_VEL, Q_POS, Q_VEL, R, drop_non_finite
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers import papers
from trackbench.trackers.space import SCORES, tunable
from trackbench.trackers.sort import kernels


@dataclass
class SortParams:
    """SORT's parameters with the reference implementation's defaults."""

    max_age: int = tunable(1, 1, 30, log=True)  # frames a track survives without a match
    min_hits: int = tunable(3, 1, 6)  # consecutive matches before a track is reported
    iou_threshold: float = tunable(0.3, 0.1, 0.7)  # minimum IoU for a detection-track match
    min_confidence: float = tunable(float("-inf"), SCORES, SCORES)  # detections below are ignored (reference: none)

    def validate(self) -> None:
        if self.max_age < 0 or self.min_hits < 0:
            raise ValueError("max_age and min_hits must be >= 0")
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError("iou_threshold must lie in [0, 1]")


class Sort(Tracker):
    """SORT with all Kalman filters stepped together, each step of a frame one compiled kernel."""

    name = "sort"
    paper = papers.SORT
    Params = SortParams
    requires = Requirements()
    compensates_camera = True

    def __init__(self, params: SortParams | None = None) -> None:
        super().__init__(params)
        self._start()

    def reset(self, info) -> None:
        super().reset(info)
        jit.warm_up(Sort)
        _warm_up_direct_calls()
        self._start()

    def _start(self) -> None:
        self.tracks = TrackStore(4)
        self.frame_count = 0
        self.reported = np.zeros(0, np.int64)  # ids reported on the last detector frame

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_count += 1
        boxes = detections.boxes
        if p.min_confidence > float("-inf"):
            boxes = boxes[detections.scores >= p.min_confidence]
        boxes = np.ascontiguousarray(boxes, np.float64)
        t = self.tracks
        association_limit.check(self.name, len(boxes), len(t))  # before any (detections x tracks) matrix
        # Predict every track (counting the frame), IoU of detections with the predictions, and the
        # assignment when every candidate pair is unambiguous.
        predicted, finite, iou, ok, matches, new = kernels.predict_and_match(t.x, t.P, t.counters, boxes, Q_POS,
                                                                             Q_VEL, p.iou_threshold)
        if not finite:
            iou, ok, matches, new = kernels.match(boxes, drop_non_finite(t, predicted), p.iou_threshold)
        if not ok:
            matches, new = _solve(iou, p.iou_threshold)
        # Correct the matched tracks, start the new ones, report and find tracks past max_age.
        x0, P0, shown, reported_boxes, too_old = kernels.finish(t.x, t.P, t.counters, boxes, matches, new, R, P0_POS,
                                                                P0_VEL, self.frame_count, p.min_hits, p.max_age)
        if len(x0):
            t.add(x0, P0)
        out = TrackOutput(t.ids[shown], reported_boxes)
        self.reported = out.ids
        if too_old:
            t.keep(t.time_since_update <= p.max_age)
        return out

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: predict, and report last detector frame's tracks there."""
        t = self.tracks
        predicted, finite = kernels.predict(t.x, t.P, t.counters, False, Q_POS, Q_VEL)
        if not finite:
            predicted = drop_non_finite(t, predicted)
        return coasted(t.ids, predicted, self.reported)

    def compensate(self, warp: np.ndarray) -> None:
        """Camera motion (``--cmc``): the (u, v, s, r) states warped as
        :func:`~trackbench.trackers.core.cmc_kernels.warp_usr` says (one compiled kernel)."""
        cmc_kernels.warp_usr(self.tracks.x, self.tracks.P, warp)


@cache
def _warm_up_direct_calls() -> None:
    """Load (or compile) the kernels that ``update`` on the warm-up frames does not call from Python:
    :func:`kernels.predict` (``coast``) and :func:`kernels.match` (after a non-finite prediction).
    Once per process, from ``reset``, so that no timed frame pays for it."""
    empty = TrackStore(4)
    kernels.predict(empty.x, empty.P, empty.counters, False, Q_POS, Q_VEL)
    kernels.match(np.zeros((0, 4)), np.zeros((0, 4)), 0.3)


def _solve(iou: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """``max_iou_matching`` past its shortcut: scipy's solver maximises total IoU, pairs under the
    threshold are dropped.  Returns (detection, track) pairs and the free detections in the
    reference's order (never assigned ascending, then those whose pair was dropped)."""
    rows, cols = linear_sum_assignment(-iou)
    matches, free_dets, _ = jit.iou_pairs(rows, cols, iou, threshold)
    return matches, free_dets

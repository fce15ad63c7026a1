"""ByteTrack: Multi-Object Tracking by Associating Every Detection Box (Zhang et al., ECCV 2022).

BYTE keeps the low-score detections that other trackers throw away and uses
them to continue tracks that the high-score ones missed (occluded people
score low).  Per frame:

1. Detections split by score: high (``> track_thresh``) and low
   (``> low_thresh`` and ``< track_thresh``).
2. **Predict** the confirmed tracks and the lost ones with the (u, v, a, h)
   Kalman filter whose noise scales with box height (Deep SORT's,
   :mod:`trackbench.trackers.core.deepsort_motion`); a lost track's height velocity
   is zeroed before it is predicted.
3. **First association**: those tracks against the high-score detections,
   cost ``1 - IoU · score`` (``1 - IoU`` with ``mot20``), gated at
   ``match_thresh``.  A matched lost track is re-found with its old id.
4. **Second association**: tracks still unmatched that were tracked last frame
   against the low-score detections, cost ``1 - IoU`` gated at
   ``second_match_thresh``; those left become lost.
5. **Unconfirmed** tracks (started last frame, not yet predicted) against the
   high-score detections left, gated at ``unconfirmed_match_thresh``; an
   unmatched one is deleted.
6. High-score detections left start tracks if their score reaches
   ``new_track_thresh`` (``track_thresh + 0.1`` unless set); lost tracks
   unseen for more than ``track_buffer · fps / 30`` frames are removed, and a
   tracked/lost pair overlapping by IoU > 0.85 keeps only the older track.
7. Report confirmed tracked tracks with the corrected Kalman box, except boxes
   of area ``<= min_box_area`` or wider than ``aspect_ratio_thresh · height``
   (the reference's MOT17 output filter).

On frames without a detector run (:meth:`ByteTrack.coast`, ``--detect-every K
> 1``) the confirmed tracks' filters predict one frame (lost ones without
height velocity, as in step 2), the frame count that ages lost tracks counts
detector frames only, and the tracked tracks are reported at their predicted
boxes through the same output filter.  K = 1 never coasts: results equal the
reference's.

Everything follows ifzhang/ByteTrack (``yolox/tracker/byte_tracker.py`` with
its ``matching.py``), including the details that decide ids: IoU with
inclusive pixel extents (``cython_bbox``), lap's ``cost_limit`` assignment,
list order of tracks, and that a track removed for age stays matchable for one
more frame's first association (and, if re-found, is dropped at its next
loss).  Defaults are the MOT17 evaluation settings of the reference
(``tools/track.py``).  All tracks live in one
:class:`~trackbench.trackers.core.tracks.TrackStore`; each step of a frame is
one compiled kernel over its arrays (:mod:`trackbench.trackers.bytetrack.kernels`
and, shared with ``botsort``, :mod:`trackbench.trackers.core.byte_association`:
with 5-30 tracks a frame, NumPy's per-call overhead, not arithmetic, was the
cost; the bookkeeping around them is :mod:`trackbench.trackers.core.byte_tracker`),
and scipy's solver runs only when an assignment is not trivially determined.
``tests/oracles/bytetrack_ref.py`` is the per-track port checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, TrackOutput
from trackbench.trackers.core import kalman
from trackbench.trackers.core import association_limit, cmc_kernels
from trackbench.trackers.core import byte_association as byte
from trackbench.trackers.core.byte_tracker import ByteLifeCycleTracker
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.core import deepsort_motion as motion
from trackbench.trackers import papers
from trackbench.trackers.space import SCORES, tunable
from trackbench.trackers.bytetrack import kernels

_VH = 7  # state column of the height velocity
#: Deep SORT's noise constants as the kernels take them (see kernels.first_round).
_NOISE = (motion.STD_WEIGHT_POSITION, motion.STD_WEIGHT_VELOCITY, motion.ASPECT_STD_Q_POS, motion.ASPECT_STD_Q_VEL,
          motion.ASPECT_STD_R)


@dataclass
class ByteTrackParams:
    """ByteTrack's parameters; defaults are the reference's MOT17 evaluation settings."""

    track_thresh: float = tunable(0.6, SCORES, SCORES)  # τ_high: detections above are "high score"
    low_thresh: float = tunable(0.1, SCORES, SCORES)  # detections between this and track_thresh are "low score"
    new_track_thresh: float | None = None  # score a detection needs to start a track (None: track_thresh + 0.1)
    match_thresh: float = tunable(0.9, 0.5, 0.95)  # gate of the first association, on 1 - IoU·score
    second_match_thresh: float = tunable(0.5, 0.3, 0.9)  # gate of the low-score association, on 1 - IoU
    unconfirmed_match_thresh: float = 0.7  # gate for tracks started last frame, on 1 - IoU·score
    track_buffer: int = tunable(30, 10, 120, log=True)  # frames a lost track is kept, at 30 fps (scaled by the sequence's fps)
    mot20: bool = False  # true: costs ignore detection scores (the reference's MOT20 mode)
    pixel_inclusive_iou: bool = True  # IoU with +1 pixel extents, as the reference (cython_bbox)
    min_box_area: float = 100.0  # reported boxes need a larger area (pixels²)
    aspect_ratio_thresh: float = 1.6  # reported boxes need width / height <= this

    def validate(self) -> None:
        if not 0.0 <= self.low_thresh <= self.track_thresh:
            raise ValueError("need 0 <= low_thresh <= track_thresh")
        if self.track_buffer < 0:
            raise ValueError("track_buffer must be >= 0")
        for name in ("match_thresh", "second_match_thresh", "unconfirmed_match_thresh"):
            if getattr(self, name) < 0.0:
                raise ValueError(f"{name} must be >= 0")

    def init_thresh(self) -> float:
        return self.track_thresh + 0.1 if self.new_track_thresh is None else self.new_track_thresh


class ByteTrack(ByteLifeCycleTracker):
    """ByteTrack with every track's Kalman filter stepped as one batch."""

    name = "bytetrack"
    paper = papers.BYTETRACK
    Params = ByteTrackParams
    requires = Requirements()

    def _start(self, fps: float) -> None:
        super()._start(fps)
        self.tracks = TrackStore(4, byte.COLUMNS)

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_id += 1
        t = self.tracks
        c = t.columns
        boxes = np.ascontiguousarray(detections.boxes, np.float64)
        scores = np.ascontiguousarray(detections.scores, np.float64)
        association_limit.check(self.name, len(boxes), len(t))  # before any (detections x tracks) matrix
        fuse, inclusive = not p.mot20, p.pixel_inclusive_iou
        # Predict the pool (confirmed tracks, tracked then lost, in list order; lost ones lose their
        # height velocity first); first association: high-score detections, cost 1 - IoU·score.
        pool, unconfirmed, pool_lost, pool_boxes, high, *first = kernels.first_round(
            t.x, t.P, t.confirmed, c["lost"], c["order"], boxes, scores, p.track_thresh, fuse, inclusive,
            p.match_thresh, _NOISE)
        m1, u_pool, u_det = byte.assignment(first, p.match_thresh)
        # Second association: tracks tracked until now against the low-score detections, 1 - IoU.
        rows2, low, *second = byte.second_round(pool_lost, pool_boxes, u_pool, boxes, scores, p.low_thresh,
                                                p.track_thresh, inclusive, p.second_match_thresh)
        m2, free2, _ = byte.assignment(second, p.second_match_thresh)
        # Tracks started last frame, against the high-score detections left.
        left, *third = kernels.unconfirmed_round(t.x, unconfirmed, boxes, scores, high, u_det, fuse, inclusive,
                                                 p.unconfirmed_match_thresh)
        m3, free3, left_free = byte.assignment(third, p.unconfirmed_match_thresh)
        # Correct every matched track, lose the unmatched, age and order the pools (in place).
        rounds = (pool, pool_lost, high, m1, rows2, low, m2, free2, unconfirmed, left, m3, free3, left_free)
        keep, new, order = kernels.correct(
            t.x, t.P, t.confirmed, c["lost"], c["doomed"], c["last"], c["score"], c["order"], self.frame_id,
            self.max_time_lost, boxes, scores, rounds, p.init_thresh(), self._order, _NOISE)
        t.keep(keep)
        if len(new):
            z = motion.boxes_to_xyah(boxes[new])
            x0, P0 = kalman.initiate(z, *motion.initial_variance(z))
            t.add(x0, P0, confirmed=self.frame_id == 1, start=self.frame_id, last=self.frame_id,
                  score=scores[new], order=np.arange(self._order, self._order + len(new), dtype=np.int64))
        return self._finish(order, inclusive)

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: predict the confirmed tracks, report the tracked ones."""
        t, c = self.tracks, self.tracks.columns
        pool = np.flatnonzero(t.confirmed)
        if len(pool):
            x = t.x[pool]
            x[c["lost"][pool], _VH] = 0.0
            t.x[pool], t.P[pool] = kalman.predict(x, t.P[pool], *motion.process_noise(x))
        return self._report()

    def compensate(self, warp: np.ndarray) -> None:
        """Camera motion (``--cmc``): every track's (u, v, a, h) state (tracked, lost, unconfirmed, as
        BoT-SORT warps its pool and unconfirmed tracks) warped as
        :func:`~trackbench.trackers.core.cmc_kernels.warp_uvah` says (one compiled kernel)."""
        cmc_kernels.warp_uvah(self.tracks.x, self.tracks.P, warp)

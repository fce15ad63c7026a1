"""ByteTrack: Multi-Object Tracking by Associating Every Detection Box (Zhang et al., ECCV 2022).

BYTE keeps the low-score detections that other trackers throw away and uses
them to continue tracks that the high-score ones missed (occluded people
score low).  Per frame:

1. Detections split by score: high (``> track_thresh``) and low
   (``> low_thresh`` and ``< track_thresh``).
2. **Predict** the confirmed tracks and the lost ones with the (u, v, a, h)
   Kalman filter whose noise scales with box height (Deep SORT's,
   :mod:`trackbench.trackers.deepsort.motion`); a lost track's height velocity
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
:class:`~trackbench.trackers.core.tracks.TrackStore`, filtered as a batch;
``tests/oracles/bytetrack_ref.py`` is the per-track port checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, Tracker, TrackOutput
from trackbench.trackers.core import kalman
from trackbench.trackers.core.assignment import cost_limited_matching
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.deepsort import motion
from trackbench.trackers import papers

#: Tracked and lost pairs closer than this IoU distance are duplicates (reference constant).
DUPLICATE_DISTANCE = 0.15
_VH = 7  # state column of the height velocity


@dataclass
class ByteTrackParams:
    """ByteTrack's parameters; defaults are the reference's MOT17 evaluation settings."""

    track_thresh: float = 0.6  # τ_high: detections above are "high score"
    low_thresh: float = 0.1  # detections between this and track_thresh are "low score"
    new_track_thresh: float | None = None  # score a detection needs to start a track (None: track_thresh + 0.1)
    match_thresh: float = 0.9  # gate of the first association, on 1 - IoU·score
    second_match_thresh: float = 0.5  # gate of the low-score association, on 1 - IoU
    unconfirmed_match_thresh: float = 0.7  # gate for tracks started last frame, on 1 - IoU·score
    track_buffer: int = 30  # frames a lost track is kept, at 30 fps (scaled by the sequence's fps)
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


#: Per-track columns beside the Kalman state (see TrackStore.columns).
_COLUMNS = {
    "lost": bool,  # in the lost pool (state Lost, or Removed and still matchable this frame)
    "doomed": bool,  # removed for age once: matchable by the next frame's first association only,
    #                  and if re-found there, deleted outright at its next loss
    "order": np.int64,  # position in its pool (tracked or lost): the reference's list order
    "start": np.int64,  # frame the track started
    "last": np.int64,  # frame of its last match
    "score": np.float64,  # score of its last detection
}
_LOST_RANK = np.int64(1) << 40  # lost tracks sort after tracked ones

class ByteTrack(Tracker):
    """ByteTrack with every track's Kalman filter stepped as one batch."""

    name = "bytetrack"
    paper = papers.BYTETRACK
    Params = ByteTrackParams
    requires = Requirements()

    def __init__(self, params: ByteTrackParams | None = None) -> None:
        super().__init__(params)
        self._start(30.0)

    def reset(self, info) -> None:
        super().reset(info)
        self._start(info.fps if info is not None and info.fps else 30.0)

    def _start(self, fps: float) -> None:
        self.tracks = TrackStore(4, _COLUMNS)
        self.frame_id = 0
        self._order = 0
        self.max_time_lost = int(fps / 30.0 * self.params.track_buffer)

    def _next_order(self, n: int) -> np.ndarray:
        out = np.arange(self._order, self._order + n, dtype=np.int64)
        self._order += n
        return out

    def _cost(self, boxes: np.ndarray, det_boxes: np.ndarray, det_scores: np.ndarray, fuse: bool) -> np.ndarray:
        """IoU distance, optionally fused with detection scores, computed as the reference does."""
        cost = 1.0 - iou_matrix(boxes, det_boxes, pixel_inclusive=self.params.pixel_inclusive_iou)
        if fuse:
            cost = 1.0 - (1.0 - cost) * det_scores
        return cost

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_id += 1
        t = self.tracks
        c = t.columns
        scores, boxes = detections.scores, detections.boxes
        high = scores > p.track_thresh
        d1_boxes, d1_scores = boxes[high], scores[high]
        lost_before = c["lost"].copy()
        # Each pool in the reference's list order: confirmed (tracked, then lost), and unconfirmed.
        ranked = np.argsort(c["order"] + lost_before * _LOST_RANK, kind="stable")
        confirmed = t.confirmed[ranked]
        pool, unconfirmed = ranked[confirmed], ranked[~confirmed]
        pool_lost = lost_before[pool]

        # Predict the pool; non-tracked tracks lose their height velocity first.
        x = t.x[pool]
        x[pool_lost, _VH] = 0.0
        x, P = kalman.predict(x, t.P[pool], *motion.process_noise(x))
        t.x[pool], t.P[pool] = x, P
        pool_boxes = motion.xyah_to_boxes(x)

        # First association: high-score detections.
        matches, u_pool, u_det = cost_limited_matching(
            self._cost(pool_boxes, d1_boxes, d1_scores, not p.mot20), p.match_thresh)
        hit_tracks, hit_boxes, hit_scores = [pool[matches[:, 0]]], [d1_boxes[matches[:, 1]]], [d1_scores[matches[:, 1]]]
        refind = hit_tracks[0][pool_lost[matches[:, 0]]]

        # Second association: low-score detections, for tracks tracked until now.
        u_pool = u_pool[~pool_lost[u_pool]]
        newly_lost = pool[u_pool]
        low = (scores > p.low_thresh) & (scores < p.track_thresh)
        if len(u_pool) and low.any():
            d2_boxes, d2_scores = boxes[low], scores[low]
            matches, u_tracked, _ = cost_limited_matching(
                self._cost(pool_boxes[u_pool], d2_boxes, d2_scores, False), p.second_match_thresh)
            hit_tracks.append(newly_lost[matches[:, 0]])
            hit_boxes.append(d2_boxes[matches[:, 1]])
            hit_scores.append(d2_scores[matches[:, 1]])
            newly_lost = newly_lost[u_tracked]

        # Tracks started last frame, against the high-score detections left.
        left_boxes, left_scores = d1_boxes[u_det], d1_scores[u_det]
        drop = None
        u_left = np.arange(len(u_det))
        if len(unconfirmed):
            matches, u_unconfirmed, u_left = cost_limited_matching(
                self._cost(motion.xyah_to_boxes(t.x[unconfirmed]), left_boxes, left_scores, not p.mot20),
                p.unconfirmed_match_thresh)
            hit_tracks.append(unconfirmed[matches[:, 0]])
            hit_boxes.append(left_boxes[matches[:, 1]])
            hit_scores.append(left_scores[matches[:, 1]])
            drop = unconfirmed[u_unconfirmed]

        # Correct every matched track at once (each stage matched different tracks).
        idx = np.concatenate(hit_tracks) if len(hit_tracks) > 1 else hit_tracks[0]
        if len(idx):
            z = motion.boxes_to_xyah(np.concatenate(hit_boxes) if len(hit_boxes) > 1 else hit_boxes[0])
            x = t.x[idx]
            t.x[idx], t.P[idx] = kalman.update(x, t.P[idx], z, motion.measurement_noise(x))
            t.confirmed[idx] = True
            c["lost"][idx] = False
            c["last"][idx] = self.frame_id
            c["score"][idx] = np.concatenate(hit_scores) if len(hit_scores) > 1 else hit_scores[0]
        c["lost"][newly_lost] = True

        # Tracks removed for age (from the lost pool as it was) stay matchable one more frame;
        # the lost pool sheds tracks removed in an earlier frame (not re-found) and re-found
        # tracks lost again (they were removed once already).
        keep = ~(c["lost"] & c["doomed"])
        if drop is not None:
            keep[drop] = False
        c["doomed"] |= lost_before & (self.frame_id - c["last"] > self.max_time_lost)

        # List order: new tracks, then re-found ones, join the tracked list; newly lost join the lost one.
        new = u_left[left_scores[u_left] >= p.init_thresh()]
        if len(new):
            z = motion.boxes_to_xyah(left_boxes[new])
            x0, P0 = kalman.initiate(z, *motion.initial_variance(z))
            t.add(x0, P0, confirmed=self.frame_id == 1, start=self.frame_id, last=self.frame_id,
                  score=left_scores[new], order=self._next_order(len(new)))
            keep = np.concatenate([keep, np.ones(len(new), bool)])
        c = t.columns
        if len(refind):
            c["order"][refind] = self._next_order(len(refind))
        if len(newly_lost):
            c["order"][newly_lost] = self._next_order(len(newly_lost))
        if not keep.all():
            t.keep(keep)
        boxes = motion.xyah_to_boxes(t.x)
        self._remove_duplicates(boxes)
        return self._report()

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: predict the confirmed tracks, report the tracked ones."""
        t, c = self.tracks, self.tracks.columns
        pool = np.flatnonzero(t.confirmed)
        if len(pool):
            x = t.x[pool]
            x[c["lost"][pool], _VH] = 0.0
            t.x[pool], t.P[pool] = kalman.predict(x, t.P[pool], *motion.process_noise(x))
        return self._report()

    def _remove_duplicates(self, boxes: np.ndarray) -> None:
        """Of a tracked and a lost track overlapping by IoU > 0.85, drop the shorter-lived one."""
        t, c = self.tracks, self.tracks.columns
        lost = c["lost"]
        if lost.all() or not lost.any():
            return
        tracked, lost = np.flatnonzero(~lost), np.flatnonzero(lost)
        close = 1.0 - iou_matrix(boxes[tracked], boxes[lost], pixel_inclusive=self.params.pixel_inclusive_iou)
        close = close < DUPLICATE_DISTANCE
        if not close.any():
            return
        lived = c["last"] - c["start"]
        pa, pb = np.nonzero(close)
        a_longer = lived[tracked[pa]] > lived[lost[pb]]
        keep = np.ones(len(t), bool)
        keep[lost[pb[a_longer]]] = False
        keep[tracked[pa[~a_longer]]] = False
        t.keep(keep)

    def _report(self) -> TrackOutput:
        t, c = self.tracks, self.tracks.columns
        shown = np.flatnonzero(t.confirmed & ~c["lost"])
        x = t.x[shown]
        w, h = x[:, 2] * x[:, 3], x[:, 3]
        ok = (w * h > self.params.min_box_area) & ~(w / h > self.params.aspect_ratio_thresh)
        shown = shown[ok]
        return TrackOutput(t.ids[shown], motion.xyah_to_boxes(x[ok]), c["score"][shown])

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
from trackbench.trackers.core.assignment import gated_matching
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.deepsort import motion

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


class ByteTrack(Tracker):
    """ByteTrack with every track's Kalman filter stepped as one batch."""

    name = "bytetrack"
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

    # -- helpers -------------------------------------------------------------------------

    def _next_order(self, n: int) -> np.ndarray:
        out = np.arange(self._order, self._order + n, dtype=np.int64)
        self._order += n
        return out

    def _iou(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return iou_matrix(a, b, pixel_inclusive=self.params.pixel_inclusive_iou)

    def _cost(self, boxes: np.ndarray, det_boxes: np.ndarray, det_scores: np.ndarray, fuse: bool) -> np.ndarray:
        """IoU distance, optionally fused with detection scores, computed as the reference does."""
        cost = 1.0 - self._iou(boxes, det_boxes)
        if fuse and cost.size:
            cost = 1.0 - (1.0 - cost) * det_scores[None, :]
        return cost

    def _match(self, cost: np.ndarray, thresh: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """lap's ``cost_limit`` assignment: a pair is worth making only if it costs less than
        leaving both sides unmatched (``thresh``), so gated pairs are priced at ``thresh``.
        Unmatched indices come back ascending, as lap's."""
        matches, rows, cols = gated_matching(cost, thresh, gated_cost=thresh)
        return matches, np.sort(rows), np.sort(cols)

    def _correct(self, idx: np.ndarray, det_boxes: np.ndarray, det_scores: np.ndarray) -> None:
        """Kalman update of tracks ``idx`` with their detections; they are tracked now."""
        t, c = self.tracks, self.tracks.columns
        x, P = t.x[idx], t.P[idx]
        t.x[idx], t.P[idx] = kalman.update(x, P, motion.boxes_to_xyah(det_boxes), motion.measurement_noise(x))
        t.confirmed[idx] = True
        c["lost"][idx] = False
        c["last"][idx] = self.frame_id
        c["score"][idx] = det_scores

    def _pool(self) -> np.ndarray:
        """Confirmed tracked tracks, then the lost pool, each in the reference's list order."""
        t, c = self.tracks, self.tracks.columns
        members = np.flatnonzero(t.confirmed | c["lost"])
        return members[np.lexsort((c["order"][members], c["lost"][members]))]

    # -- one frame -------------------------------------------------------------------------

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_id += 1
        t, c = self.tracks, self.tracks.columns
        scores = detections.scores
        high = scores > p.track_thresh
        low = (scores > p.low_thresh) & (scores < p.track_thresh)
        d1_boxes, d1_scores = detections.boxes[high], scores[high]
        d2_boxes, d2_scores = detections.boxes[low], scores[low]
        lost_before = c["lost"].copy()
        doomed_before = c["doomed"].copy()
        unconfirmed = np.flatnonzero(~t.confirmed & ~c["lost"])
        unconfirmed = unconfirmed[np.argsort(c["order"][unconfirmed], kind="stable")]

        # Predict the pool; non-tracked tracks lose their height velocity first.
        pool = self._pool()
        if len(pool):
            x = t.x[pool]
            x[lost_before[pool], _VH] = 0.0
            t.x[pool], t.P[pool] = kalman.predict(x, t.P[pool], *motion.process_noise(x))
        pool_boxes = motion.xyah_to_boxes(t.x[pool])

        # First association: high-score detections.
        cost = self._cost(pool_boxes, d1_boxes, d1_scores, fuse=not p.mot20)
        matches, u_pool, u_det = self._match(cost, p.match_thresh)
        refind = pool[matches[:, 0]][lost_before[pool[matches[:, 0]]]]
        self._correct(pool[matches[:, 0]], d1_boxes[matches[:, 1]], d1_scores[matches[:, 1]])

        # Second association: low-score detections, for tracks tracked until now.
        r_tracked = pool[u_pool][~lost_before[pool[u_pool]]]
        cost = self._cost(pool_boxes[u_pool][~lost_before[pool[u_pool]]], d2_boxes, d2_scores, fuse=False)
        matches, u_tracked, _ = self._match(cost, p.second_match_thresh)
        self._correct(r_tracked[matches[:, 0]], d2_boxes[matches[:, 1]], d2_scores[matches[:, 1]])
        newly_lost = r_tracked[u_tracked]
        c["lost"][newly_lost] = True

        # Tracks started last frame, against the high-score detections left.
        left_boxes, left_scores = d1_boxes[u_det], d1_scores[u_det]
        unc_boxes = motion.xyah_to_boxes(t.x[unconfirmed])
        cost = self._cost(unc_boxes, left_boxes, left_scores, fuse=not p.mot20)
        matches, u_unconfirmed, u_left = self._match(cost, p.unconfirmed_match_thresh)
        self._correct(unconfirmed[matches[:, 0]], left_boxes[matches[:, 1]], left_scores[matches[:, 1]])
        drop = np.zeros(len(t), bool)
        drop[unconfirmed[u_unconfirmed]] = True

        # Tracks removed for age (from the lost pool as it was) stay matchable one more frame.
        aged = lost_before & (self.frame_id - c["last"] > self.max_time_lost)
        # The lost pool sheds tracks removed in an earlier frame (not re-found) and
        # re-found tracks lost again (they were removed once already).
        drop |= c["lost"] & doomed_before
        c["doomed"] |= aged

        # New tracks: high-score detections left, scoring at least new_track_thresh.
        new = u_left[left_scores[u_left] >= p.init_thresh()]
        z = motion.boxes_to_xyah(left_boxes[new])
        x0, P0 = kalman.initiate(z, *motion.initial_variance(z))
        keep = ~drop
        added = t.add(x0, P0, confirmed=self.frame_id == 1, start=self.frame_id, last=self.frame_id,
                      score=left_scores[new], order=self._next_order(len(new)))
        keep = np.concatenate([keep, np.ones(len(added), bool)])
        # List order: new tracks, then re-found ones, join the tracked list; newly lost join the lost one.
        c = t.columns
        c["order"][refind] = self._next_order(len(refind))
        c["order"][newly_lost] = self._next_order(len(newly_lost))
        t.keep(keep)
        self._remove_duplicates()
        return self._report()

    def _remove_duplicates(self) -> None:
        """Of a tracked and a lost track overlapping by IoU > 0.85, drop the shorter-lived one."""
        t, c = self.tracks, self.tracks.columns
        tracked, lost = np.flatnonzero(~c["lost"]), np.flatnonzero(c["lost"])
        if len(tracked) == 0 or len(lost) == 0:
            return
        boxes = motion.xyah_to_boxes(t.x)
        close = 1.0 - self._iou(boxes[tracked], boxes[lost]) < DUPLICATE_DISTANCE
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
        shown = shown[np.argsort(c["order"][shown], kind="stable")]
        x = t.x[shown]
        boxes = motion.xyah_to_boxes(x)
        w, h = x[:, 2] * x[:, 3], x[:, 3]
        ok = (w * h > self.params.min_box_area) & ~(w / h > self.params.aspect_ratio_thresh)
        return TrackOutput(t.ids[shown[ok]], boxes[ok], c["score"][shown[ok]])

"""BoT-SORT: Robust Associations Multi-Pedestrian Tracking (Aharon et al., arXiv 2022).

BoT-SORT is ByteTrack's two-stage association with three changes:

1. **Kalman state (x, y, w, h)** instead of (u, v, a, h): width and height are
   filtered directly, with noise scaled by width on x and w and by height on y
   and h (:mod:`trackbench.trackers.core.botsort_motion`), which fits box widths
   better than an aspect ratio with almost no noise.
2. **Camera-motion compensation**: after the prediction, every track of the
   pool (tracked and lost) and every unconfirmed track is warped by the
   camera's motion into this frame (``M = I₄ ⊗ A`` on the state, ``M P Mᵀ`` on
   the full covariance).  The motion comes from the harness (``--cmc``: GMC
   files or an OpenCV estimate, :meth:`BoTSort.compensate`); without ``--cmc``
   the camera is taken as still (the reference's ``--cmc-method none``).
3. **IoU–appearance fusion** when an ``embedder`` is given (any trackbench
   embedder, as Deep SORT's ``embedder`` parameter): the first and the
   unconfirmed rounds use ``min(1 − IoU·score, d_cos)``, where the cosine
   distance / 2 of the track's smoothed vector (EMA, α = 0.9) to the
   detection's counts only if it is at most ``appearance_thresh`` and the IoU
   distance is at most ``proximity_thresh`` (else 1).  Without an embedder the
   cost is ByteTrack's ``1 − IoU·score``.

Per frame: detections split into high (``> track_high_thresh``) and low
(``> track_low_thresh``, ``< track_high_thresh``) scores; first round pool ×
high gated at ``match_thresh``; second round (tracks tracked until now, left
over) × low on ``1 − IoU`` gated at 0.5; unconfirmed × high left over gated at
0.7 (unmatched unconfirmed tracks are deleted); high detections left with a
score of at least ``new_track_thresh`` start tracks; lost tracks unseen for
more than ``track_buffer · fps / 30`` frames are removed; a tracked/lost pair
overlapping by IoU > 0.85 keeps the older track.  Reported: every tracked
track — the reference returns its whole tracked list, so a track started this
frame is reported from its first frame — with its Kalman box, except boxes of
area ``<= min_box_area`` or wider than ``aspect_ratio_thresh · height`` (the
output filter of its ``tools/track.py``).

Defaults are the MOT17 settings of NirAharon/BoT-SORT ``tools/track.py``; the
per-sequence overrides of its ``--default-parameters`` mode are not applied
(``track_buffer · fps / 30`` gives MOT17-05 its 14 frames as they do).  All
tracks live in one :class:`~trackbench.trackers.core.tracks.TrackStore` whose
column ``cov`` holds the full covariances (its per-axis ``P`` is unused); each
step of a frame is one compiled kernel (:mod:`trackbench.trackers.botsort.kernels`;
ByteTrack's rounds and life cycle, shared with ``bytetrack``, are
:mod:`trackbench.trackers.core.byte_association` and
:mod:`trackbench.trackers.core.byte_tracker`), and scipy's solver runs only
when an assignment is not trivially determined.
``benchmarks/botsort_fidelity.py`` compares it frame by frame with the
authors' code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers import papers
from trackbench.trackers.base import Requirements, TrackOutput
from trackbench.trackers.botsort import kernels
from trackbench.trackers.core import association_limit
from trackbench.trackers.core import botsort_motion as motion
from trackbench.trackers.core import byte_association as byte
from trackbench.trackers.core.byte_tracker import ByteLifeCycleTracker
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.space import SCORES, tunable

_IDENTITY = np.eye(2, 3)
_NO_VECTORS = np.zeros((0, 1))


@dataclass
class BoTSortParams:
    """BoT-SORT's parameters; defaults are the reference's MOT17 settings (``tools/track.py``)."""

    track_high_thresh: float = tunable(0.6, SCORES, SCORES)  # detections above are "high score"
    track_low_thresh: float = tunable(0.1, SCORES, SCORES)  # detections between this and the high one are "low score"
    new_track_thresh: float = tunable(0.7, SCORES, SCORES)  # score a detection needs to start a track
    match_thresh: float = tunable(0.8, 0.5, 0.95)  # gate of the first association (cost)
    second_match_thresh: float = 0.5  # gate of the low-score association, on 1 - IoU
    unconfirmed_match_thresh: float = 0.7  # gate for tracks started last frame
    track_buffer: int = tunable(30, 10, 120, log=True)  # frames a lost track is kept, at 30 fps (scaled by fps)
    proximity_thresh: float = tunable(0.5, 0.2, 0.9)  # appearance counts only for pairs with 1 - IoU at most this
    appearance_thresh: float = tunable(0.25, 0.1, 0.5)  # appearance counts only with cosine distance / 2 at most this
    embedder: str | None = None  # appearance embedder spec (see trackers.embedders); None: IoU only
    features: str | None = None  # folder of <sequence>.npy files for embedder=precomputed
    device: str = "auto"  # where a deep embedder runs: auto, cpu, cuda
    feature_momentum: float = 0.9  # α of the tracks' appearance EMA
    mot20: bool = False  # true: costs ignore detection scores (the reference's MOT20 mode)
    pixel_inclusive_iou: bool = True  # IoU with +1 pixel extents, as the reference (cython_bbox)
    min_box_area: float = 10.0  # reported boxes need a larger area (pixels²)
    aspect_ratio_thresh: float = 1.6  # reported boxes need width / height <= this

    def validate(self) -> None:
        if not 0.0 <= self.track_low_thresh <= self.track_high_thresh:
            raise ValueError("need 0 <= track_low_thresh <= track_high_thresh")
        if self.track_buffer < 0:
            raise ValueError("track_buffer must be >= 0")
        if not 0.0 <= self.feature_momentum <= 1.0:
            raise ValueError("feature_momentum must lie in [0, 1]")
        for name in ("match_thresh", "second_match_thresh", "unconfirmed_match_thresh", "proximity_thresh",
                     "appearance_thresh"):
            if getattr(self, name) < 0.0:
                raise ValueError(f"{name} must be >= 0")


#: Per-track columns beside the mean (see TrackStore.columns): the full covariance of (x, y, w, h, vx, vy,
#: vw, vh) and ByteTrack's life cycle; ``feat`` is added when vectors are used.
_COLUMNS = {"cov": (np.float64, (8, 8)), **byte.COLUMNS}


class BoTSort(ByteLifeCycleTracker):
    """BoT-SORT with every step of a frame one compiled kernel over all tracks."""

    name = "botsort"
    paper = papers.BOTSORT
    Params = BoTSortParams
    requires = Requirements()
    xywh = True  # (x, y, w, h) states
    confirmed_only = False  # the reference reports its whole tracked list

    def __init__(self, params: BoTSortParams | None = None) -> None:
        super().__init__(params)
        # Appearance vectors only with an embedder (an instance attribute: the runner asks the instance).
        self.requires = Requirements(features=bool(self.params.embedder))

    def _start(self, fps: float) -> None:
        super()._start(fps)
        self.tracks: TrackStore | None = None  # built at the first frame, when the vectors' width is known
        self._warp = _IDENTITY
        self._warped = False

    def _store(self, dim: int) -> TrackStore:
        if self.tracks is None:
            columns = dict(_COLUMNS, feat=(np.float64, (max(dim, 1),)))
            self.tracks = TrackStore(4, columns)
        return self.tracks

    def compensate(self, warp: np.ndarray) -> None:
        """The camera motion into the coming frame; applied after that frame's prediction (the reference's
        order) to the pool and the unconfirmed tracks, as :func:`motion.warp` says."""
        self._warp = np.ascontiguousarray(warp, np.float64)
        self._warped = True

    def _take_warp(self) -> tuple[np.ndarray, bool]:
        warp, warped = self._warp, self._warped
        self._warp, self._warped = _IDENTITY, False
        return warp, warped

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_id += 1
        boxes = np.ascontiguousarray(detections.boxes, np.float64)
        scores = np.ascontiguousarray(detections.scores, np.float64)
        appearance = bool(p.embedder) and detections.features is not None
        det_feat = (np.ascontiguousarray(detections.features, np.float64) if appearance else _NO_VECTORS)
        t = self._store(det_feat.shape[1])
        association_limit.check(self.name, len(boxes), len(t))  # before any (detections x tracks) matrix
        c = t.columns
        inclusive, fuse = p.pixel_inclusive_iou, not p.mot20
        warp, warped = self._take_warp()
        gates = (appearance, p.proximity_thresh, p.appearance_thresh)
        pool, unconfirmed, pool_lost, pool_boxes, high, *first = kernels.first_round(
            t.x, c["cov"], t.confirmed, c["lost"], c["order"], boxes, scores, p.track_high_thresh, warp, warped,
            inclusive, fuse, c["feat"], det_feat, *gates, p.match_thresh, motion.NOISE)
        m1, u_pool, u_det = byte.assignment(first, p.match_thresh)
        rows2, low, *second = byte.second_round(pool_lost, pool_boxes, u_pool, boxes, scores, p.track_low_thresh,
                                                p.track_high_thresh, inclusive, p.second_match_thresh)
        m2, free2, _ = byte.assignment(second, p.second_match_thresh)
        left, *third = kernels.unconfirmed_round(t.x, unconfirmed, boxes, scores, high, u_det, inclusive, fuse,
                                                 c["feat"], det_feat, *gates, p.unconfirmed_match_thresh)
        m3, free3, left_free = byte.assignment(third, p.unconfirmed_match_thresh)
        rounds = (pool, pool_lost, high, m1, rows2, low, m2, free2, unconfirmed, left, m3, free3, left_free)
        keep, new, order = kernels.correct(
            t.x, c["cov"], t.confirmed, c["lost"], c["doomed"], c["last"], c["score"], c["order"], self.frame_id,
            self.max_time_lost, boxes, scores, rounds, p.new_track_thresh, self._order, motion.NOISE, c["feat"],
            det_feat, appearance, p.feature_momentum)
        t.keep(keep)
        if len(new):
            self._add(t, boxes, scores, new, det_feat if appearance else None)
        return self._finish(order, inclusive)

    def _add(self, t: TrackStore, boxes: np.ndarray, scores: np.ndarray, new: np.ndarray,
             det_feat: np.ndarray | None) -> None:
        """Tracks started from detections ``new`` (ids in order); confirmed at once on the first frame."""
        k = len(new)
        first = len(t)
        t.add(np.zeros((k, 8)), np.zeros((k, 3, 4)), confirmed=self.frame_id == 1, start=self.frame_id,
              last=self.frame_id, score=scores[new], order=np.arange(self._order, self._order + k, dtype=np.int64))
        c = t.columns
        kernels.start(t.x, c["cov"], first, boxes, new, motion.NOISE)
        if det_feat is not None:
            vectors = det_feat[new]
            c["feat"][first:] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: confirmed tracks predicted, all warped, the tracked ones reported."""
        if self.tracks is None:
            return TrackOutput.empty()
        t, c = self.tracks, self.tracks.columns
        warp, warped = self._take_warp()
        kernels.coast_predict(t.x, c["cov"], t.confirmed, c["lost"], warp, warped, motion.NOISE)
        return self._report()

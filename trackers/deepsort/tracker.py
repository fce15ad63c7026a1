"""Deep SORT: Simple Online and Realtime Tracking with a Deep Association Metric (Wojke et al., ICIP 2017).

Per frame:

1. **Detections** below ``min_confidence`` or lower than ``min_detection_height``
   are dropped and non-maximum suppression runs at ``nms_max_overlap``
   (:mod:`.detections`), as the reference application does.
2. **Predict** every track with the (u, v, a, h) constant-velocity Kalman
   filter whose noise scales with the box height (:mod:`trackbench.trackers.core.deepsort_motion`).
3. **Matching cascade** (:mod:`.cascade`): confirmed tracks are matched to
   detections by the paper's ``λ·d⁽¹⁾ + (1-λ)·d⁽²⁾`` — squared Mahalanobis
   distance and nearest-neighbour cosine distance to the track's gallery of
   appearance vectors (:mod:`.appearance`) — where both gates pass: the χ²
   95 % quantile (9.4877) and ``max_cosine_distance``, at every λ; tracks seen
   more recently choose first.
4. **IoU matching** of the tentative tracks and of the confirmed tracks missed
   for exactly one frame against the detections left, with gate
   ``max_iou_distance``.  The confirmed candidates are taken in ascending track
   order; nwojke/deep_sort takes them in the iteration order of a Python set
   difference, which can differ when the order decides a tie (on MOT17-05 it
   never differed and the outputs are identical to the authors' file).
5. Matched tracks are corrected and add the detection's vector to their
   gallery (the last ``nn_budget`` are kept); a tentative track is confirmed
   after ``n_init`` detections and deleted at its first miss; a confirmed one
   is deleted after ``max_age`` consecutive misses; each detection left starts
   a tentative track.
6. **Report** confirmed tracks updated this frame or missed only this frame,
   with the filter's box (corrected, or predicted for the missed ones).

On frames without a detector run (:meth:`DeepSort.coast`, ``--detect-every K >
1``) the filters predict one frame, the life cycle (ages, misses, ``max_age``,
``n_init``) counts detector frames only, and the tracks reported on the last
detector frame are reported at their predicted boxes.  With detections on
every frame this never runs, so results equal the reference's.

The defaults are the reference application's (nwojke/deep_sort): λ = 0, so
appearance decides and motion only gates.  Every track lives in one
:class:`~trackbench.trackers.core.tracks.TrackStore` and one gallery pool, and each step
above is a compiled kernel over all tracks and detections at once (:mod:`.kernels`).
The definition is the reference: the tests compare whole runs with a per-track port of
it (``tests/oracles/deepsort_ref.py``) and with the authors' own output files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers import embedders
from trackbench.trackers.base import Requirements, Tracker, TrackOutput, coasted
from trackbench.trackers.core import kalman
from trackbench.trackers.core import association_limit, cmc_kernels, jit
from trackbench.trackers.core.assignment import solve_gated
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.deepsort import cascade, kernels
from trackbench.trackers.core import deepsort_motion as motion
from trackbench.trackers.deepsort.appearance import Galleries
from trackbench.trackers.deepsort.detections import select
from trackbench.trackers import papers
from trackbench.trackers.space import SCORES, tunable

#: Embedder used when none is named: the pretrained offline default (see
#: trackers.embedders.DEFAULT_REASON for why it is the default).
DEFAULT_EMBEDDER = embedders.DEFAULT_EMBEDDER
_NO_PAIRS = np.zeros((0, 2), np.int64)
#: Deep SORT's noise constants as the kernels take them (arguments, not globals: see core.jit).
_Q_NOISE = (motion.STD_WEIGHT_POSITION, motion.STD_WEIGHT_VELOCITY,
            motion.ASPECT_STD_Q_POS * motion.ASPECT_STD_Q_POS, motion.ASPECT_STD_Q_VEL * motion.ASPECT_STD_Q_VEL)
_R_ASPECT = motion.ASPECT_STD_R * motion.ASPECT_STD_R


@dataclass
class DeepSortParams:
    """Deep SORT's parameters, with the reference application's defaults.

    ``lambda_`` is set on the command line as ``--param lambda=...``; it is the
    paper's λ (eq. 5), see :mod:`.cascade`; ``cost="normalised"`` is a
    non-paper variant with the motion term rescaled.

    ``min_confidence`` is off by default (the reference application used 0.8,
    tuned for its detector): every tracker in a leaderboard must see the same
    detections, so the harness's ``--min-score`` is the one score threshold.

    ``max_cosine_distance`` is the appearance gate and must fit the embedder's
    distances (0.2 was tuned for deep_sort's 128-d person network).
    ``benchmarks/appearance_gate.py`` measures, on real pedestrians, the
    distance from each gt crop to its own identity's nearest earlier crop and
    to other identities'.  For the default embedder (``reid``): on mot17-mini
    (gaps of 1–7 frames; MOT17 is in reid's training data) 0.2 admits 97.9 %
    of own-identity pairs and 1.3 % of other identities; on PETS09-S2L1 (not
    trained on; gaps of 1.4–4.3 s) 40.6 % and 1.6 %, where 0.3 admits 66.7 % and
    6.4 %, 0.4 78.8 % and 13.1 %.  0.2 stays the default: the gate that keeps
    wrong identities out (≤ 2 % on both sets), leaving re-identification over
    long gaps to the cascade's recent-first order and the motion gate.  The
    earlier default embedder ``mobilenet`` gave 99.8 % / 7.7 % (mot17-mini) and
    88 % / 15 % (PETS09) at 0.2.  With another embedder run that script.
    """

    lambda_: float = tunable(0.0, 0.0, 1.0)  # λ of the paper's cost λ·d1 + (1-λ)·d2 (0: appearance decides, motion only gates)
    cost: str = "paper"  # paper: d1 = raw squared Mahalanobis; normalised: d1 scaled by max_cosine_distance/9.4877
    max_cosine_distance: float = tunable(0.2, 0.1, 0.5)  # appearance gate (d2 above it is inadmissible at every λ); see the docstring
    nn_budget: int | None = 100  # appearance vectors kept per track (None: all)
    max_iou_distance: float = tunable(0.7, 0.5, 0.9)  # gate of the IoU stage (1 - IoU)
    max_age: int = tunable(30, 10, 100, log=True)  # consecutive misses before a confirmed track is deleted
    n_init: int = tunable(3, 1, 5)  # detections before a track is confirmed
    min_confidence: float = tunable(float("-inf"), SCORES, SCORES)  # detections with lower confidence are ignored (default: none)
    min_detection_height: float = 0.0  # detections lower than this (pixels) are ignored
    nms_max_overlap: float = 1.0  # non-maximum suppression threshold (1.0: none)
    embedder: str = DEFAULT_EMBEDDER  # appearance embedder spec (see trackers.embedders), or "precomputed"
    features: str | None = None  # folder of <sequence>.npy files for embedder=precomputed
    device: str = "auto"  # where a deep embedder runs: auto, cpu, cuda

    def validate(self) -> None:
        if not 0.0 <= self.lambda_ <= 1.0:
            raise ValueError("lambda must lie in [0, 1]")
        if self.cost not in cascade.COSTS:
            raise ValueError(f"cost must be one of {', '.join(cascade.COSTS)}, got {self.cost!r}")
        if self.max_cosine_distance <= 0.0:
            raise ValueError("max_cosine_distance must be > 0")
        if self.nn_budget is not None and self.nn_budget < 1:
            raise ValueError("nn_budget must be >= 1 (or none)")
        if not 0.0 <= self.max_iou_distance <= 1.0:
            raise ValueError("max_iou_distance must lie in [0, 1]")
        if self.max_age < 0 or self.n_init < 1:
            raise ValueError("max_age must be >= 0 and n_init >= 1")


class DeepSort(Tracker):
    """Deep SORT with all tracks filtered, gated and compared as one batch."""

    name = "deepsort"
    paper = papers.DEEPSORT
    Params = DeepSortParams
    requires = Requirements(features=True)
    compensates_camera = True

    def __init__(self, params: DeepSortParams | None = None) -> None:
        super().__init__(params)
        self._clear()

    def _clear(self) -> None:
        self.tracks = TrackStore(4)
        self.galleries = Galleries(self.params.nn_budget)
        self.reported = np.zeros(0, np.int64)  # ids reported on the last detector frame

    def reset(self, info) -> None:
        super().reset(info)
        jit.warm_up(DeepSort, features=8)
        self._clear()

    def _keep(self, mask: np.ndarray) -> None:
        self.tracks.keep(mask)
        self.galleries.keep(mask)

    def _predict(self, count_frame: bool = True) -> None:
        """Advance every filter one frame; ``count_frame=False`` (no detector run) leaves ages and misses."""
        t = self.tracks
        kernels.predict(t.x, t.P, t.counters, count_frame, _Q_NOISE)

    def _cascade_costs(self, confirmed: np.ndarray, z: np.ndarray, features: np.ndarray) -> tuple[np.ndarray, float]:
        """The cascade's gated cost matrix (confirmed tracks x detections) and its threshold.

        Appearance is computed only for the pairs inside the motion gate (a
        track's gate holds one or two detections even in a crowd); every other
        pair is inadmissible whatever its appearance, so it is priced at the gate.
        """
        p, t, g = self.params, self.tracks, self.galleries
        # Plain floats and ints throughout: each new argument type would be another compiled variant.
        lam, gate = float(p.lambda_), float(p.max_cosine_distance)
        threshold, scale = cascade.cost_threshold(lam, gate, p.cost)
        gated = kernels.cascade_costs(t.x, t.P, confirmed, z, np.ascontiguousarray(features, np.float32), g.pool,
                                      g.rows, g.count, -1 if g.budget is None else int(g.budget),
                                      motion.STD_WEIGHT_POSITION, _R_ASPECT, lam, gate, float(scale),
                                      motion.GATING_THRESHOLD, float(threshold))
        return gated, threshold

    def _cascade(self, confirmed: np.ndarray, z: np.ndarray, features: np.ndarray, free: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        """The matching cascade of the confirmed tracks: matches (track index, detection) and detections left."""
        gated, threshold = self._cascade_costs(confirmed, z, features)
        matches, free = cascade.matching_cascade(gated, self.tracks.time_since_update[confirmed],
                                                 int(self.params.max_age), threshold, free)
        matches[:, 0] = confirmed[matches[:, 0]]
        return matches, free

    def _associate(self, z: np.ndarray, boxes: np.ndarray, features: np.ndarray | None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Matches (P, 2) of (track index, detection index) and the detections left over."""
        p, t = self.params, self.tracks
        free = np.arange(len(z))
        if len(t) == 0 or len(z) == 0:
            return _NO_PAIRS, free
        confirmed = t.confirmed.nonzero()[0]
        matches = _NO_PAIRS
        if len(confirmed):
            if features is None:
                raise ValueError("deepsort needs appearance vectors with the detections (both gates apply at every lambda)")
            matches, free = self._cascade(confirmed, z, features, free)
        # IoU stage: tentative tracks, then confirmed tracks missed only this frame and still free.
        # Every candidate was seen on the previous detector frame (a tentative track dies at its
        # first miss), so none is priced out as too old, which the reference's IoU cost would do.
        if len(free):
            candidates, cost = kernels.iou_stage(t.x, t.confirmed, t.counters, matches, boxes, free,
                                                 float(p.max_iou_distance))
            if len(candidates):
                r, d, free = solve_gated(cost, p.max_iou_distance, free)
                if len(r):
                    pairs = cascade.pairs(candidates[r], d)
                    matches = np.concatenate([matches, pairs]) if len(matches) else pairs
        return matches, free

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p, t = self.params, self.tracks
        order = select(detections.boxes, detections.scores, p.min_confidence,
                       p.min_detection_height, p.nms_max_overlap)
        association_limit.check(self.name, len(order), len(t))  # before any (detections x tracks) matrix
        boxes = np.ascontiguousarray(detections.boxes[order], np.float64)
        features = None if detections.features is None else detections.features[order]
        z = motion.boxes_to_xyah(boxes)
        self._predict()
        matches, free = self._associate(z, boxes, features)

        n = len(t)
        dead = kernels.correct(t.x, t.P, t.counters, t.confirmed, matches, z, motion.STD_WEIGHT_POSITION,
                               _R_ASPECT, int(p.n_init), int(p.max_age))
        if len(matches) and features is not None:
            self.galleries.append(matches[:, 0], features[matches[:, 1]])
        if len(free):
            zf = z[free]
            x0, P0 = kalman.initiate(zf, *motion.initial_variance(zf))
            t.add(x0, P0)
            self.galleries.add(features[free] if features is not None else len(free))
        if dead.any():
            keep = np.ones(len(t), bool)
            keep[:n] = ~dead
            self._keep(keep)

        # A missed track's prediction can shrink past zero height after frames without a
        # detector run; such a box is not reported (it cannot be written or scored).
        shown, out = kernels.report(t.x, t.confirmed, t.counters)
        self.reported = t.ids[shown]
        return TrackOutput(self.reported, out)

    def compensate(self, warp: np.ndarray) -> None:
        """Camera motion (``--cmc``): the (u, v, a, h) states warped as
        :func:`~trackbench.trackers.core.cmc_kernels.warp_uvah` says (appearance galleries are not positions:
        untouched)."""
        cmc_kernels.warp_uvah(self.tracks.x, self.tracks.P, warp)

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: predict, and report last detector frame's tracks there."""
        self._predict(count_frame=False)
        return coasted(self.tracks.ids, motion.xyah_to_boxes(self.tracks.x), self.reported)

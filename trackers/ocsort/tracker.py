"""OC-SORT: Observation-Centric SORT (Cao et al., CVPR 2023).

SORT's Kalman filter on (u, v, s, r) drifts while a track is unobserved;
OC-SORT trusts the detections ("observations") instead.  Per frame:

1. Detections scoring above ``det_thresh`` are kept (with ``use_byte``, those
   between 0.1 and ``det_thresh`` serve a second, BYTE-style round).
2. **Predict** every track (SORT's filter: noise, initial covariance and the
   area-velocity clamp as abewley/sort).
3. **First association** by IoU plus **observation-centric momentum** (OCM):
   each track carries the direction of motion between two of its
   observations ``delta_t`` frames apart; a detection in a consistent
   direction earns ``inertia · score · (π/2 - angle) / π`` on top of its IoU.
   Pairs with IoU under ``iou_threshold`` are rejected.
4. **Observation-centric recovery** (OCR): tracks still unmatched are matched
   by IoU between their *last observation* and the detections left.
5. **Observation-centric re-update** (ORU): a track matched after a gap has
   its filter rewound to the frame after its last observation and replayed
   along a straight virtual trajectory from that observation to the new one,
   which undoes the drift the gap accumulated.
6. Unmatched detections start tracks; a track is reported on frames it is
   matched once it has ``min_hits`` consecutive matches (or in the first
   ``min_hits`` frames), with the detection's box; deleted after ``max_age``
   misses.  Boxes of area ``<= min_box_area`` or wider than
   ``aspect_ratio_thresh · height`` are not reported (the reference's MOT17
   output filter).

Everything follows noahcao/OC_SORT (``trackers/ocsort_tracker/ocsort.py``,
``association.py`` and the filterpy-derived ``kalmanfilter.py``), including
the details that decide ids (the order of unmatched detections, the "no
observation" placeholder boxes, the solver-free shortcut when every candidate
pair is unique).  Association uses IoU, the MOT17 setting; the paper's other
cost functions are not ported.  All tracks live in one
:class:`~trackbench.trackers.core.tracks.TrackStore`; each step of a frame is
one compiled kernel over its arrays (:mod:`trackbench.trackers.ocsort.kernels`),
and scipy's solver runs only when an assignment is not trivially determined.
``tests/oracles/ocsort_ref.py`` is the per-track port checked against.
noahcao/OC_SORT solves with ``lap.lapjv`` when ``lap`` is installed and with
scipy otherwise; on a tie (a track whose cost row is all zeros) the two pick
different detections, so the reference run with ``lap`` can give new tracks
ids that are a consistent relabelling of trackbench's, which equal its scipy
path's (seen on MOT17-10, YOLOX detections, ``det_thresh`` 0.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, Tracker, TrackOutput, coasted
from trackbench.trackers.core import association_limit, cmc_kernels, jit, kalman
from trackbench.trackers.core.assignment import max_iou_matching
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.core.sort_motion import P0_POS, P0_VEL, Q_POS, Q_VEL, R, drop_non_finite
from trackbench.trackers import papers
from trackbench.trackers.space import SCORES, tunable
from trackbench.trackers.ocsort import kernels

#: The reference's "no observation yet" box (x1, y1, x2, y2, score).
NO_OBSERVATION = np.array([-1.0, -1.0, -1.0, -1.0, -1.0])
#: Low-score floor of the optional BYTE round (reference constant).
BYTE_LOW = 0.1
_NEVER = -(2**40)  # ring age of an empty observation slot


@dataclass
class OcSortParams:
    """OC-SORT's parameters; defaults are the reference's MOT17 evaluation settings."""

    det_thresh: float = tunable(0.6, SCORES, SCORES)  # detections scoring above this are associated and start tracks
    max_age: int = tunable(30, 5, 120, log=True)  # misses before a track is deleted
    min_hits: int = tunable(3, 1, 6)  # consecutive matches before a track is reported
    iou_threshold: float = tunable(0.3, 0.1, 0.6)  # minimum IoU of a match (all rounds)
    delta_t: int = tunable(3, 1, 5)  # frames between the two observations that give a track's direction
    inertia: float = tunable(0.2, 0.05, 0.6)  # weight of the direction-consistency (OCM) term in the first round
    use_byte: bool = tunable(False, choices=(False, True))  # second round on detections scoring between 0.1 and det_thresh
    min_box_area: float = 100.0  # reported boxes need a larger area (pixels²)
    aspect_ratio_thresh: float = 1.6  # reported boxes need width / height <= this

    def validate(self) -> None:
        if self.max_age < 0 or self.min_hits < 0:
            raise ValueError("max_age and min_hits must be >= 0")
        if self.delta_t < 1:
            raise ValueError("delta_t must be >= 1")
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError("iou_threshold must lie in [0, 1]")


def boxes_to_z(boxes: np.ndarray) -> np.ndarray:
    """Corner boxes to (u, v, s, r) as the reference converts them (``r = w / (h + 1e-6)``)."""
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    return np.stack([boxes[:, 0] + w / 2.0, boxes[:, 1] + h / 2.0, w * h, w / (h + 1e-6)], axis=1)


_COLUMNS_BASE = {
    "last_obs": (np.float64, (5,)),  # last observation (box, score), or NO_OBSERVATION
    "velocity": (np.float64, (2,)),  # direction (dy, dx) between observations; zero when unknown
    "observed": bool,  # the filter's last step was an update (not a miss)
    "frozen": bool,  # a state was saved at the first miss after an observation (for ORU)
    "frozen_x": (np.float64, (8,)),
    "frozen_P": (np.float64, (3, 4)),
    "last_z": (np.float64, (4,)),  # the last measurement the filter took (real or virtual)
}


class OcSort(Tracker):
    """OC-SORT with every track's Kalman filter stepped as one batch."""

    name = "ocsort"
    paper = papers.OCSORT
    Params = OcSortParams
    requires = Requirements()
    compensates_camera = True

    def __init__(self, params: OcSortParams | None = None) -> None:
        super().__init__(params)
        self._start()

    def reset(self, info) -> None:
        super().reset(info)
        jit.warm_up(OcSort)
        self._start()

    def _start(self) -> None:
        k = self.params.delta_t
        columns = dict(_COLUMNS_BASE, ring=(np.float64, (k, 5)), ring_age=(np.int64, (k,)))
        self.tracks = TrackStore(4, columns)
        self.frame_count = 0
        self.reported = np.zeros(0, np.int64)  # ids reported on the last detector frame

    # -- one frame ------------------------------------------------------------------------

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        self.frame_count += 1
        t = self.tracks
        boxes = np.ascontiguousarray(detections.boxes, np.float64)
        scores = np.ascontiguousarray(detections.scores, np.float64)
        association_limit.check(self.name, len(boxes), len(t))  # before any (detections x tracks) matrix
        predicted = self._predict(count_frame=True)
        c = t.columns

        # First round: IoU plus observation-centric momentum (the momentum only when the solver runs).
        high, iou, ok, matches, u_dets, u_trks = kernels.first_round(boxes, scores, p.det_thresh, predicted,
                                                                     p.iou_threshold)
        if not ok:
            matches, u_dets, u_trks = self._solve_first_round(iou, boxes, scores, high)
        self._observe(matches[:, 1], high[matches[:, 0]], boxes, scores)

        # Optional BYTE round: low-score detections for the tracks left, by IoU with predictions.
        if p.use_byte and len(u_trks):
            low = np.flatnonzero((scores > BYTE_LOW) & (scores < p.det_thresh))
            iou = kernels.iou_rows(boxes, low, predicted, u_trks)
            if len(low) and iou.max() > p.iou_threshold:
                matches, _, _ = max_iou_matching(iou, p.iou_threshold, shortcut=False)
                self._observe(u_trks[matches[:, 1]], low[matches[:, 0]], boxes, scores)
                u_trks = np.setdiff1d(u_trks, u_trks[matches[:, 1]])

        # OCR: detections left against the tracks' last observations (unchanged so far for these tracks).
        if len(u_dets) and len(u_trks):
            iou = kernels.iou_rows(boxes, high[u_dets], c["last_obs"], u_trks)
            if iou.max() > p.iou_threshold:
                matches, _, _ = max_iou_matching(iou, p.iou_threshold, shortcut=False)
                self._observe(u_trks[matches[:, 1]], high[u_dets[matches[:, 0]]], boxes, scores)
                u_dets = np.setdiff1d(u_dets, u_dets[matches[:, 0]])
                u_trks = np.setdiff1d(u_trks, u_trks[matches[:, 1]])
        kernels.miss(t.x, t.P, c["observed"], c["frozen"], c["frozen_x"], c["frozen_P"], u_trks)

        if len(u_dets):
            z = boxes_to_z(boxes[high[u_dets]])
            x0, P0 = kalman.initiate(z, P0_POS, P0_VEL)
            t.add(x0, P0, last_obs=NO_OBSERVATION, ring_age=_NEVER, last_z=z)
        return self._report()

    def _solve_first_round(self, iou: np.ndarray, boxes: np.ndarray, scores: np.ndarray, high: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first round when the shortcut does not apply: scipy's solver maximises IoU plus the
        observation-centric momentum (OCM) gain ``inertia · score · (π/2 - angle) / π`` (zero for
        tracks without an observation), then pairs under ``iou_threshold`` are dropped, as
        ``max_iou_matching`` does.  The gain's arithmetic is compiled around NumPy's ``arccos``."""
        p, t, c = self.params, self.tracks, self.tracks.columns
        if iou.size == 0:
            return max_iou_matching(iou, p.iou_threshold)
        previous = kernels.previous_observations(c["ring"], c["ring_age"], t.age, c["last_obs"], p.delta_t,
                                                 np.arange(len(t)))
        arccos = np.arccos(kernels.momentum_cos(boxes, high, previous, c["velocity"]))
        rows, cols = linear_sum_assignment(kernels.negated_gain(iou, arccos, previous, scores, high, p.inertia))
        return jit.iou_pairs(rows, cols, iou, p.iou_threshold)

    def _predict(self, count_frame: bool) -> np.ndarray:
        """SORT's prediction step (counters only on detector frames) as one kernel; tracks whose
        prediction is not finite are dropped."""
        t = self.tracks
        predicted, finite = kernels.predict(t.x, t.P, t.counters, count_frame, Q_POS, Q_VEL)
        if not finite:  # a track whose prediction is not finite is dropped
            predicted = drop_non_finite(t, predicted)
        return predicted

    def _observe(self, idx: np.ndarray, dets: np.ndarray, boxes: np.ndarray, scores: np.ndarray) -> None:
        """Tracks ``idx`` take detections ``dets`` (indices into ``boxes``, ``scores``): direction,
        observation store, counters and the filter update (with ORU after a gap)."""
        if len(idx) == 0:
            return
        t, c = self.tracks, self.tracks.columns
        kernels.observe(t.x, t.P, t.counters, c["last_obs"], c["velocity"], c["observed"], c["frozen"],
                        c["frozen_x"], c["frozen_P"], c["last_z"], c["ring"], c["ring_age"], self.params.delta_t,
                        np.ascontiguousarray(idx), boxes, scores, np.ascontiguousarray(dets), R, Q_POS, Q_VEL)

    def compensate(self, warp: np.ndarray) -> None:
        """Camera motion (``--cmc``): everything OC-SORT keeps in image coordinates moves with the camera.

        The Kalman states and the state frozen for re-update (``cmc_kernels.warp_usr``), the last
        measurement (centre and area, ``cmc_kernels.warp_usr_measurements``), and the stored observations —
        the last one (for recovery) and the ring of recent ones (for the momentum direction) — as boxes
        (``cmc_kernels.warp_box_cells``); "no observation" placeholders stay as they are.  Each is one compiled
        kernel (:mod:`~trackbench.trackers.core.cmc_kernels`).  The unit
        direction ``velocity`` is kept: it is re-derived from the warped observations at
        the next match, and a camera rotation of a fraction of a degree barely turns it.
        """
        t, c = self.tracks, self.tracks.columns
        if len(t) == 0:
            return
        cmc_kernels.warp_usr(t.x, t.P, warp)
        cmc_kernels.warp_usr(c["frozen_x"], c["frozen_P"], warp)
        cmc_kernels.warp_usr_measurements(c["last_z"], warp)
        observed = ~(c["last_obs"] == NO_OBSERVATION).all(axis=1)
        cmc_kernels.warp_box_cells(c["last_obs"][:, None, :], observed[:, None], warp)
        cmc_kernels.warp_box_cells(c["ring"], c["ring_age"] != _NEVER, warp)

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run (``--detect-every``): the filters move one frame.

        Observations, their ages and the life-cycle counters stay as they are, so the
        momentum and re-update rules count detector frames (as SORT's coasting does); the
        tracks reported on the last detector frame are shown at their predicted boxes.
        """
        predicted = self._predict(count_frame=False)
        return coasted(self.tracks.ids, predicted, self.reported)

    def _report(self) -> TrackOutput:
        p = self.params
        t, c = self.tracks, self.tracks.columns
        shown, boxes, too_old = kernels.report(t.x, t.counters, c["last_obs"], self.frame_count, p.min_hits,
                                               p.min_box_area, p.aspect_ratio_thresh, p.max_age)
        out = TrackOutput(t.ids[shown], boxes)
        self.reported = out.ids
        if too_old:
            t.keep(t.time_since_update <= p.max_age)
        return out

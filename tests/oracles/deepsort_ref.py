"""Test oracle: Deep SORT as its authors' implementation (nwojke/deep_sort) computes it.

A self-contained port written for the tests: it imports nothing from
trackbench.  It is organised as the reference is: a Track object per target
with an 8-d mean and an 8×8 covariance, a textbook Kalman filter with full
matrices and Cholesky solves, an appearance store of Python lists per track
id, gating one track at a time, cost matrices filled one track row (and, in
the IoU stage, one pair) at a time, the reference's assignment rule
(inadmissible costs raised just above the threshold, scipy's Hungarian
solver, over-threshold picks dropped) and the reference application's
detection selection (height and confidence filters, then non-maximum
suppression, most confident first).

The motion weight λ is the paper's (Wojke et al. 2017, eq. 5 and 6): the cost
is ``λ · d² + (1 - λ) · D_a`` with ``d²`` the raw squared Mahalanobis distance
and ``D_a`` the nearest-neighbour cosine distance, and a pair is admissible only
inside both gates (``d² ≤ χ²₀.₉₅(4)``, ``D_a ≤ max_cosine_distance``) at every λ;
the threshold of the assignment is the dearest admissible cost,
``λ · χ²₀.₉₅(4) + (1 - λ) · max_cosine_distance`` (λ = 0: the reference, whose
code has no λ).  ``cost="normalised"`` (not the paper's) scales ``d²`` by
``max_cosine_distance / χ²₀.₉₅(4)``, with threshold ``max_cosine_distance``.  The batched production tracker must report the
same tracks frame by frame (``tests/test_deepsort.py``).

``ReferenceDeepSort(params)`` accepts any object with the parameter names
of :class:`RefParams` (the production ``DeepSortParams`` has them all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.optimize import linear_sum_assignment

# Noise weights of the reference filter, relative to the box height.
STD_WEIGHT_POSITION = 1.0 / 20.0
STD_WEIGHT_VELOCITY = 1.0 / 160.0
#: 0.95 quantile of the chi-square distribution with 4 degrees of freedom.
GATING_THRESHOLD = 9.4877
#: Cost of a pair that may not be matched (the reference's INFTY_COST).
INFTY_COST = 1e5


@dataclass
class RefParams:
    """The reference application's settings (with λ, the seed article's motion weight)."""

    lambda_: float = 0.0
    cost: str = "paper"  # or "normalised" (see module docstring)
    max_cosine_distance: float = 0.2
    nn_budget: int | None = 100
    max_iou_distance: float = 0.7
    max_age: int = 30
    n_init: int = 3
    min_confidence: float = 0.8
    min_detection_height: float = 0.0
    nms_max_overlap: float = 1.0


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, max_overlap: float) -> list[int]:
    """Indices kept by the reference application's greedy suppression, most confident first."""
    if len(boxes) == 0:
        return []
    b = boxes.astype(np.float32)
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    idxs = np.argsort(scores)
    pick = []
    while len(idxs) > 0:
        last = len(idxs) - 1
        i = idxs[last]
        pick.append(int(i))
        others = idxs[:last]
        w = np.maximum(0, np.minimum(x2[i], x2[others]) - np.maximum(x1[i], x1[others]) + 1)
        h = np.maximum(0, np.minimum(y2[i], y2[others]) - np.maximum(y1[i], y1[others]) + 1)
        overlap = (w * h) / area[others]
        idxs = np.delete(idxs, np.concatenate(([last], np.flatnonzero(overlap > max_overlap))))
    return pick


def select_detections(boxes: np.ndarray, scores: np.ndarray, p) -> np.ndarray:
    """Indices of the detections the reference application hands its tracker, in its order."""
    kept = [i for i in range(len(boxes))
            if boxes[i, 3] - boxes[i, 1] >= p.min_detection_height and scores[i] >= p.min_confidence]
    kept = np.array(kept, np.int64)
    order = non_max_suppression(boxes[kept], scores[kept], p.nms_max_overlap)
    return kept[np.array(order, np.int64)] if len(order) else kept[:0]


def min_cost_matching(cost: np.ndarray, max_distance: float, track_idx: list[int], det_idx: list[int]
                      ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """The reference's assignment: (matches, unmatched tracks, unmatched detections)."""
    if not track_idx or not det_idx:
        return [], list(track_idx), list(det_idx)
    cost = cost.copy()
    cost[cost > max_distance] = max_distance + 1e-5
    rows, cols = linear_sum_assignment(cost)
    unmatched_dets = [d for c, d in enumerate(det_idx) if c not in cols]
    unmatched_tracks = [t for r, t in enumerate(track_idx) if r not in rows]
    matches = []
    for r, c in zip(rows, cols):
        if cost[r, c] > max_distance:
            unmatched_tracks.append(track_idx[r])
            unmatched_dets.append(det_idx[c])
        else:
            matches.append((track_idx[r], det_idx[c]))
    return matches, unmatched_tracks, unmatched_dets


_F = np.eye(8) + np.eye(8, k=4)
_H = np.eye(4, 8)


class _KalmanFilter:
    """Full-matrix constant-velocity filter on (u, v, a, h) with height-scaled noise."""

    def initiate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = z[3]
        std = [2 * STD_WEIGHT_POSITION * h, 2 * STD_WEIGHT_POSITION * h, 1e-2, 2 * STD_WEIGHT_POSITION * h,
               10 * STD_WEIGHT_VELOCITY * h, 10 * STD_WEIGHT_VELOCITY * h, 1e-5, 10 * STD_WEIGHT_VELOCITY * h]
        return np.r_[z, np.zeros(4)], np.diag(np.square(std))

    def predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mean[3]
        std = [STD_WEIGHT_POSITION * h, STD_WEIGHT_POSITION * h, 1e-2, STD_WEIGHT_POSITION * h,
               STD_WEIGHT_VELOCITY * h, STD_WEIGHT_VELOCITY * h, 1e-5, STD_WEIGHT_VELOCITY * h]
        return _F @ mean, _F @ cov @ _F.T + np.diag(np.square(std))

    def project(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mean[3]
        std = [STD_WEIGHT_POSITION * h, STD_WEIGHT_POSITION * h, 1e-1, STD_WEIGHT_POSITION * h]
        return _H @ mean, _H @ cov @ _H.T + np.diag(np.square(std))

    def update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z_mean, S = self.project(mean, cov)
        factor = scipy.linalg.cho_factor(S, lower=True, check_finite=False)
        gain = scipy.linalg.cho_solve(factor, (cov @ _H.T).T, check_finite=False).T
        return mean + gain @ (z - z_mean), cov - gain @ S @ gain.T

    def gating_distance(self, mean: np.ndarray, cov: np.ndarray, zs: np.ndarray) -> np.ndarray:
        z_mean, S = self.project(mean, cov)
        L = np.linalg.cholesky(S)
        r = scipy.linalg.solve_triangular(L, (zs - z_mean).T, lower=True, check_finite=False)
        return np.sum(r * r, axis=0)


class _Track:
    def __init__(self, mean: np.ndarray, cov: np.ndarray, track_id: int, feature: np.ndarray | None) -> None:
        self.mean, self.cov, self.track_id = mean, cov, track_id
        self.hits, self.age, self.time_since_update = 1, 1, 0
        self.confirmed, self.deleted = False, False
        self.pending = [] if feature is None else [feature]  # vectors not yet in the store

    def box(self) -> np.ndarray:
        u, v, a, h = self.mean[:4]
        w = a * h
        x1, y1 = u - w / 2.0, v - h / 2.0
        return np.array([x1, y1, x1 + w, y1 + h])


def _xyah(box: np.ndarray) -> np.ndarray:
    w, h = box[2] - box[0], box[3] - box[1]
    return np.array([box[0] + w / 2.0, box[1] + h / 2.0, w / h, h])


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    tl = np.maximum(box[:2], others[:, :2])
    br = np.minimum(box[2:], others[:, 2:])
    inter = np.prod(np.maximum(br - tl, 0.0), axis=1)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / (area + areas - inter)


class ReferenceDeepSort:
    """Per-track Deep SORT loop; ``update(boxes tlbr, scores, features)`` returns (ids, boxes)."""

    def __init__(self, params=None) -> None:
        self.p = params if params is not None else RefParams()
        self.kf = _KalmanFilter()
        self.tracks: list[_Track] = []
        self.samples: dict[int, list[np.ndarray]] = {}
        self.next_id = 1

    # -- appearance store -------------------------------------------------
    def _nn_cosine(self, track_id: int, features: np.ndarray) -> np.ndarray:
        gallery = np.asarray(self.samples[track_id])
        a = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
        b = features / np.linalg.norm(features, axis=1, keepdims=True)
        return (1.0 - a @ b.T).min(axis=0)

    def _store(self) -> None:
        for track in self.tracks:
            if not track.confirmed:
                continue
            for f in track.pending:
                kept = self.samples.setdefault(track.track_id, [])
                kept.append(f)
                if self.p.nn_budget is not None:
                    self.samples[track.track_id] = kept[-self.p.nn_budget:]
            track.pending = []
        active = {t.track_id for t in self.tracks if t.confirmed}
        self.samples = {k: v for k, v in self.samples.items() if k in active}

    # -- association -------------------------------------------------------
    def _cascade_threshold(self) -> float:
        """Paper: only gates reject, so the threshold is the dearest admissible cost (both terms at their gate)."""
        p = self.p
        motion_gate = GATING_THRESHOLD if p.cost == "paper" else p.max_cosine_distance
        return p.lambda_ * motion_gate + (1.0 - p.lambda_) * p.max_cosine_distance

    def _cascade_cost(self, track_idx: list[int], det_idx: list[int], z: np.ndarray,
                      features: np.ndarray | None) -> np.ndarray:
        """Eq. 5 of the paper, c = λ d1 + (1 - λ) d2, with eq. 6's gates (both, every λ) as 1e5 entries."""
        p = self.p
        cost = np.zeros((len(track_idx), len(det_idx)))
        for row, k in enumerate(track_idx):
            track = self.tracks[k]
            d1 = self.kf.gating_distance(track.mean, track.cov, z[det_idx])
            d2 = self._nn_cosine(track.track_id, features[det_idx])
            gated = (d1 > GATING_THRESHOLD) | (d2 > p.max_cosine_distance)
            if p.cost == "normalised":
                d1 = d1 * (p.max_cosine_distance / GATING_THRESHOLD)
            cost[row] = p.lambda_ * d1 + (1.0 - p.lambda_) * d2
            cost[row, gated] = INFTY_COST
        return cost

    def _match(self, track_idx: list[int], det_idx: list[int], cost_fn, threshold: float):
        if not track_idx or not det_idx:
            return [], list(track_idx), list(det_idx)
        return min_cost_matching(cost_fn(track_idx, det_idx), threshold, track_idx, det_idx)

    def _associate(self, boxes: np.ndarray, z: np.ndarray, features: np.ndarray | None):
        p = self.p
        confirmed = [i for i, t in enumerate(self.tracks) if t.confirmed]
        tentative = [i for i, t in enumerate(self.tracks) if not t.confirmed]
        free = list(range(len(boxes)))
        matches_a = []
        for level in range(1, p.max_age + 1):
            if not free:
                break
            at_level = [k for k in confirmed if self.tracks[k].time_since_update == level]
            if not at_level:
                continue
            found, _, free = self._match(at_level, free, lambda t, d: self._cascade_cost(t, d, z, features),
                                         self._cascade_threshold())
            matches_a += found
        taken = {k for k, _ in matches_a}
        candidates = tentative + [k for k in confirmed if k not in taken and self.tracks[k].time_since_update == 1]

        def iou_cost(track_idx, det_idx):
            cost = np.zeros((len(track_idx), len(det_idx)))
            for row, k in enumerate(track_idx):
                if self.tracks[k].time_since_update > 1:
                    cost[row] = INFTY_COST
                    continue
                box = self.tracks[k].box()
                for col, d in enumerate(det_idx):
                    cost[row, col] = 1.0 - _iou(box, boxes[d : d + 1])[0]
            return cost

        matches_b, _, free = self._match(candidates, free, iou_cost, p.max_iou_distance)
        return matches_a + matches_b, free

    # -- one frame -----------------------------------------------------------
    def update(self, boxes: np.ndarray, scores: np.ndarray, features: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        order = select_detections(boxes, scores, p)
        boxes = boxes[order]
        features = None if features is None else features[order]
        z = np.array([_xyah(b) for b in boxes]).reshape(-1, 4)
        for track in self.tracks:
            track.mean, track.cov = self.kf.predict(track.mean, track.cov)
            track.age += 1
            track.time_since_update += 1
        matches, free = self._associate(boxes, z, features)
        matched = set()
        for k, d in matches:
            track = self.tracks[k]
            track.mean, track.cov = self.kf.update(track.mean, track.cov, z[d])
            if features is not None:
                track.pending.append(features[d])
            track.hits += 1
            track.time_since_update = 0
            if not track.confirmed and track.hits >= p.n_init:
                track.confirmed = True
            matched.add(k)
        for k, track in enumerate(self.tracks):
            if k not in matched and (not track.confirmed or track.time_since_update > p.max_age):
                track.deleted = True
        for d in free:
            mean, cov = self.kf.initiate(z[d])
            self.tracks.append(_Track(mean, cov, self.next_id, None if features is None else features[d]))
            self.next_id += 1
        self.tracks = [t for t in self.tracks if not t.deleted]
        self._store()
        ids, out = [], []
        for track in self.tracks:
            if track.confirmed and track.time_since_update <= 1:
                ids.append(track.track_id)
                out.append(track.box())
        return np.array(ids, np.int64), np.array(out).reshape(-1, 4)

"""Oracle: an independent, per-track port of OC-SORT's reference tracker.

Follows noahcao/OC_SORT ``trackers/ocsort_tracker/ocsort.py`` (``OCSort.update``,
``KalmanBoxTracker``), ``association.py`` (``associate``, ``iou_batch``,
``speed_direction_batch``) and the filterpy-derived ``kalmanfilter.py``
(``KalmanFilterNew`` with ``freeze``/``unfreeze``, the observation-centric
re-update) step by step: one object per track with a 7x1 state, 7x7
covariance, ``inv(S)`` gain and Joseph-form covariance update, a dict of
observations by age and a list of every observation.  The assignment uses
scipy's ``linear_sum_assignment``, which is the reference's own fallback
when ``lap`` is not installed.  IoU is the only association function ported
(the MOT17 setting).

The evaluator's output filter of the MOT17 runs (``min_box_area`` and the
"vertical" aspect-ratio test) is applied to what :meth:`update` returns.
Imports nothing from trackbench.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def _k_previous_obs(observations, cur_age, k):
    if len(observations) == 0:
        return [-1, -1, -1, -1, -1]
    for i in range(k):
        dt = k - i
        if cur_age - dt in observations:
            return observations[cur_age - dt]
    return observations[max(observations.keys())]


def _bbox_to_z(b):
    w = b[2] - b[0]
    h = b[3] - b[1]
    return np.array([b[0] + w / 2.0, b[1] + h / 2.0, w * h, w / float(h + 1e-6)]).reshape((4, 1))


def _x_to_bbox(x):
    w = np.sqrt(x[2] * x[3])
    h = x[2] / w
    return np.array([x[0] - w / 2.0, x[1] - h / 2.0, x[0] + w / 2.0, x[1] + h / 2.0]).reshape((1, 4))


def _speed_direction(b1, b2):
    cx1, cy1 = (b1[0] + b1[2]) / 2.0, (b1[1] + b1[3]) / 2.0
    cx2, cy2 = (b2[0] + b2[2]) / 2.0, (b2[1] + b2[3]) / 2.0
    speed = np.array([cy2 - cy1, cx2 - cx1])
    norm = np.sqrt((cy2 - cy1) ** 2 + (cx2 - cx1) ** 2) + 1e-6
    return speed / norm


class _KF:
    """filterpy's KalmanFilter as OC-SORT copies it, with freeze/unfreeze (ORU)."""

    def __init__(self) -> None:
        self.x = np.zeros((7, 1))
        self.F = np.eye(7)
        for i in range(3):
            self.F[i, 4 + i] = 1.0
        self.H = np.eye(4, 7)
        self.P = np.eye(7)
        self.P[4:, 4:] *= 1000.0
        self.P *= 10.0
        self.Q = np.eye(7)
        self.Q[-1, -1] *= 0.01
        self.Q[4:, 4:] *= 0.01
        self.R = np.eye(4)
        self.R[2:, 2:] *= 10.0
        self.history_obs = []
        self.saved = None
        self.observed = False

    def predict(self):
        self.x = self.F @ self.x
        self.P = self.F @ self.P @ self.F.T + self.Q

    def _freeze(self):
        self.saved = (self.x.copy(), self.P.copy(), list(self.history_obs), self.observed)

    def _unfreeze(self):
        if self.saved is None:
            return
        new_history = self.history_obs
        self.x, self.P, history, self.observed = self.saved
        self.saved = None
        self.history_obs = history[:-1]
        idx = [i for i, d in enumerate(new_history) if d is not None]
        i1, i2 = idx[-2], idx[-1]
        x1, y1, s1, r1 = new_history[i1].flatten()
        w1, h1 = np.sqrt(s1 * r1), np.sqrt(s1 / r1)
        x2, y2, s2, r2 = new_history[i2].flatten()
        w2, h2 = np.sqrt(s2 * r2), np.sqrt(s2 / r2)
        gap = i2 - i1
        dx, dy, dw, dh = (x2 - x1) / gap, (y2 - y1) / gap, (w2 - w1) / gap, (h2 - h1) / gap
        for i in range(gap):
            w = w1 + (i + 1) * dw
            h = h1 + (i + 1) * dh
            self.update(np.array([x1 + (i + 1) * dx, y1 + (i + 1) * dy, w * h, w / float(h)]).reshape((4, 1)))
            if i != gap - 1:
                self.predict()

    def update(self, z):
        self.history_obs.append(z)
        if z is None:
            if self.observed:
                self._freeze()
            self.observed = False
            return
        if not self.observed:
            self._unfreeze()
        self.observed = True
        y = z - self.H @ self.x
        PHT = self.P @ self.H.T
        S = self.H @ PHT + self.R
        K = PHT @ np.linalg.inv(S)
        self.x = self.x + K @ y
        I_KH = np.eye(7) - K @ self.H
        self.P = I_KH @ self.P @ I_KH.T + K @ self.R @ K.T


class _Track:
    def __init__(self, bbox, track_id, delta_t) -> None:
        self.kf = _KF()
        self.kf.x[:4] = _bbox_to_z(bbox)
        self.id = track_id
        self.time_since_update = 0
        self.hits = 0
        self.hit_streak = 0
        self.age = 0
        self.last_observation = np.array([-1, -1, -1, -1, -1])
        self.observations = {}
        self.velocity = None
        self.delta_t = delta_t

    def update(self, bbox):
        if bbox is None:
            self.kf.update(None)
            return
        if self.last_observation.sum() >= 0:
            previous = None
            for i in range(self.delta_t):
                dt = self.delta_t - i
                if self.age - dt in self.observations:
                    previous = self.observations[self.age - dt]
                    break
            if previous is None:
                previous = self.last_observation
            self.velocity = _speed_direction(previous, bbox)
        self.last_observation = bbox
        self.observations[self.age] = bbox
        self.time_since_update = 0
        self.hits += 1
        self.hit_streak += 1
        self.kf.update(_bbox_to_z(bbox))

    def predict(self):
        if self.kf.x[6] + self.kf.x[2] <= 0:
            self.kf.x[6] *= 0.0
        self.kf.predict()
        self.age += 1
        if self.time_since_update > 0:
            self.hit_streak = 0
        self.time_since_update += 1
        return _x_to_bbox(self.kf.x)


def _iou_batch(b1, b2):
    b2 = np.expand_dims(b2, 0)
    b1 = np.expand_dims(b1, 1)
    xx1 = np.maximum(b1[..., 0], b2[..., 0])
    yy1 = np.maximum(b1[..., 1], b2[..., 1])
    xx2 = np.minimum(b1[..., 2], b2[..., 2])
    yy2 = np.minimum(b1[..., 3], b2[..., 3])
    wh = np.maximum(0.0, xx2 - xx1) * np.maximum(0.0, yy2 - yy1)
    return wh / ((b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1])
                 + (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1]) - wh)


def _linear_assignment(cost):
    r, c = linear_sum_assignment(cost)
    return np.array(list(zip(r, c))).reshape(-1, 2)


def _associate(dets, trks, thr, velocities, previous_obs, vdc_weight):
    if len(trks) == 0:
        return np.empty((0, 2), dtype=int), np.arange(len(dets)), np.empty((0, 5), dtype=int)
    tracks = previous_obs[..., np.newaxis]
    cx1, cy1 = (dets[:, 0] + dets[:, 2]) / 2.0, (dets[:, 1] + dets[:, 3]) / 2.0
    cx2, cy2 = (tracks[:, 0] + tracks[:, 2]) / 2.0, (tracks[:, 1] + tracks[:, 3]) / 2.0
    dx, dy = cx1 - cx2, cy1 - cy2
    norm = np.sqrt(dx ** 2 + dy ** 2) + 1e-6
    X, Y = dx / norm, dy / norm
    cos = np.clip(velocities[:, 1][:, None] * X + velocities[:, 0][:, None] * Y, -1, 1)
    diff_angle = (np.pi / 2.0 - np.abs(np.arccos(cos))) / np.pi
    valid = np.ones(previous_obs.shape[0])
    valid[previous_obs[:, 4] < 0] = 0
    iou = _iou_batch(dets, trks)
    angle_cost = ((valid[:, None] * diff_angle) * vdc_weight).T * dets[:, -1][:, None]
    if min(iou.shape) > 0:
        a = (iou > thr).astype(np.int32)
        if a.sum(1).max() == 1 and a.sum(0).max() == 1:
            matched = np.stack(np.where(a), axis=1)
        else:
            matched = _linear_assignment(-(iou + angle_cost))
    else:
        matched = np.empty((0, 2))
    if matched.shape[0] > 0:
        u_dets = np.setdiff1d(np.arange(len(dets)), matched[:, 0])
        u_trks = np.setdiff1d(np.arange(len(trks)), matched[:, 1])
        low = iou[matched[:, 0], matched[:, 1]] < thr
        u_dets = np.concatenate([u_dets, matched[low, 0]])
        u_trks = np.concatenate([u_trks, matched[low, 1]])
        matches = matched[~low]
    else:
        u_dets, u_trks, matches = np.arange(len(dets)), np.arange(len(trks)), np.empty((0, 2), dtype=int)
    return matches, u_dets.astype(int), u_trks.astype(int)


class OCSortRef:
    """OCSort with the MOT17 evaluation settings by default."""

    def __init__(self, det_thresh=0.6, max_age=30, min_hits=3, iou_threshold=0.3, delta_t=3, inertia=0.2,
                 use_byte=False, min_box_area=100.0, aspect_ratio_thresh=1.6) -> None:
        self.max_age, self.min_hits, self.iou_threshold = max_age, min_hits, iou_threshold
        self.det_thresh, self.delta_t, self.inertia, self.use_byte = det_thresh, delta_t, inertia, use_byte
        self.min_box_area, self.aspect_ratio_thresh = min_box_area, aspect_ratio_thresh
        self.trackers = []
        self.frame_count = 0
        self.count = 0

    def update(self, boxes: np.ndarray, scores: np.ndarray):
        """Corner boxes (N, 4) and scores (N,); returns (ids, tlbr boxes) reported this frame."""
        self.frame_count += 1
        dets = np.concatenate((boxes, scores[:, None]), axis=1)
        second = np.logical_and(scores > 0.1, scores < self.det_thresh)
        dets_second = dets[second]
        dets = dets[scores > self.det_thresh]

        trks = np.zeros((len(self.trackers), 5))
        to_del = []
        for t, trk in enumerate(trks):
            pos = self.trackers[t].predict()[0]
            trk[:] = [pos[0], pos[1], pos[2], pos[3], 0]
            if np.any(np.isnan(pos)):
                to_del.append(t)
        trks = np.ma.compress_rows(np.ma.masked_invalid(trks))
        for t in reversed(to_del):
            self.trackers.pop(t)

        velocities = np.array([t.velocity if t.velocity is not None else np.array((0, 0)) for t in self.trackers])
        last_boxes = np.array([t.last_observation for t in self.trackers])
        k_obs = np.array([_k_previous_obs(t.observations, t.age, self.delta_t) for t in self.trackers])

        matched, u_dets, u_trks = _associate(dets, trks, self.iou_threshold, velocities, k_obs, self.inertia)
        for m in matched:
            self.trackers[m[1]].update(dets[m[0], :])

        if self.use_byte and len(dets_second) > 0 and u_trks.shape[0] > 0:
            iou_left = np.array(_iou_batch(dets_second, trks[u_trks]))
            if iou_left.max() > self.iou_threshold:
                removed = []
                for m in _linear_assignment(-iou_left):
                    if iou_left[m[0], m[1]] < self.iou_threshold:
                        continue
                    self.trackers[u_trks[m[1]]].update(dets_second[m[0], :])
                    removed.append(u_trks[m[1]])
                u_trks = np.setdiff1d(u_trks, np.array(removed))

        if u_dets.shape[0] > 0 and u_trks.shape[0] > 0:
            iou_left = np.array(_iou_batch(dets[u_dets], last_boxes[u_trks]))
            if iou_left.max() > self.iou_threshold:
                rd, rt = [], []
                for m in _linear_assignment(-iou_left):
                    d, t = u_dets[m[0]], u_trks[m[1]]
                    if iou_left[m[0], m[1]] < self.iou_threshold:
                        continue
                    self.trackers[t].update(dets[d, :])
                    rd.append(d)
                    rt.append(t)
                u_dets = np.setdiff1d(u_dets, np.array(rd))
                u_trks = np.setdiff1d(u_trks, np.array(rt))

        for m in u_trks:
            self.trackers[m].update(None)
        for i in u_dets:
            self.trackers.append(_Track(dets[i, :], self.count, self.delta_t))
            self.count += 1

        ids, out = [], []
        i = len(self.trackers)
        for trk in reversed(self.trackers):
            d = _x_to_bbox(trk.kf.x)[0] if trk.last_observation.sum() < 0 else trk.last_observation[:4]
            if trk.time_since_update < 1 and (trk.hit_streak >= self.min_hits or self.frame_count <= self.min_hits):
                w, h = d[2] - d[0], d[3] - d[1]
                if w * h > self.min_box_area and not w / h > self.aspect_ratio_thresh:
                    ids.append(trk.id + 1)
                    out.append(d)
            i -= 1
            if trk.time_since_update > self.max_age:
                self.trackers.pop(i)
        return np.array(ids, dtype=np.int64), np.array(out, dtype=float).reshape(-1, 4)

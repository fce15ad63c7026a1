"""Oracle: an independent, per-track port of ByteTrack's reference tracker.

Follows ifzhang/ByteTrack ``yolox/tracker/byte_tracker.py`` (BYTETracker,
STrack), ``matching.py`` and ``kalman_filter.py`` step by step: one object per
track holding an 8-d mean and an 8x8 covariance, the full-matrix Kalman
filter with a Cholesky solve, Python lists for the tracked / lost / removed
pools.  Two library substitutions, with the same semantics:

* ``cython_bbox.bbox_overlaps`` (IoU with the ``+1`` pixel convention) is
  written out in numpy;
* ``lap.lapjv(cost, extend_cost=True, cost_limit=t)`` is reproduced by
  scipy's ``linear_sum_assignment`` on the same extended square matrix lap
  builds (every row and column may stay unmatched at cost ``t / 2``).

The evaluator's output filter of the MOT17 runs (``min_box_area`` and the
"vertical" aspect-ratio test) is applied to what :meth:`update` returns.
Imports nothing from trackbench.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from scipy.optimize import linear_sum_assignment

TRACKED, LOST, REMOVED = 1, 2, 3


class _KalmanFilter:
    """The reference's (x, y, a, h) constant-velocity filter, full matrices."""

    def __init__(self) -> None:
        self.F = np.eye(8)
        for i in range(4):
            self.F[i, 4 + i] = 1.0
        self.H = np.eye(4, 8)
        self.w_pos = 1.0 / 20
        self.w_vel = 1.0 / 160

    def initiate(self, z):
        mean = np.r_[z, np.zeros(4)]
        h = z[3]
        std = [2 * self.w_pos * h, 2 * self.w_pos * h, 1e-2, 2 * self.w_pos * h,
               10 * self.w_vel * h, 10 * self.w_vel * h, 1e-5, 10 * self.w_vel * h]
        return mean, np.diag(np.square(std))

    def predict(self, mean, cov):
        h = mean[3]
        std = [self.w_pos * h, self.w_pos * h, 1e-2, self.w_pos * h,
               self.w_vel * h, self.w_vel * h, 1e-5, self.w_vel * h]
        Q = np.diag(np.square(std))
        return self.F @ mean, self.F @ cov @ self.F.T + Q

    def project(self, mean, cov):
        h = mean[3]
        R = np.diag(np.square([self.w_pos * h, self.w_pos * h, 1e-1, self.w_pos * h]))
        return self.H @ mean, self.H @ cov @ self.H.T + R

    def update(self, mean, cov, z):
        pm, pc = self.project(mean, cov)
        chol = scipy.linalg.cho_factor(pc, lower=True, check_finite=False)
        gain = scipy.linalg.cho_solve(chol, (cov @ self.H.T).T, check_finite=False).T
        mean = mean + (z - pm) @ gain.T
        cov = cov - gain @ pc @ gain.T
        return mean, cov


def _tlwh_to_xyah(tlwh):
    r = np.asarray(tlwh, dtype=float).copy()
    r[:2] += r[2:] / 2
    r[2] /= r[3]
    return r


class _Track:
    def __init__(self, tlwh, score) -> None:
        self._tlwh = np.asarray(tlwh, dtype=float)
        self.mean = None
        self.cov = None
        self.is_activated = False
        self.score = score
        self.state = 0
        self.track_id = 0
        self.frame_id = 0
        self.start_frame = 0

    @property
    def tlwh(self):
        if self.mean is None:
            return self._tlwh.copy()
        r = self.mean[:4].copy()
        r[2] *= r[3]
        r[:2] -= r[2:] / 2
        return r

    @property
    def tlbr(self):
        r = self.tlwh
        r[2:] += r[:2]
        return r


def _bbox_overlaps(a, b):
    """cython_bbox.bbox_overlaps, vectorised: IoU with inclusive pixel extents (+1)."""
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]) + 1
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]) + 1
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    inter = iw * ih
    ua = area_a[:, None] + area_b[None, :] - inter
    overlap = (iw > 0) & (ih > 0)
    return np.where(overlap, inter / np.where(overlap, ua, 1.0), 0.0)


def _iou_distance(ta, tb):
    if len(ta) == 0 or len(tb) == 0:
        return np.zeros((len(ta), len(tb)))
    a = np.array([t.tlbr for t in ta], dtype=float)
    b = np.array([t.tlbr for t in tb], dtype=float)
    return 1 - _bbox_overlaps(a, b)


def _fuse_score(cost, dets):
    if cost.size == 0:
        return cost
    scores = np.array([d.score for d in dets])[None, :]
    return 1 - (1 - cost) * scores


def _lapjv_limited(cost, thresh):
    """lap.lapjv(cost, extend_cost=True, cost_limit=thresh) semantics via scipy."""
    n, m = cost.shape
    if cost.size == 0:
        return np.empty((0, 2), dtype=int), np.arange(n), np.arange(m)
    ext = np.full((n + m, n + m), thresh / 2.0)
    ext[n:, m:] = 0
    ext[:n, :m] = cost
    rows, cols = linear_sum_assignment(ext)
    x = np.full(n, -1)
    y = np.full(m, -1)
    for r, c in zip(rows, cols):
        if r < n and c < m:
            x[r] = c
            y[c] = r
    matches = np.array([[i, x[i]] for i in range(n) if x[i] >= 0], dtype=int).reshape(-1, 2)
    return matches, np.where(x < 0)[0], np.where(y < 0)[0]


def _joint(a, b):
    seen = {t.track_id for t in a}
    out = list(a)
    for t in b:
        if t.track_id not in seen:
            seen.add(t.track_id)
            out.append(t)
    return out


def _sub(a, b):
    d = {t.track_id: t for t in a}
    for t in b:
        d.pop(t.track_id, None)
    return list(d.values())


def _remove_duplicates(sa, sb):
    pdist = _iou_distance(sa, sb)
    pairs = np.where(pdist < 0.15)
    dupa, dupb = [], []
    for p, q in zip(*pairs):
        tp = sa[p].frame_id - sa[p].start_frame
        tq = sb[q].frame_id - sb[q].start_frame
        if tp > tq:
            dupb.append(q)
        else:
            dupa.append(p)
    return ([t for i, t in enumerate(sa) if i not in dupa],
            [t for i, t in enumerate(sb) if i not in dupb])


class ByteTrackRef:
    """BYTETracker with the MOT17 evaluation settings of tools/track.py by default."""

    def __init__(self, track_thresh=0.6, track_buffer=30, match_thresh=0.9, mot20=False,
                 frame_rate=30.0, min_box_area=100.0, aspect_ratio_thresh=1.6) -> None:
        self.track_thresh = track_thresh
        self.match_thresh = match_thresh
        self.mot20 = mot20
        self.det_thresh = track_thresh + 0.1
        self.max_time_lost = int(frame_rate / 30.0 * track_buffer)
        self.min_box_area = min_box_area
        self.aspect_ratio_thresh = aspect_ratio_thresh
        self.kf = _KalmanFilter()
        self.tracked, self.lost, self.removed = [], [], []
        self.frame_id = 0
        self._count = 0

    def _next_id(self) -> int:
        self._count += 1
        return self._count

    def _activate(self, t):
        t.track_id = self._next_id()
        t.mean, t.cov = self.kf.initiate(_tlwh_to_xyah(t._tlwh))
        t.state = TRACKED
        if self.frame_id == 1:
            t.is_activated = True
        t.frame_id = self.frame_id
        t.start_frame = self.frame_id

    def _update_track(self, t, det):
        t.frame_id = self.frame_id
        t.mean, t.cov = self.kf.update(t.mean, t.cov, _tlwh_to_xyah(det.tlwh))
        t.state = TRACKED
        t.is_activated = True
        t.score = det.score

    def _re_activate(self, t, det):
        t.mean, t.cov = self.kf.update(t.mean, t.cov, _tlwh_to_xyah(det.tlwh))
        t.state = TRACKED
        t.is_activated = True
        t.frame_id = self.frame_id
        t.score = det.score

    def _apply(self, pairs, tracks, dets, activated, refind):
        for it, idet in pairs:
            t = tracks[it]
            if t.state == TRACKED:
                self._update_track(t, dets[idet])
                activated.append(t)
            else:
                self._re_activate(t, dets[idet])
                refind.append(t)

    def update(self, boxes: np.ndarray, scores: np.ndarray):
        """Corner boxes (N, 4) and scores (N,); returns (ids, tlbr boxes) reported this frame."""
        self.frame_id += 1
        activated, refind, lost, removed = [], [], [], []
        remain = scores > self.track_thresh
        second = np.logical_and(scores > 0.1, scores < self.track_thresh)

        def make(bb, ss):
            return [_Track(np.r_[b[:2], b[2:] - b[:2]], s) for b, s in zip(bb, ss)]

        detections = make(boxes[remain], scores[remain])
        unconfirmed = [t for t in self.tracked if not t.is_activated]
        tracked = [t for t in self.tracked if t.is_activated]

        # First association: high-score detections against tracked and lost tracks.
        pool = _joint(tracked, self.lost)
        for t in pool:
            mean = t.mean.copy()
            if t.state != TRACKED:
                mean[7] = 0
            t.mean, t.cov = self.kf.predict(mean, t.cov)
        dists = _iou_distance(pool, detections)
        if not self.mot20:
            dists = _fuse_score(dists, detections)
        matches, u_track, u_det = _lapjv_limited(dists, self.match_thresh)
        self._apply(matches, pool, detections, activated, refind)

        # Second association: low-score detections against tracks still tracked.
        dets_second = make(boxes[second], scores[second])
        r_tracked = [pool[i] for i in u_track if pool[i].state == TRACKED]
        dists = _iou_distance(r_tracked, dets_second)
        matches, u_track, _ = _lapjv_limited(dists, 0.5)
        self._apply(matches, r_tracked, dets_second, activated, refind)
        for it in u_track:
            t = r_tracked[it]
            if t.state != LOST:
                t.state = LOST
                lost.append(t)

        # Unconfirmed tracks (one frame old) against the high-score detections left.
        detections = [detections[i] for i in u_det]
        dists = _iou_distance(unconfirmed, detections)
        if not self.mot20:
            dists = _fuse_score(dists, detections)
        matches, u_unconfirmed, u_det = _lapjv_limited(dists, 0.7)
        for it, idet in matches:
            self._update_track(unconfirmed[it], detections[idet])
            activated.append(unconfirmed[it])
        for it in u_unconfirmed:
            t = unconfirmed[it]
            t.state = REMOVED
            removed.append(t)

        # New tracks.
        for inew in u_det:
            t = detections[inew]
            if t.score < self.det_thresh:
                continue
            self._activate(t)
            activated.append(t)
        for t in self.lost:
            if self.frame_id - t.frame_id > self.max_time_lost:
                t.state = REMOVED
                removed.append(t)

        self.tracked = [t for t in self.tracked if t.state == TRACKED]
        self.tracked = _joint(self.tracked, activated)
        self.tracked = _joint(self.tracked, refind)
        self.lost = _sub(self.lost, self.tracked)
        self.lost.extend(lost)
        self.lost = _sub(self.lost, self.removed)
        self.removed.extend(removed)
        self.tracked, self.lost = _remove_duplicates(self.tracked, self.lost)

        ids, out = [], []
        for t in self.tracked:
            if not t.is_activated:
                continue
            tlwh = t.tlwh
            if tlwh[2] * tlwh[3] > self.min_box_area and not tlwh[2] / tlwh[3] > self.aspect_ratio_thresh:
                ids.append(t.track_id)
                out.append(t.tlbr)
        return np.array(ids, dtype=np.int64), np.array(out, dtype=float).reshape(-1, 4)

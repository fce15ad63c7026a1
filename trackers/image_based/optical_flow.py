"""Median-flow multi-object tracker: pyramidal Lucas–Kanade on good features to track.

Each track carries a few corner points (Shi–Tomasi "good features to track")
taken inside its box.  On each frame all tracks' points are followed with
OpenCV's pyramidal Lucas–Kanade flow in one call, and back again; a point whose
backward track does not return to where it started (forward–backward error,
Kalal et al. 2010) is dropped, which removes points on occlusion edges and
flat regions.  The box moves by the median displacement of the surviving
points and scales by the median ratio of their pairwise distances, both robust
to the background points that a person's box always contains.  When too few
points survive they are re-seeded inside the moved box; when fewer than
``min_points`` survive, the track has lost its object and waits for a
detection.  Detection association and the track life cycle are the shared ones
of :mod:`.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from trackbench.trackers.image_based.boxgeom import centred_box, clipped_window
from trackbench.trackers.image_based.lifecycle import ImagePropagatedTracker, LifecycleParams
from trackbench.trackers import papers


@dataclass
class OpticalFlowParams(LifecycleParams):
    """Feature, flow and robustness settings; defaults suit pedestrians at 7-30 fps."""

    max_points: int = 30  # features seeded per box
    quality_level: float = 0.01  # Shi-Tomasi corner quality, relative to the box's best corner
    min_distance: int = 3  # pixels between seeded features
    inner_margin: float = 0.15  # features are seeded this far (× box size) inside the box's sides
    window_size: int = 15  # Lucas-Kanade window (pixels)
    pyramid_levels: int = 3  # pyramid levels above full resolution
    fb_threshold: float = 1.0  # forward-backward error (pixels) above which a point is dropped
    min_points: int = 4  # fewer surviving points: the track has lost its object
    reseed_below: int = 10  # fewer surviving points: seed new features in the moved box
    max_scale_step: float = 1.1  # largest size change per frame (ratio)

    def validate(self) -> None:
        super().validate()
        if self.max_points < 1 or self.min_points < 2 or self.window_size < 3 or self.pyramid_levels < 0:
            raise ValueError("max_points >= 1, min_points >= 2, window_size >= 3, pyramid_levels >= 0")
        if not 0.0 <= self.inner_margin < 0.5 or self.fb_threshold <= 0 or self.max_scale_step < 1.0:
            raise ValueError("inner_margin in [0, 0.5), fb_threshold > 0, max_scale_step >= 1")


class OpticalFlow(ImagePropagatedTracker[np.ndarray, np.ndarray]):
    """Median flow of forward-backward-checked LK points; a model is an (N, 2) float32 point array."""

    name = "optical_flow"
    paper = papers.MEDIAN_FLOW
    Params = OpticalFlowParams
    params: OpticalFlowParams

    def __init__(self, params: OpticalFlowParams | None = None) -> None:
        super().__init__(params)
        self.previous: np.ndarray | None = None
        p = self.params
        self.lk = dict(
            winSize=(p.window_size, p.window_size), maxLevel=p.pyramid_levels,
            criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03),
        )

    def reset_models(self) -> None:
        self.previous = None

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame

    def finish(self, grey: np.ndarray) -> None:
        self.previous = grey

    def model_from(self, grey: np.ndarray, box: np.ndarray) -> np.ndarray | None:
        """Good features to track inside the box's interior; None when it has too few."""
        p = self.params
        w, h = box[2] - box[0], box[3] - box[1]
        inner = box + np.array([w, h, -w, -h]) * p.inner_margin
        window = clipped_window(inner, grey.shape[1], grey.shape[0], min_size=3)
        if window is None:
            return None
        x, y, ww, wh = window
        corners = cv2.goodFeaturesToTrack(grey[y:y + wh, x:x + ww], p.max_points, p.quality_level, p.min_distance)
        if corners is None or len(corners) < p.min_points:
            return None
        return corners.reshape(-1, 2) + np.array([x, y], np.float32)

    def propagate(self, grey: np.ndarray, before: np.ndarray, predicted: np.ndarray,
                  models: list[np.ndarray | None]) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Each track's previous box moved by the flow of its points (the prediction is not needed)."""
        boxes = before.copy()
        owners = [i for i, m in enumerate(models) if m is not None]
        if self.previous is None or not owners:
            return boxes, models
        start = np.concatenate([models[i] for i in owners]).astype(np.float32)
        end, good = self._flow(self.previous, grey, start)
        bounds = np.cumsum([0] + [len(models[i]) for i in owners])
        for n, i in enumerate(owners):
            s = slice(bounds[n], bounds[n + 1])
            keep = good[s]
            if np.count_nonzero(keep) < self.params.min_points:
                models[i] = None
                continue
            boxes[i] = self._moved(boxes[i], start[s][keep], end[s][keep])
            models[i] = self._surviving(grey, boxes[i], end[s][keep])
        return boxes, models

    def _flow(self, before: np.ndarray, after: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points tracked forward, and which of them pass the forward-backward check."""
        p0 = points.reshape(-1, 1, 2)
        p1, ok_fwd, _ = cv2.calcOpticalFlowPyrLK(before, after, p0, None, **self.lk)
        back, ok_bwd, _ = cv2.calcOpticalFlowPyrLK(after, before, p1, None, **self.lk)
        error = np.abs(back - p0).reshape(-1, 2).max(axis=1)
        good = (ok_fwd.ravel() == 1) & (ok_bwd.ravel() == 1) & (error < self.params.fb_threshold)
        return p1.reshape(-1, 2), good

    def _moved(self, box: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Median-flow box: shifted by the median displacement, scaled by the median distance ratio."""
        dx, dy = np.median(after - before, axis=0)
        scale = _median_scale(before, after)
        step = self.params.max_scale_step
        scale = float(np.clip(scale, 1.0 / step, step))
        w, h = (box[2] - box[0]) * scale, (box[3] - box[1]) * scale
        return centred_box((box[0] + box[2]) / 2.0 + dx, (box[1] + box[3]) / 2.0 + dy, w, h)

    def _surviving(self, grey: np.ndarray, box: np.ndarray, points: np.ndarray) -> np.ndarray | None:
        """Points kept for the next frame: those still in the box, re-seeded when too few."""
        inside = (points[:, 0] >= box[0]) & (points[:, 0] < box[2]) & (points[:, 1] >= box[1]) & (points[:, 1] < box[3])
        points = points[inside]
        if len(points) >= self.params.reseed_below:
            return points.astype(np.float32)
        fresh = self.model_from(grey, box)
        if fresh is not None:
            return fresh
        return points.astype(np.float32) if len(points) >= self.params.min_points else None


def _median_scale(before: np.ndarray, after: np.ndarray) -> float:
    """Median ratio of pairwise point distances after/before (1 when undefined)."""
    n = len(before)
    if n < 2:
        return 1.0
    i, j = np.triu_indices(n, k=1)
    d0 = np.linalg.norm(before[i] - before[j], axis=1)
    d1 = np.linalg.norm(after[i] - after[j], axis=1)
    usable = d0 > 1.0
    if not usable.any():
        return 1.0
    return float(np.median(d1[usable] / d0[usable]))

"""Detection association and track life cycle shared by the image-propagated trackers.

Mean shift and optical flow differ only in how a track's box is found in the
next frame; everything else is this one loop, written once:

1. **Predict** every track with SORT's constant-velocity Kalman filter
   (:mod:`trackbench.trackers.core.sort_motion`, SORT's ``(u, v, s, r)`` box model and noise).
2. **Propagate** by image evidence (the subclass: mean shift on a colour
   back-projection, or Lucas–Kanade flow of feature points) and correct the
   filter with the box the image gives, as a measurement noisier than a
   detection (``image_noise`` × SORT's detection noise).  The filter smooths
   the image boxes and learns each track's velocity from them, which gives
   mean shift a better place to start on the next frame.  A track whose
   evidence collapses (its colours no longer found, too few flow points)
   coasts on its prediction, unreported, until a detection picks it up again.
3. On a frame with detections, **associate** the tracks' boxes with them by
   IoU and the Hungarian algorithm (:func:`trackbench.trackers.core.assignment.max_iou_matching`,
   SORT's rule).  Matched tracks are corrected with the detection and
   **refresh** their image model from it; unmatched detections **start**
   tracks; tentative tracks that miss a detection are deleted (Deep SORT's
   rule against false alarms).
4. A track is **confirmed** after ``min_hits`` detection matches.  Hits count
   detection frames rather than consecutive frames, so the rule means the
   same thing whether detections come every frame or every fifth
   (``--detect-every``).  Confirmed tracks are reported on every frame while
   they have image evidence and the latest detection frame matched them, so
   a detector run at a low rate still yields a box per frame.  A track that
   the latest detection frame missed keeps moving (a later detection may
   pick it up again, same id) but is not reported: on PETS09 such boxes were
   wrong about three times in four.  Tracks unmatched for more than
   ``max_age`` frames, or that leave the image, are deleted.

With detections on every frame, much of what these trackers gain over SORT
on PETS09 comes from this life cycle and filter, not from the image: the same
loop with the image step removed scores nearly as well there.  With
detections on every fifth frame the image evidence is what keeps the boxes on
the people between detections (``benchmarks/image_trackers.py`` runs both
comparisons).

Tracks live in a :class:`~trackbench.trackers.core.tracks.TrackStore`: Kalman state,
the counters the rules above read, and in ``extras`` each track's image model,
or None once its evidence is gone.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.trackers.base import Requirements, Tracker, TrackOutput
from trackbench.trackers.core import sort_motion
from trackbench.trackers.core.assignment import max_iou_matching
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.core.sort_motion import x_to_boxes

Model = TypeVar("Model")
Context = TypeVar("Context")

MIN_VISIBLE = 0.2  # tracks with less of their box inside the image are deleted


@dataclass
class LifecycleParams:
    """Association, filtering and life-cycle parameters every image-propagated tracker has."""

    max_age: int = 20  # frames a track lives without a matching detection
    min_hits: int = 2  # detection matches before a track is reported (detection frames, not frames)
    iou_threshold: float = 0.3  # minimum IoU between a track's box and a detection
    min_confidence: float = float("-inf")  # detections below are ignored
    image_noise: float = 4.0  # variance of an image-evidence box, × a detection's (SORT's R)

    def validate(self) -> None:
        if self.max_age < 0 or self.min_hits < 1:
            raise ValueError("max_age must be >= 0 and min_hits >= 1")
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError("iou_threshold must lie in [0, 1]")
        if self.image_noise <= 0:
            raise ValueError("image_noise must be > 0")


class ImagePropagatedTracker(Tracker, Generic[Context, Model]):
    """Base class: subclasses say how to model a track's appearance and find it in the next frame."""

    requires = Requirements(images=True)
    params: LifecycleParams

    def __init__(self, params: LifecycleParams | None = None) -> None:
        super().__init__(params)
        self.tracks = TrackStore(4)
        self.frame_count = 0
        self.last_detection_frame = 0

    def reset(self, info: SequenceInfo) -> None:
        super().reset(info)
        self.tracks = TrackStore(4)
        self.frame_count = 0
        self.last_detection_frame = 0
        self.reset_models()

    # --- what a subclass provides -------------------------------------------------

    def reset_models(self) -> None:
        """Forget per-sequence image state (e.g. the previous frame); default: nothing."""

    @abstractmethod
    def prepare(self, frame: np.ndarray) -> Context:
        """Per-frame work shared by all tracks (colour conversion, grey image)."""

    @abstractmethod
    def model_from(self, ctx: Context, box: np.ndarray) -> Model | None:
        """A fresh image model of the object in ``box`` on this frame, or None if there is none."""

    @abstractmethod
    def propagate(self, ctx: Context, before: np.ndarray, predicted: np.ndarray,
                  models: list[Model | None]) -> tuple[np.ndarray, list[Model | None]]:
        """Find each track with a model in this frame: (measured boxes (K, 4), models).

        ``before`` are the tracks' boxes on the previous frame, ``predicted``
        their Kalman predictions for this one (a starting point for searches).
        A None model on return means the evidence collapsed; rows of tracks
        whose model is None (on entry or return) are ignored.
        """

    def finish(self, ctx: Context) -> None:
        """Called after each frame (e.g. to keep it as the previous frame); default: nothing."""

    # --- the shared loop ----------------------------------------------------------

    def boxes(self) -> np.ndarray:
        """Current tlbr boxes of all live tracks (from their Kalman states)."""
        return x_to_boxes(self.tracks.x)

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        if frame is None:
            raise ValueError(f"{self.name} needs images, and this sequence is box-only")
        self.frame_count += 1
        ctx = self.prepare(frame)
        self._propagate_all(ctx)
        dets = self._usable(detections)
        if len(dets):
            self.last_detection_frame = self.frame_count
            self._associate(ctx, dets)
        t = self.tracks
        t.confirmed |= t.hits >= self.params.min_hits
        self._delete_stale(frame.shape[1], frame.shape[0])
        self.finish(ctx)
        return self._report()

    def _usable(self, detections: Detections) -> np.ndarray:
        """Detection boxes confident enough and at least a pixel wide and high (a filter needs an area)."""
        boxes = detections.boxes
        keep = np.isfinite(boxes).all(axis=1) & (boxes[:, 2] - boxes[:, 0] >= 1.0) & (boxes[:, 3] - boxes[:, 1] >= 1.0)
        if self.params.min_confidence > float("-inf"):
            keep &= detections.scores >= self.params.min_confidence
        return boxes[keep]

    def _predict(self) -> np.ndarray:
        """Advance every track's filter one frame (SORT's predict, area kept positive)."""
        t = self.tracks
        t.x, t.P = sort_motion.predict(t.x, t.P)
        t.mark_predicted()
        return self.boxes()

    def _propagate_all(self, ctx: Context) -> None:
        t = self.tracks
        if len(t) == 0:
            return
        before = self.boxes()
        predicted = self._predict()
        measured, models = self.propagate(ctx, before, predicted, list(t.extras))
        t.extras = list(models)
        seen = models_alive(t.extras) & np.isfinite(measured).all(axis=1)
        seen &= (measured[:, 2] > measured[:, 0]) & (measured[:, 3] > measured[:, 1])
        if seen.any():
            t.x[seen], t.P[seen] = sort_motion.correct(t.x[seen], t.P[seen], measured[seen], self.params.image_noise)
        finite = np.isfinite(t.x).all(axis=1)
        if not finite.all():
            t.keep(finite)

    def _associate(self, ctx: Context, dets: np.ndarray) -> None:
        t = self.tracks
        matches, unmatched_dets, unmatched_tracks = max_iou_matching(iou_matrix(dets, self.boxes()), self.params.iou_threshold)
        if len(matches):
            d, k = matches[:, 0], matches[:, 1]
            t.x[k], t.P[k] = sort_motion.correct(t.x[k], t.P[k], dets[d])
            t.mark_updated(k)
            for di, ki in matches:
                t.extras[ki] = self.model_from(ctx, dets[di])
        # Tentative tracks must be confirmed by every detection frame they see.
        keep = np.ones(len(t), bool)
        keep[unmatched_tracks] = t.confirmed[unmatched_tracks]
        self._start(ctx, dets[unmatched_dets])
        t.keep(np.concatenate([keep, np.ones(len(t) - len(keep), bool)]))

    def _start(self, ctx: Context, boxes: np.ndarray) -> None:
        if len(boxes) == 0:
            return
        x, P = sort_motion.initiate(boxes)
        self.tracks.add(x, P, [self.model_from(ctx, b) for b in boxes])

    def _report(self) -> TrackOutput:
        """Confirmed tracks matched now, or matched on the last detection frame and still seen in the image."""
        t = self.tracks
        since_detection = self.frame_count - self.last_detection_frame
        coasting = models_alive(t.extras) & (t.time_since_update <= since_detection)
        show = t.confirmed & ((t.time_since_update == 0) | coasting)
        return TrackOutput(t.ids[show].copy(), x_to_boxes(t.x[show]))

    def _delete_stale(self, width: int, height: int) -> None:
        t = self.tracks
        if len(t) == 0:
            return
        alive = t.time_since_update <= self.params.max_age
        alive &= visible_fraction(self.boxes(), width, height) >= MIN_VISIBLE
        t.keep(alive)


def visible_fraction(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Share of each box's area inside the image (0 for degenerate or non-finite boxes)."""
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    iw = np.clip(np.minimum(boxes[:, 2], width) - np.maximum(boxes[:, 0], 0.0), 0.0, None)
    ih = np.clip(np.minimum(boxes[:, 3], height) - np.maximum(boxes[:, 1], 0.0), 0.0, None)
    area = w * h
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where((area > 0) & np.isfinite(area), iw * ih / area, 0.0)
    return np.nan_to_num(frac, nan=0.0)


def models_alive(models: list[Any]) -> np.ndarray:
    """Boolean mask of tracks that still have image evidence."""
    return np.fromiter((m is not None for m in models), bool, len(models))

"""A classic detector for static cameras: background subtraction (MOG2) and blobs.

Users of ``bench track`` often have a video and no detector.  For a fixed
camera, whatever moves is an object: OpenCV's MOG2 (Zivkovic 2004) keeps a
mixture of Gaussians per pixel, marks pixels that fit none of the background
modes as foreground (and, with shadow detection, lighter-grey pixels that are
darker copies of the background as shadow, which are dropped).  Morphological
opening removes speckle, closing joins the pieces of one object that a
uniform-coloured region split, and each external contour's bounding box that
passes the size filters is a detection; its score is the share of its box
covered by foreground.

The subtractor learns the background from the frames it sees, so the first
``warmup`` frames (when everything still looks new) give no detections; it
learns fast then (OpenCV's automatic rate, 1 / frames seen) and at a fixed
slow ``learning_rate`` afterwards.  The automatic rate stays high for hundreds
of frames, and at that rate the inside of a uniformly coloured car that
covers a pixel for a few frames is absorbed into the background, leaving only
the car's leading edge as foreground; the fixed rate keeps whole cars while
still letting the ghost of a car present during warm-up fade within a few
dozen frames.  A
global change (a camera's automatic exposure, a cloud) makes a large share of
the frame foreground at once.  Two guards handle it: each frame's brightness
is scaled so that its median matches a slowly learned reference (gain
compensation: an exposure change is mostly a global gain), and while more than
``relearn_above`` of the frame is still foreground, the frame gives no
detections and the background is re-learned at the faster ``relearn_rate``.
(On the road video in ``../shared``, an exposure change from frame 303 on turns
about a third of every frame into foreground without them; with them, 2-3 %.)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from trackbench.datasets.sequence import Detections

SHADOW_LEVEL = 127  # MOG2 marks shadow pixels with this value, foreground with 255


@dataclass
class BgSubParams:
    """MOG2, morphology and blob-size settings; defaults suit traffic cameras of 320-1920 px."""

    history: int = 500  # frames that shape the background model
    var_threshold: float = 16.0  # squared Mahalanobis distance for a pixel to be background
    detect_shadows: bool = True  # mark shadows and drop them from the foreground
    warmup: int = 10  # first frames used only to learn the background (at OpenCV's automatic, fast rate)
    learning_rate: float = 0.005  # background learning rate after warm-up (-1: OpenCV's automatic rate)
    open_size: int = 3  # opening kernel (pixels, odd): removes speckle
    close_size: int = 7  # closing kernel (pixels, odd): joins an object's pieces
    min_area: int = 64  # smallest box area (pixels²)
    max_area_fraction: float = 0.25  # largest box area, as a share of the frame
    min_side: int = 4  # smallest box width and height (pixels)
    min_fill: float = 0.2  # smallest share of the box covered by foreground
    compensate_gain: bool = True  # scale each frame's brightness to the learned reference first
    relearn_above: float = 0.2  # foreground share of the frame taken as a global change (1 disables)
    relearn_rate: float = 0.05  # background learning rate while re-learning after a global change

    def validate(self) -> None:
        if self.history < 1 or self.warmup < 0 or self.min_area < 0 or self.min_side < 1:
            raise ValueError("history >= 1, warmup >= 0, min_area >= 0 and min_side >= 1 are required")
        if self.open_size < 0 or self.close_size < 0:
            raise ValueError("open_size and close_size must be >= 0")
        if not 0.0 < self.max_area_fraction <= 1.0 or not 0.0 <= self.min_fill <= 1.0:
            raise ValueError("max_area_fraction must lie in (0, 1] and min_fill in [0, 1]")
        if not 0.0 < self.relearn_above <= 1.0 or not 0.0 < self.relearn_rate <= 1.0:
            raise ValueError("relearn_above and relearn_rate must lie in (0, 1]")
        if not (self.learning_rate == -1.0 or 0.0 < self.learning_rate <= 1.0):
            raise ValueError("learning_rate must be -1 (automatic) or lie in (0, 1]")


def _kernel(size: int) -> np.ndarray | None:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)) if size > 1 else None


class BackgroundSubtractionDetector:
    """Detections from moving foreground blobs, one frame at a time, in order."""

    def __init__(self, params: BgSubParams | None = None) -> None:
        self.params = params or BgSubParams()
        self.params.validate()
        self._open = _kernel(self.params.open_size)
        self._close = _kernel(self.params.close_size)
        self.reset()

    def reset(self) -> None:
        """Forget the background (a new video)."""
        p = self.params
        self.subtractor = cv2.createBackgroundSubtractorMOG2(p.history, p.var_threshold, p.detect_shadows)
        self.frames_seen = 0
        self.relearning = False
        self.reference_level: float | None = None

    def _gain_compensated(self, frame: np.ndarray) -> np.ndarray:
        """The frame scaled so its median brightness matches the slowly learned reference."""
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        level = float(np.median(cv2.resize(grey, (64, 36), interpolation=cv2.INTER_AREA)))
        if level < 1.0:
            return frame
        if self.reference_level is None:
            self.reference_level = level
        else:
            self.reference_level += self._rate(automatic=True) * (level - self.reference_level)
        return cv2.convertScaleAbs(frame, alpha=self.reference_level / level)

    def _rate(self, automatic: bool = False) -> float:
        """This frame's learning rate: fast in warm-up, faster while re-learning, slow otherwise.

        ``automatic=True`` spells OpenCV's automatic rate (-1) out as 1 / frames seen.
        """
        p = self.params
        if self.frames_seen < p.warmup or p.learning_rate < 0:
            rate = -1.0
        else:
            rate = p.relearn_rate if self.relearning else p.learning_rate
        if rate < 0 and automatic:
            return 1.0 / min(self.frames_seen + 1, p.history)
        return rate

    def foreground(self, frame: np.ndarray) -> np.ndarray:
        """The cleaned binary foreground mask (uint8 0/255) of a frame; updates the background."""
        p = self.params
        if p.compensate_gain:
            frame = self._gain_compensated(frame)
        raw = self.subtractor.apply(frame, learningRate=self._rate())
        self.frames_seen += 1
        mask = cv2.threshold(raw, SHADOW_LEVEL, 255, cv2.THRESH_BINARY)[1]
        self.relearning = cv2.countNonZero(mask) > p.relearn_above * mask.size
        if self._open is not None:
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._open)
        if self._close is not None:
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self._close)
        return mask

    def detect(self, frame: np.ndarray) -> Detections:
        """Detections of the next frame (none during warm-up)."""
        mask = self.foreground(frame)
        if self.frames_seen <= self.params.warmup or self.relearning:
            return Detections.empty()
        return blobs_to_detections(mask, self.params)


def blobs_to_detections(mask: np.ndarray, params: BgSubParams) -> Detections:
    """Bounding boxes of the external contours of a binary mask that pass the size filters."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    max_area = params.max_area_fraction * mask.shape[0] * mask.shape[1]
    boxes, scores = [], []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        area = w * h
        if w < params.min_side or h < params.min_side or area < params.min_area or area > max_area:
            continue
        fill = cv2.countNonZero(mask[y:y + h, x:x + w]) / area
        if fill < params.min_fill:
            continue
        boxes.append((x, y, x + w, y + h))
        scores.append(fill)
    if not boxes:
        return Detections.empty()
    return Detections(np.asarray(boxes, np.float64), np.asarray(scores, np.float64))

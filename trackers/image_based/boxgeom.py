"""Integer windows for OpenCV from float corner boxes, clipped to an image.

OpenCV's mean shift, CamShift and feature detectors work on integer
``(x, y, w, h)`` windows that must lie inside the image; tracks carry float
tlbr boxes that may be tiny, touch an edge or leave the frame.  These helpers
do the one conversion safely so the trackers never crash on such boxes.
"""

from __future__ import annotations

import numpy as np

Window = tuple[int, int, int, int]  # x, y, w, h in pixels


def clipped_window(box: np.ndarray, width: int, height: int, min_size: int = 2) -> Window | None:
    """The part of a tlbr box inside a ``width`` × ``height`` image, or None if too small."""
    if not np.isfinite(box).all():
        return None
    x1 = int(np.floor(max(box[0], 0.0)))
    y1 = int(np.floor(max(box[1], 0.0)))
    x2 = int(np.ceil(min(box[2], float(width))))
    y2 = int(np.ceil(min(box[3], float(height))))
    if x2 - x1 < min_size or y2 - y1 < min_size:
        return None
    return x1, y1, x2 - x1, y2 - y1


def expand(box: np.ndarray, margin: float) -> np.ndarray:
    """A tlbr box grown by ``margin`` × its width/height on every side."""
    w, h = box[2] - box[0], box[3] - box[1]
    return np.array([box[0] - margin * w, box[1] - margin * h, box[2] + margin * w, box[3] + margin * h])


def centred_box(cx: float, cy: float, w: float, h: float) -> np.ndarray:
    return np.array([cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0])


"""Which detections Deep SORT sees, as its reference application chooses them.

Per frame: drop boxes lower than ``min_detection_height`` pixels and those with
confidence below ``min_confidence``, then run non-maximum suppression at
``nms_max_overlap``.  Suppression also fixes the order the tracker sees the
detections in (most confident first), which decides the ids of new tracks; at
the default overlap of 1.0 nothing is suppressed but the order still applies.
"""

from __future__ import annotations

import numpy as np


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, max_overlap: float) -> np.ndarray:
    """Indices of the boxes kept, most confident first.

    Greedy: take the most confident box, drop every remaining box that the
    taken one covers by more than ``max_overlap`` of the remaining box's own
    area (pixel-inclusive areas, as the reference computes them), repeat.
    """
    order = np.argsort(scores)
    if max_overlap >= 1.0 or len(order) < 2:
        # Overlap as defined here never exceeds 1: nothing can be suppressed.
        return order[::-1].copy()
    b = boxes.astype(np.float32)
    area = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    keep = []
    while len(order):
        best, rest = order[-1], order[:-1]
        keep.append(best)
        w = np.maximum(0, np.minimum(b[best, 2], b[rest, 2]) - np.maximum(b[best, 0], b[rest, 0]) + 1)
        h = np.maximum(0, np.minimum(b[best, 3], b[rest, 3]) - np.maximum(b[best, 1], b[rest, 1]) + 1)
        order = rest[(w * h) / area[rest] <= max_overlap]
    return np.asarray(keep, np.int64)


def select(boxes: np.ndarray, scores: np.ndarray, min_confidence: float, min_height: float,
           nms_max_overlap: float) -> np.ndarray:
    """Indices of the detections the tracker uses, in the order it uses them."""
    keep = scores >= min_confidence
    keep &= boxes[:, 3] - boxes[:, 1] >= min_height
    candidates = keep.nonzero()[0]
    return candidates[non_max_suppression(boxes[candidates], scores[candidates], nms_max_overlap)]

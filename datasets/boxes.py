"""The one box convention of trackbench, and the conversions at its edges.

Inside the code every box is a float64 row ``[x1, y1, x2, y2]`` ("tlbr": top-left
and bottom-right corners, pixels, x2 = x1 + width).  Files on disk use
MOTChallenge's ``[left, top, width, height]`` ("tlwh"); loaders convert on the
way in and result writers on the way out, so no tracker ever sees tlwh.
"""

from __future__ import annotations

import numpy as np


def tlwh_to_tlbr(boxes: np.ndarray) -> np.ndarray:
    """MOT file boxes (left, top, width, height) to corner boxes."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    out = boxes.copy()
    out[:, 2:] += boxes[:, :2]
    return out


def tlbr_to_tlwh(boxes: np.ndarray) -> np.ndarray:
    """Corner boxes to MOT file boxes (left, top, width, height)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    out = boxes.copy()
    out[:, 2:] -= boxes[:, :2]
    return out


_INCLUSIVE = np.array([0.0, 0.0, 1.0, 1.0])


def iou_matrix(a: np.ndarray, b: np.ndarray, pixel_inclusive: bool = False) -> np.ndarray:
    """Pairwise intersection-over-union of corner boxes, shape (len(a), len(b)).

    Areas use ``x2 - x1`` without the historical ``+1`` pixel, as SORT, motmetrics
    and TrackEval do, so scores agree with those tools.  Zero-area boxes give 0 (scoring
    also zeroes areas below machine epsilon: :func:`scoring_iou_matrix`).
    ``pixel_inclusive`` counts both end pixels (widths ``x2 - x1 + 1``), the
    convention of ``cython_bbox`` that ByteTrack's reference matches with; it
    equals the plain IoU of boxes whose far corner moved out by one pixel.
    """
    if type(a) is not np.ndarray or a.dtype.char != "d" or a.ndim != 2:
        a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    if type(b) is not np.ndarray or b.dtype.char != "d" or b.ndim != 2:
        b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    if pixel_inclusive:
        a, b = a + _INCLUSIVE, b + _INCLUSIVE
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    if len(a) * len(b) <= 256:
        # Few, small arrays (a tracker's frame): fewest numpy calls wins.
        wh = np.maximum(np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2]), 0.0)
        inter = wh[..., 0] * wh[..., 1]
    else:
        # Large matrices (scoring a crowded frame): contiguous per-coordinate planes win.
        ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
        iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
        ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
        iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
        inter = np.maximum(ix2 - ix1, 0.0) * np.maximum(iy2 - iy1, 0.0)
    size_a, size_b = a[:, 2:] - a[:, :2], b[:, 2:] - b[:, :2]
    area_a = size_a[:, 0] * size_a[:, 1]
    area_b = size_b[:, 0] * size_b[:, 1]
    union = area_a[:, None] + area_b[None, :] - inter
    # Zero union only between two empty boxes, whose intersection is 0 too: 0 / tiny = 0.
    return inter / np.maximum(union, 1e-300)


#: Machine epsilon: MOTChallenge's evaluator (TrackEval) treats a box area or union at or below it as empty.
AREA_EPS = float(np.finfo(float).eps)


def scoring_iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of corner boxes the way MOTChallenge scores them: TrackEval's ``_calculate_box_ious``.

    Equal to :func:`iou_matrix` bit for bit, except where a box's area or the
    pair's union is at or below machine epsilon (:data:`AREA_EPS`, in pixels²):
    TrackEval scores such pairs 0, so two identical 1e-9-pixel boxes do not
    match, where the plain ratio would give 1.  Scoring uses this rule (so
    ``bench`` reproduces TrackEval's counts on any file); trackers keep
    :func:`iou_matrix`, the ratio their reference implementations take.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    return _scoring_iou(a.T[:, :, None], b.T[:, None, :])


def scoring_iou_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`scoring_iou_matrix`'s cell of box ``a[:, i]`` with box ``b[:, i]``, for each ``i``, bit for bit.

    ``a`` and ``b`` hold the boxes by coordinate, shape (4, n): rows x1, y1,
    x2, y2 (contiguous rows are what make gathering the boxes of many pairs,
    and the arithmetic on them, fast).  Scoring computes the IoU of the
    overlapping pairs of a sequence only (:mod:`trackbench.harness.metrics.preprocess`);
    both functions run the one formula, :func:`_scoring_iou`, so a pair's
    value cannot depend on which of them computed it.
    """
    return _scoring_iou(np.asarray(a, dtype=np.float64).reshape(4, -1), np.asarray(b, dtype=np.float64).reshape(4, -1))


def _scoring_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The scoring IoU of corner boxes given by coordinate, ``x1, y1, x2, y2 = a`` (and ``b``), broadcast together.

    Element-wise NumPy operations only, in a fixed order, so every cell is the
    same IEEE result whatever the shapes (a whole matrix or a list of pairs).
    """
    ax1, ay1, ax2, ay2 = a
    bx1, by1, bx2, by2 = b
    ix1 = np.maximum(ax1, bx1)
    iy1 = np.maximum(ay1, by1)
    ix2 = np.minimum(ax2, bx2)
    iy2 = np.minimum(ay2, by2)
    inter = np.maximum(ix2 - ix1, 0.0) * np.maximum(iy2 - iy1, 0.0)
    area_a = (ax2 - ax1) * (ay2 - ay1)
    area_b = (bx2 - bx1) * (by2 - by1)
    union = area_a + area_b - inter
    empty = (area_a <= AREA_EPS) | (area_b <= AREA_EPS) | (union <= AREA_EPS)
    return np.where(empty, 0.0, inter / np.where(empty, 1.0, union))


def paired_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of ``a[i]`` with ``b[i]`` (row by row, not all pairs); 0 where both boxes are empty."""
    if len(a) == 0:
        return np.zeros(0)
    wh = np.clip(np.minimum(a[:, 2:], b[:, 2:]) - np.maximum(a[:, :2], b[:, :2]), 0, None)
    inter = wh[:, 0] * wh[:, 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def clip_to_image(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Clip corner boxes to the image rectangle (for cropping, never for scoring)."""
    out = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    return out

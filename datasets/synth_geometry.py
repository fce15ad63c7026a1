"""Shapes and occlusion of the synthetic dataset.

The renderer and the ground truth must agree on which pixels an object covers,
or ``visibility`` would not describe the frames.  Both therefore use the one
shape test here: the renderer on the pixel grid of a sprite, the visibility
computation on a sample grid inside every box.
"""

from __future__ import annotations

import numpy as np

RECT, ELLIPSE, ROUNDED = 0, 1, 2  # shape codes
SHAPES = (RECT, ELLIPSE, ROUNDED)

# Sample grid (in box-normalised coordinates) on which visibility is measured:
# 16 x 16 points give the visible fraction to within about 1 %.
_GRID = 16
_G = (np.arange(_GRID) + 0.5) / _GRID
GRID_U = np.tile(_G, _GRID)  # (G*G,) column coordinate in [0, 1]
GRID_V = np.repeat(_G, _GRID)  # (G*G,) row coordinate in [0, 1]


def inside_shape(shape: np.ndarray | int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether box-normalised points (u, v) lie inside the shape drawn in that box.

    ``shape`` broadcasts against ``u`` and ``v``; points outside [0, 1]^2 are
    outside every shape.  The rounded rectangle is a superellipse of order 4: it
    reads as a different silhouette from both the rectangle and the ellipse.
    """
    du = 2.0 * u - 1.0
    dv = 2.0 * v - 1.0
    du2, dv2 = du * du, dv * dv
    in_box = (du2 <= 1.0) & (dv2 <= 1.0)
    shape = np.asarray(shape)
    inside = np.where(shape == ELLIPSE, du2 + dv2 <= 1.0, np.where(shape == ROUNDED, du2 * du2 + dv2 * dv2 <= 1.0, True))
    return in_box & inside


def shape_mask(shape: int, width: int, height: int) -> np.ndarray:
    """The uint8 mask (0/255) of a shape rasterised at pixel centres."""
    u = (np.arange(width) + 0.5) / width
    v = (np.arange(height) + 0.5) / height
    return inside_shape(shape, u[None, :], v[:, None]).astype(np.uint8) * 255


_OWN = np.stack([inside_shape(s, GRID_U, GRID_V) for s in SHAPES])  # (3, P) sample points per shape


def visibility_table(boxes: np.ndarray, shapes: np.ndarray, width: int, height: int, depth: np.ndarray | None = None) -> np.ndarray:
    """Visible fraction of each object's silhouette in every frame.

    ``boxes`` is (n, T, 4) image tlbr with NaN where an object is absent; the
    result is (n, T), NaN where absent.  Objects are nearer when their box bottom
    is lower in the image (they stand on a ground plane seen from above), the
    painter's order the renderer uses; ``depth`` (n, T; larger = nearer)
    overrides it, e.g. to put background clutter behind everything.  Ties go to
    the later object, matching the renderer's stable sort.  A sample point of an
    object is hidden if it lies outside the image or inside the silhouette of a
    nearer object.  Only pairs of overlapping boxes are tested, which keeps a
    whole sequence to a few milliseconds.
    """
    n, T = boxes.shape[:2]
    present = ~np.isnan(boxes[:, :, 0])
    b = np.where(present[:, :, None], boxes, 0.0)
    d = b[:, :, 3] if depth is None else np.where(present, depth, 0.0)
    own = _OWN[shapes]  # (n, P)
    x1, y1, x2, y2 = (b[:, :, k, None] for k in range(4))
    px = x1 + GRID_U * (x2 - x1)  # (n, T, P)
    py = y1 + GRID_V * (y2 - y1)
    seen = own[:, None, :] & (px >= 0) & (px < width) & (py >= 0) & (py < height)

    # Pairs (i behind j) in frame t whose boxes overlap.
    bi, bj = b[:, None], b[None, :]  # (n, 1, T, 4), (1, n, T, 4)
    overlap = (
        (bi[..., 0] < bj[..., 2]) & (bj[..., 0] < bi[..., 2]) & (bi[..., 1] < bj[..., 3]) & (bj[..., 1] < bi[..., 3])
    )
    later = np.arange(n)[None, :, None] > np.arange(n)[:, None, None]
    nearer = (d[None, :] > d[:, None]) | ((d[None, :] == d[:, None]) & later)
    both = present[:, None] & present[None, :]
    i, j, t = np.nonzero(overlap & nearer & both)
    if len(i):
        wj = np.maximum(b[j, t, 2] - b[j, t, 0], 1e-9)[:, None]
        hj = np.maximum(b[j, t, 3] - b[j, t, 1], 1e-9)[:, None]
        u = (px[i, t] - b[j, t, 0, None]) / wj
        v = (py[i, t] - b[j, t, 1, None]) / hj
        covered = inside_shape(shapes[j][:, None], u, v)  # (m, P)
        hidden = np.zeros((n * T, px.shape[2]), bool)
        np.logical_or.at(hidden, i * T + t, covered)
        seen &= ~hidden.reshape(n, T, -1)
    vis = seen.sum(axis=2) / np.maximum(own.sum(axis=1), 1)[:, None]
    return np.where(present, vis, np.nan)


def visibility(boxes: np.ndarray, shapes: np.ndarray, width: int, height: int, depth: np.ndarray | None = None) -> np.ndarray:
    """Visible fraction of each object in a single frame (boxes (n, 4))."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    dep = None if depth is None else np.asarray(depth, np.float64)[:, None]
    return visibility_table(boxes[:, None, :], np.asarray(shapes, np.int64), width, height, dep)[:, 0]


def in_image_fraction(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Fraction of each box's area inside the image (0 for boxes wholly outside)."""
    w = np.clip(np.minimum(boxes[:, 2], width) - np.maximum(boxes[:, 0], 0), 0, None)
    h = np.clip(np.minimum(boxes[:, 3], height) - np.maximum(boxes[:, 1], 0), 0, None)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return np.where(area > 0, w * h / np.maximum(area, 1e-12), 0.0)


def ground_scale(foot_y: np.ndarray | float, height: int) -> np.ndarray | float:
    """Size of an object whose feet stand at world row ``foot_y``, relative to the bottom row.

    The camera looks down on a ground plane whose vanishing row lies a little
    above the image, so objects shrink to about 45 % at the far edge of the
    walkable ground and grow as they approach the camera.
    """
    vanish = -0.1 * height
    return (foot_y - vanish) / (height - vanish)

"""HSV colour-histogram embedder: the no-deep-learning appearance baseline.

A hue–saturation histogram (plus a coarse value histogram) of the central part
of each crop, so the background at the box corners counts less.  Cheap, needs
no weights, and tells differently dressed people or differently coloured
vehicles apart; it is what a learned embedder has to beat.
"""

from __future__ import annotations

import cv2
import numpy as np

from trackbench.trackers.embedders.base import Embedder, l2_normalise


class HistogramEmbedder(Embedder):
    """Concatenated H-S (2-D) and V (1-D) histograms, square-rooted and L2-normalised."""

    name = "histogram"

    def __init__(self, h_bins: int = 16, s_bins: int = 8, v_bins: int = 8, size: tuple[int, int] = (32, 64)) -> None:
        self.h_bins, self.s_bins, self.v_bins, self.size = h_bins, s_bins, v_bins, size
        w, h = size
        yy, xx = np.mgrid[0:h, 0:w]
        # Elliptic centre mask: the object, not the background at the corners.
        inside = ((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2 <= 1.0
        self._mask = inside.astype(np.uint8)

    @property
    def dim(self) -> int:
        return self.h_bins * self.s_bins + self.v_bins

    @property
    def key(self) -> str:
        return f"histogram-h{self.h_bins}s{self.s_bins}v{self.v_bins}-{self.size[0]}x{self.size[1]}"

    def _one(self, crop: np.ndarray) -> np.ndarray:
        hsv = cv2.cvtColor(cv2.resize(crop, self.size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2HSV)
        hs = cv2.calcHist([hsv], [0, 1], self._mask, [self.h_bins, self.s_bins], [0, 180, 0, 256]).ravel()
        v = cv2.calcHist([hsv], [2], self._mask, [self.v_bins], [0, 256]).ravel()
        # Square root (Hellinger) makes cosine distance a proper histogram distance.
        return np.sqrt(np.concatenate([hs, v]))

    def embed_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        if not crops:
            return np.zeros((0, self.dim), np.float32)
        return l2_normalise(np.stack([self._one(c) for c in crops]))

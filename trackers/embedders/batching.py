"""Crops to network input batches, in NumPy and OpenCV: shared by the torch and the onnxruntime embedders.

Kept apart from :mod:`.torch_device` so that the onnxruntime path (``reid``,
``onnx:``) stacks crops exactly as the torch path does without importing torch.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import cv2
import numpy as np


def batches(n: int, batch_size: int) -> Iterator[slice]:
    """Slices covering ``range(n)`` in chunks of at most ``batch_size``."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def resize_stack(crops: Sequence[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """(N, H, W, 3) uint8: every BGR crop resized to ``size`` = (width, height)."""
    w, h = size
    out = np.empty((len(crops), h, w, 3), np.uint8)
    for i, crop in enumerate(crops):
        if crop.ndim == 2:
            crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
        out[i] = crop if crop.shape[:2] == (h, w) else cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)
    return out

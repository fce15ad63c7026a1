"""The appearance-embedder interface: a batch of image crops → L2-normalised vectors.

Deep SORT, ROLO and the re-identification training all use embedders through
this one interface, so an embedder written once serves every tracker.  An
embedder names itself by a ``key`` that changes whenever its output would
(weights, input size, options); the embedding cache keys on it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import cv2
import numpy as np

from trackbench.datasets.boxes import clip_to_image

#: Per-channel RGB mean and standard deviation of ImageNet, in [0, 1]: the input
#: normalisation most re-id and classification networks were trained with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def crop_boxes(image: np.ndarray, boxes: np.ndarray, size: tuple[int, int] | None = None) -> list[np.ndarray]:
    """Crops of corner boxes from a BGR image, clipped to the image, at least 1×1 px.

    With ``size`` = (width, height) every crop is resized to it, so a batch can
    be stacked into one array for a single forward pass.
    """
    h, w = image.shape[:2]
    clipped = np.round(clip_to_image(boxes, w, h)).astype(int)
    crops = []
    for x1, y1, x2, y2 in clipped:
        x1, y1 = min(x1, w - 1), min(y1, h - 1)
        x2, y2 = max(x2, x1 + 1), max(y2, y1 + 1)
        crop = image[y1:y2, x1:x2]
        if size is not None:
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR)
        crops.append(crop)
    return crops


class Embedder(ABC):
    """Maps image crops to appearance vectors whose cosine distance means dissimilarity."""

    name: str = "embedder"

    @property
    @abstractmethod
    def dim(self) -> int:
        """Length of each vector."""

    @property
    def key(self) -> str:
        """Identity of this embedder's output, for caches (override when weights vary)."""
        return self.name

    @abstractmethod
    def embed_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        """(N, dim) float32 L2-normalised vectors for N BGR crops (one batch)."""

    def embed(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Vectors for the boxes of one frame, in one batch."""
        if len(boxes) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self.embed_crops(crop_boxes(image, boxes))

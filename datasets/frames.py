"""Lazy frame sources: images are decoded only when a tracker needs them.

Two sources cover the layouts users download: a folder of numbered images
(MOTChallenge ``img1/``) and a video file (AI City ``vdo.avi``, ``bench track``).
Both decode in order while iterating and hold one frame at a time, so memory
does not grow with sequence length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import cv2
import numpy as np


class ImageFolderSource:
    """Frames ``<folder>/000001.jpg`` … read with OpenCV (BGR uint8)."""

    def __init__(self, folder: Path, length: int, ext: str = ".jpg", digits: int = 6) -> None:
        self.folder = Path(folder)
        self.length = length
        self.ext = ext
        self.digits = digits

    def __len__(self) -> int:
        return self.length

    def path(self, frame: int) -> Path:
        return self.folder / f"{frame:0{self.digits}d}{self.ext}"

    def read(self, frame: int) -> np.ndarray:
        if not 1 <= frame <= self.length:
            raise IndexError(f"frame {frame} outside 1..{self.length} of {self.folder}")
        image = cv2.imread(str(self.path(frame)), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"cannot read image {self.path(frame)}")
        return image

    def __iter__(self) -> Iterator[np.ndarray]:
        for frame in range(1, self.length + 1):
            yield self.read(frame)


class VideoSource:
    """Frames of a video file decoded sequentially; ``read`` seeks (slow, for spot checks)."""

    def __init__(self, path: Path, length: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"video not found: {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise ValueError(f"OpenCV cannot open video {self.path}")
        counted = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        cap.release()
        self.length = length if length is not None else counted

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[np.ndarray]:
        cap = cv2.VideoCapture(str(self.path))
        try:
            for _ in range(self.length):
                ok, image = cap.read()
                if not ok:
                    return
                yield image
        finally:
            cap.release()

    def read(self, frame: int) -> np.ndarray:
        cap = cv2.VideoCapture(str(self.path))
        try:
            cap.set(cv2.CAP_PROP_POS_FRAMES, frame - 1)
            ok, image = cap.read()
        finally:
            cap.release()
        if not ok:
            raise IndexError(f"frame {frame} cannot be decoded from {self.path}")
        return image


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image file."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise FileNotFoundError(f"cannot read image {path}")
    return int(image.shape[1]), int(image.shape[0])

"""Lazy frame sources: images are decoded only when a tracker needs them.

Two sources cover the layouts users download: a folder of numbered images
(MOTChallenge ``img1/``) and a video file (AI City ``vdo.avi``, ``bench track``).
Both decode in order while iterating and hold one frame at a time, so memory
does not grow with sequence length.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from trackbench.datasets.errors import DataFileError
from trackbench.datasets.image_header import MAX_PIXELS, check_pixels, header_size


class ImageFolderSource:
    """Frames ``<folder>/000001.jpg`` … read with OpenCV (BGR uint8)."""

    def __init__(self, folder: Path, length: int, ext: str = ".jpg", digits: int = 6,
                 size: tuple[int, int] | None = None) -> None:
        self.folder = Path(folder)
        self.length = length
        self.ext = ext
        self.digits = digits
        self.size = size  # (width, height) every frame must have; None: not checked

    def __len__(self) -> int:
        return self.length

    def path(self, frame: int) -> Path:
        return self.folder / f"{frame:0{self.digits}d}{self.ext}"

    def read(self, frame: int) -> np.ndarray:
        if not 1 <= frame <= self.length:
            raise IndexError(f"frame {frame} outside 1..{self.length} of {self.folder}")
        check_pixels(self.path(frame))  # from the header: a huge image is refused before it is decoded
        image = cv2.imread(str(self.path(frame)), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"cannot read image {self.path(frame)}")
        if self.size is not None and (image.shape[1], image.shape[0]) != self.size:
            raise DataFileError(f"{self.path(frame)}: image is {image.shape[1]}x{image.shape[0]}, but the "
                                f"sequence's frames are {self.size[0]}x{self.size[1]}")
        return image

    def fingerprint(self) -> str:
        """A cheap digest of the frames' content, for cache keys (see :func:`files_fingerprint`)."""
        return files_fingerprint([self.path(f) for f in range(1, self.length + 1)])

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
        if self.width * self.height > MAX_PIXELS:
            raise DataFileError(f"{self.path}: frames are {self.width}x{self.height}, above the limit of "
                                f"{MAX_PIXELS / 1e6:.0f} megapixels")
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

    def fingerprint(self) -> str:
        """A cheap digest of the video file (size, mtime, sampled bytes), for cache keys."""
        return files_fingerprint([self.path], samples=1) + f":{self.length}"

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


#: Files whose bytes are hashed in full by :func:`files_fingerprint` (evenly spread, first and last included).
FINGERPRINT_SAMPLES = 16
#: Bytes hashed from the start and the end of each sampled file (all of it when smaller).
FINGERPRINT_CHUNK = 1 << 20


def files_fingerprint(paths: list[Path], samples: int = FINGERPRINT_SAMPLES) -> str:
    """SHA-256 over every file's name, size and mtime, plus the bytes of ``samples`` evenly spread files.

    This is what a cache of vectors computed from the frames is keyed on: an
    edited, replaced or re-encoded frame changes the size or mtime (and a
    sampled one its bytes, even with the mtime restored), while a cache hit
    costs one ``stat`` per frame and reading a few files (about 2 ms for 800
    frames).  Missing files hash as missing.
    """
    h = hashlib.sha256()
    for path in paths:
        try:
            st = path.stat()
            h.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{path.name}\0missing\n".encode())
    if paths:
        picks = sorted({round(i * (len(paths) - 1) / max(samples - 1, 1)) for i in range(min(samples, len(paths)))})
        for i in picks:
            try:
                with open(paths[i], "rb") as fh:
                    head = fh.read(FINGERPRINT_CHUNK)
                    fh.seek(0, 2)
                    if fh.tell() > 2 * FINGERPRINT_CHUNK:
                        fh.seek(-FINGERPRINT_CHUNK, 2)
                        head += fh.read(FINGERPRINT_CHUNK)
                    elif fh.tell() > FINGERPRINT_CHUNK:
                        fh.seek(FINGERPRINT_CHUNK)
                        head += fh.read()
                h.update(hashlib.sha256(head).digest())
            except OSError:
                h.update(b"unreadable")
    return h.hexdigest()[:32]


def source_fingerprint(source: object) -> str | None:
    """The source's :meth:`fingerprint`, or None for sources without one."""
    method = getattr(source, "fingerprint", None)
    return method() if callable(method) else None


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image file: from its header where it has one we read (nothing decoded),
    else decoded by OpenCV; above :data:`~trackbench.datasets.image_header.MAX_PIXELS` an error."""
    check_pixels(path)
    size = header_size(path)
    if size is not None:
        return int(size[0]), int(size[1])
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise FileNotFoundError(f"cannot read image {path}")
    return int(image.shape[1]), int(image.shape[0])

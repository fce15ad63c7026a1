"""Annotated videos: track boxes, ids and short trails drawn on frames, written safely.

``bench track`` lets a user look at what a tracker did on their own video.  A
colour per id (spread around the hue circle so neighbours differ) makes an
identity switch visible as a change of colour; a short trail of past box
centres shows where each track came from.  The video is written to a hidden
temporary file and renamed when complete, so an interrupted run never leaves
a truncated video under the final name.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

GOLDEN = 0.618033988749895  # hue step that spreads consecutive ids far apart


def id_colour(track_id: int) -> tuple[int, int, int]:
    """A stable, saturated BGR colour for a track id."""
    hue = int(((track_id * GOLDEN) % 1.0) * 180)
    hsv = np.array([[[hue, 230, 255]]], np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


class Trails:
    """The last ``length`` box centres of each track; tracks unseen for ``length`` frames are forgotten."""

    def __init__(self, length: int = 30) -> None:
        self.length = length
        self.points: dict[int, deque[tuple[int, int]]] = {}
        self.last_seen: dict[int, int] = {}
        self.frame = 0

    def update(self, ids: np.ndarray, boxes: np.ndarray) -> None:
        self.frame += 1
        for track_id, box in zip(ids.tolist(), boxes):
            centre = (int(round((box[0] + box[2]) / 2.0)), int(round((box[1] + box[3]) / 2.0)))
            self.points.setdefault(track_id, deque(maxlen=self.length)).append(centre)
            self.last_seen[track_id] = self.frame
        for track_id in [i for i, f in self.last_seen.items() if self.frame - f >= self.length]:
            del self.points[track_id], self.last_seen[track_id]


def _finite_int_box(box: np.ndarray, width: int, height: int) -> tuple[int, int, int, int] | None:
    """Pixel corners for drawing, clamped far outside the image so OpenCV never overflows."""
    if not np.isfinite(box).all():
        return None
    low = np.array([-width, -height, -width, -height], np.float64)
    x1, y1, x2, y2 = np.clip(box, low, -2 * low).round().astype(int)
    return int(x1), int(y1), int(x2), int(y2)


def draw_tracks(image: np.ndarray, ids: np.ndarray, boxes: np.ndarray, trails: Trails | None = None,
                detections: np.ndarray | None = None) -> np.ndarray:
    """Draw detections (thin grey), trails, track boxes and id labels on ``image`` (in place)."""
    height, width = image.shape[:2]
    thickness = max(1, round(min(width, height) / 360))
    font_scale = max(0.35, min(width, height) / 900)
    for box in detections if detections is not None else ():
        corners = _finite_int_box(box, width, height)
        if corners:
            cv2.rectangle(image, corners[:2], corners[2:], (160, 160, 160), 1)
    if trails is not None:
        for track_id, points in trails.points.items():
            if len(points) > 1:
                pts = np.array(points, np.int32).reshape(-1, 1, 2)
                cv2.polylines(image, [pts], False, id_colour(track_id), thickness, cv2.LINE_AA)
    for track_id, box in zip(ids.tolist(), boxes):
        corners = _finite_int_box(box, width, height)
        if corners is None:
            continue
        colour = id_colour(track_id)
        cv2.rectangle(image, corners[:2], corners[2:], colour, thickness)
        label = str(track_id)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
        x = min(max(corners[0], 0), max(width - tw - 2, 0))
        y = min(max(corners[1], th + base + 1), height - 1)
        cv2.rectangle(image, (x, y - th - base - 1), (x + tw + 2, y), colour, -1)
        cv2.putText(image, label, (x + 1, y - base), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), 1, cv2.LINE_AA)
    return image


class AtomicVideoWriter:
    """Writes frames to ``<folder>/.<name>.partial<ext>``; renames to the final path on success.

    MP4 (``mp4v``) is tried first; when this OpenCV build cannot write it, the
    video falls back to Motion-JPEG in an ``.avi``.  ``path`` is the final
    file name actually used.  Leaving the ``with`` block by an exception
    deletes the partial file.
    """

    CODECS = ((".mp4", "mp4v"), (".avi", "MJPG"))

    def __init__(self, stem_path: Path, fps: float, size: tuple[int, int]) -> None:
        self.stem_path = Path(stem_path)
        self.fps = fps if fps > 0 else 25.0
        self.size = size
        self.writer: cv2.VideoWriter | None = None
        self.path: Path | None = None
        self.partial: Path | None = None
        self.frames = 0

    def __enter__(self) -> "AtomicVideoWriter":
        self.stem_path.parent.mkdir(parents=True, exist_ok=True)
        for ext, codec in self.CODECS:
            partial = self.stem_path.parent / f".{self.stem_path.name}.partial{ext}"
            writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*codec), self.fps, self.size)
            if writer.isOpened():
                self.writer, self.partial = writer, partial
                self.path = self.stem_path.with_name(self.stem_path.name + ext)
                return self
            writer.release()
            partial.unlink(missing_ok=True)
        raise RuntimeError(f"OpenCV cannot write a video here (tried {', '.join(c for _, c in self.CODECS)})")

    def write(self, image: np.ndarray) -> None:
        assert self.writer is not None, "use AtomicVideoWriter in a with block"
        if (image.shape[1], image.shape[0]) != self.size:
            raise ValueError(f"frame size {image.shape[1]}x{image.shape[0]} differs from the video's {self.size}")
        self.writer.write(image)
        self.frames += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.writer is not None:
            self.writer.release()
        if self.partial is None or self.path is None:
            return
        if exc_type is None:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)

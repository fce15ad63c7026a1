"""Annotated videos: track boxes, ids and short trails drawn on frames, written safely.

``bench track`` lets a user look at what a tracker did on their own video.  A
colour per id (spread around the hue circle so neighbours differ) makes an
identity switch visible as a change of colour; a short trail of past box
centres shows where each track came from.  The video is written to a hidden
temporary file and renamed when complete, so an interrupted run never leaves
a truncated video under the final name; its format is the most widely
playable one at hand (H.264, else VP8/VP9 WebM, which
browsers play too; see :class:`AtomicVideoWriter`).
"""

from __future__ import annotations

import os
import shutil
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Iterator

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

    Codecs are tried in order of how widely browsers play them: H.264 in MP4
    through OpenCV (``avc1``; needs an OpenCV whose FFmpeg has an H.264
    encoder, which the pip wheels lack), then H.264 through the ffmpeg of the
    optional imageio-ffmpeg wheel (libx264), then VP8 and VP9 in WebM
    (Chrome, Firefox, Edge and Safari play them; the pip wheels can write
    them, VP8 about 3x faster), then MPEG-4 Part 2 and Motion-JPEG, which
    players such as VLC open but browsers do not.  When no codec opens at all, the frames are written as numbered JPEG
    files in ``<name>_frames/``.  ``path`` is what was written; ``note``
    says why it is not H.264 when it is not.  Leaving the ``with`` block by an
    exception deletes the partial output.
    """

    #: (extension, fourcc, description, plays in browsers); fourcc "ffmpeg" is imageio-ffmpeg's libx264.
    CODECS = (
        (".mp4", "avc1", "H.264 MP4", True),
        (".mp4", "ffmpeg", "H.264 MP4", True),
        (".webm", "VP80", "VP8 WebM", True),
        (".webm", "VP90", "VP9 WebM", True),
        (".mp4", "mp4v", "MPEG-4 Part 2 MP4", False),
        (".avi", "MJPG", "Motion-JPEG AVI", False),
    )

    def __init__(self, stem_path: Path, fps: float, size: tuple[int, int]) -> None:
        self.stem_path = Path(stem_path)
        self.fps = fps if fps > 0 else 25.0
        self.size = size
        self.writer: cv2.VideoWriter | FfmpegH264Writer | None = None
        self.path: Path | None = None
        self.partial: Path | None = None
        self.frames = 0
        self.format = ""
        self.browser_playable = False
        self.note: str | None = None
        self.via = ""  # "OpenCV" or "imageio-ffmpeg"

    def _open(self, partial: Path, codec: str) -> "cv2.VideoWriter | FfmpegH264Writer | None":
        if codec == "ffmpeg":
            return FfmpegH264Writer.open(partial, self.fps, self.size)
        with _quiet_stderr():  # FFmpeg logs every encoder it fails to open
            writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*codec), self.fps, self.size)
        if writer.isOpened():
            return writer
        writer.release()
        return None

    def __enter__(self) -> "AtomicVideoWriter":
        self.stem_path.parent.mkdir(parents=True, exist_ok=True)
        for ext, codec, described, playable in self.CODECS:
            partial = self.stem_path.parent / f".{self.stem_path.name}.partial{ext}"
            writer = self._open(partial, codec)
            if writer is not None:
                self.writer, self.partial, self.format, self.browser_playable = writer, partial, described, playable
                self.via = "imageio-ffmpeg" if codec == "ffmpeg" else "OpenCV"
                self.path = self.stem_path.with_name(self.stem_path.name + ext)
                self._explain(codec)
                return self
            partial.unlink(missing_ok=True)
        self.partial = self.stem_path.parent / f".{self.stem_path.name}.partial_frames"
        self.partial.mkdir(exist_ok=True)
        self.path = self.stem_path.with_name(self.stem_path.name + "_frames")
        self.format = "JPEG image sequence"
        self._explain("")
        return self

    def _explain(self, codec: str) -> None:
        if codec == "avc1":
            return
        if codec == "ffmpeg":
            self.note = "this OpenCV build cannot encode H.264; encoded it with imageio-ffmpeg's libx264 instead"
        elif self.browser_playable:
            self.note = (f"this OpenCV build cannot encode H.264 (pip install 'trackbench[video]' adds an encoder); "
                         f"wrote {self.format} instead, which browsers play")
        elif self.writer is not None:
            self.note = (f"this OpenCV build cannot encode H.264 or WebM; wrote {self.format}, which video players "
                         "open but browsers do not (pip install 'trackbench[video]' adds an H.264 encoder)")
        else:
            self.note = f"this OpenCV build cannot write any video format; wrote the frames as JPEG files in {self.path}"

    def write(self, image: np.ndarray) -> None:
        assert self.partial is not None, "use AtomicVideoWriter in a with block"
        if (image.shape[1], image.shape[0]) != self.size:
            raise ValueError(f"frame size {image.shape[1]}x{image.shape[0]} differs from the video's {self.size}")
        self.frames += 1
        if self.writer is not None:
            self.writer.write(image)
        elif not cv2.imwrite(str(self.partial / f"{self.frames:06d}.jpg"), image):
            raise OSError(f"cannot write frame {self.frames} to {self.partial}")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.writer is not None:
            self.writer.release()
        if self.partial is None or self.path is None:
            return
        if exc_type is None:
            if self.partial.is_dir() and self.path.is_dir():
                shutil.rmtree(self.path)
            os.replace(self.partial, self.path)
        elif self.partial.is_dir():
            shutil.rmtree(self.partial, ignore_errors=True)
        else:
            self.partial.unlink(missing_ok=True)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level writes to stderr (FFmpeg's log) for the duration; Python's stderr is untouched."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (e.g. some embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class FfmpegH264Writer:
    """H.264 (libx264, yuv420p, fast start) through the ffmpeg binary that the imageio-ffmpeg wheel ships.

    The pip builds of OpenCV have no H.264 encoder; this one is optional
    (``trackbench[video]``) and used only when OpenCV's ``avc1`` is missing.
    Same ``write``/``release`` interface as ``cv2.VideoWriter``.
    """

    def __init__(self, frames) -> None:
        self._frames = frames

    @classmethod
    def open(cls, path: Path, fps: float, size: tuple[int, int]) -> "FfmpegH264Writer | None":
        try:
            import imageio_ffmpeg
        except ImportError:
            return None
        frames = imageio_ffmpeg.write_frames(
            str(path), size, pix_fmt_in="bgr24", pix_fmt_out="yuv420p", fps=fps, codec="libx264",
            macro_block_size=1, quality=None, ffmpeg_log_level="error",
            output_params=["-preset", "veryfast", "-crf", "23", "-movflags", "+faststart",
                           "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"],  # yuv420p needs even sides
        )
        try:
            frames.send(None)  # starts ffmpeg
        except (OSError, RuntimeError):
            return None
        return cls(frames)

    def write(self, image: np.ndarray) -> None:
        self._frames.send(np.ascontiguousarray(image).tobytes())

    def release(self) -> None:
        self._frames.close()

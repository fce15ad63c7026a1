"""One frame of an event clip: the image scaled down, gt and each tracker's boxes drawn in their own colour.

A clip exists to let the eye follow an error as it happens, so the three
sources must never be confused: gt is always green, the first tracker always
orange-red (the colours of :mod:`.crops`), the second always blue, whatever
the ids.  Every box carries its source and id (``gt 3``, ``A 17``); the boxes
the event is about are drawn thick and the rest thin, so a crowded scene
still shows where to look.  A strip at the top names the frame and which
tracker is ``A`` and ``B`` (tracker names come from files: they are only ever
drawn as pixels here, reduced to printable ASCII, which OpenCV's font has).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from trackbench.harness.inspect.crops import TRACK_COLOUR

#: BGR colours of the first and second tracker's boxes.
TRACKER_COLOURS = (TRACK_COLOUR, (230, 140, 20))
#: Clips are scaled so that their longer side is at most this (a 1080p frame becomes 960x540).
MAX_SIDE = 960
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_STRIP = 20  # height of the caption strip at the top, pixels


@dataclass(frozen=True)
class Layer:
    """One source of boxes (gt or a tracker) over a sequence, rows in frame order."""

    tag: str  # "gt", "A", "B": what the labels say
    title: str  # what the caption strip says (e.g. "A: sort")
    colour: tuple[int, int, int]
    frames: np.ndarray  # (N,) 1-based, ascending
    ids: np.ndarray  # (N,)
    boxes: np.ndarray  # (N, 4) tlbr in image pixels

    def at(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, boxes) of ``frame`` (the rows are sorted by frame, so a binary search finds them)."""
        lo, hi = np.searchsorted(self.frames, [frame, frame + 1])
        return self.ids[lo:hi], self.boxes[lo:hi]


def clip_size(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """(width, height) of a clip of ``width`` x ``height`` frames: at most ``max_side``, both sides even.

    Even sides because H.264 in yuv420p needs them (the imageio-ffmpeg writer
    would pad an odd side, and the decoded size would then differ from ours).
    """
    scale = min(1.0, max_side / max(width, height))
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


def ascii_label(text: str, limit: int = 28) -> str:
    """Printable ASCII (OpenCV's Hershey font has nothing else), at most ``limit`` characters."""
    clean = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return clean if len(clean) <= limit else clean[:limit - 1] + "~"


def scaled(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` resized to ``size`` (area averaging when shrinking, which keeps thin edges legible)."""
    if (image.shape[1], image.shape[0]) == size:
        return image.copy()
    shrink = size[0] < image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def render_frame(base: np.ndarray, scale: tuple[float, float], frame: int, layers: list[Layer],
                 focus: frozenset[tuple[str, int]]) -> np.ndarray:
    """A copy of ``base`` (the frame already at clip size; ``scale`` maps image pixels to it) with every
    layer's boxes of ``frame`` drawn; ``focus`` holds the (tag, id) pairs drawn thick."""
    canvas = base.copy()
    sx, sy = scale
    for n, layer in enumerate(layers):
        ids, boxes = layer.at(frame)
        for ident, box in zip(ids.tolist(), boxes):
            _box(canvas, box * (sx, sy, sx, sy), f"{layer.tag} {ident}", layer.colour, n,
                 (layer.tag, int(ident)) in focus)
    _caption(canvas, frame, layers)
    return canvas


def _box(canvas: np.ndarray, box: np.ndarray, label: str, colour: tuple[int, int, int], slot: int,
         thick: bool) -> None:
    """A box and its label: gt's above the box, the first tracker's inside at the top, the second's at the bottom."""
    if not np.isfinite(box).all():
        return
    h, w = canvas.shape[:2]
    x1, y1, x2, y2 = np.clip(box, [-w, -h, -w, -h], [2 * w, 2 * h, 2 * w, 2 * h]).round().astype(int).tolist()
    cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 3 if thick else 1, cv2.LINE_AA)
    scale = 0.45 if thick else 0.35
    (tw, th), base = cv2.getTextSize(label, _FONT, scale, 1)
    x = min(max(x1, 0), max(w - tw - 2, 0))
    y = (y1 - 2, y1 + th + base + 2, y2 - 2)[min(slot, 2)]
    y = min(max(y, _STRIP + th + base + 1), h - 1)
    cv2.rectangle(canvas, (x, y - th - base - 1), (x + tw + 2, y), colour, -1)
    cv2.putText(canvas, label, (x + 1, y - base), _FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)


def _caption(canvas: np.ndarray, frame: int, layers: list[Layer]) -> None:
    """The top strip: frame number, then each source's title in its colour."""
    cv2.rectangle(canvas, (0, 0), (canvas.shape[1], _STRIP), (20, 20, 20), -1)
    x = 6
    for text, colour in [(f"frame {frame}", (255, 255, 255))] + [(layer.title, layer.colour) for layer in layers]:
        text = ascii_label(text, 40)
        cv2.putText(canvas, text, (x, _STRIP - 6), _FONT, 0.45, colour, 1, cv2.LINE_AA)
        x += cv2.getTextSize(text, _FONT, 0.45, 1)[0][0] + 14

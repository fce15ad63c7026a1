"""Lazy, deterministic frames of a synthetic sequence.

A frame is a function of the stored scene and the frame number only: the
background crop at the camera position, every object's sprite pasted far to
near, and sensor noise cut from a fixed noise field at a per-frame offset.  So
iteration and random access give the same pixels, any number of times, and
nothing but the background, the sprites and the noise field is ever held (a few
megabytes, built on the first read).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import cv2
import numpy as np

from trackbench.datasets.synth_config import STREAM_BACKGROUND, STREAM_NOISE
from trackbench.datasets.synth_motion import FACADE_BOTTOM, SynthScene
from trackbench.datasets.synth_texture import background, paste, sprite

_NOISE_MARGIN = 32  # the noise field is this much larger than a frame, for the offsets


class SynthFrameSource:
    """A :class:`trackbench.datasets.sequence.FrameSource` that draws frames on demand."""

    def __init__(self, scene: SynthScene) -> None:
        self.scene = scene
        self._background: np.ndarray | None = None
        self._pad = (0, 0)
        self._sprites: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._noise: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return self.scene.length

    def __iter__(self) -> Iterator[np.ndarray]:
        for frame in range(1, len(self) + 1):
            yield self.render(frame)

    def read(self, frame: int) -> np.ndarray:
        return self.render(frame)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the scene only (worker processes rebuild the caches)."""
        return {"scene": self.scene}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["scene"])  # type: ignore[misc]

    def render(self, frame: int, objects: bool = True, noise: bool = True) -> np.ndarray:
        """Frame ``frame`` (1-based) as BGR uint8; without objects or noise for tests and masks."""
        if not 1 <= frame <= len(self):
            raise IndexError(f"{self.scene.name}: frame {frame} outside 1..{len(self)}")
        t = frame - 1
        img = self._background_crop(t)
        if objects:
            self._draw_objects(img, t)
        if noise and self.scene.config.pixel_noise > 0:
            img = self._add_noise(img, t)
        return img

    def _background_crop(self, t: int) -> np.ndarray:
        if self._background is None:
            self._build_background()
        assert self._background is not None
        cfg = self.scene.config
        cx, cy = (int(round(c)) for c in self.scene.camera[t])
        px, py = self._pad
        return self._background[py + cy : py + cy + cfg.height, px + cx : px + cx + cfg.width].copy()

    def _build_background(self) -> None:
        """World picture covering every camera position (plus the sites drawn into it)."""
        scene, cfg = self.scene, self.scene.config
        cam = scene.camera
        px = int(math.ceil(max(0.0, -cam[:, 0].min()))) + 2
        py = int(math.ceil(max(0.0, -cam[:, 1].min()))) + 2
        width = px + int(math.ceil(max(0.0, cam[:, 0].max()))) + 2 + cfg.width
        height = py + int(math.ceil(max(0.0, cam[:, 1].max()))) + 2 + cfg.height
        shift = np.array([px, py, px, py], np.float64)
        sites = [(box + shift, look) for box, look in zip(scene.sites, scene.site_looks)]
        rng = cfg.rng(scene.index, STREAM_BACKGROUND)
        self._background = background(rng, width, height, FACADE_BOTTOM * cfg.height + py, sites)
        self._pad = (px, py)

    def _draw_objects(self, img: np.ndarray, t: int) -> None:
        """Paste sprites far to near (painter's algorithm), as visibility assumes."""
        if self._sprites is None:
            self._sprites = [sprite(look) for look in self.scene.looks]
        boxes = self.scene.boxes[:, t]
        idx = np.flatnonzero(~np.isnan(boxes[:, 0]))
        idx = idx[np.argsort(boxes[idx, 3], kind="stable")]
        for i in idx:
            x1, y1, x2, y2 = (int(round(c)) for c in boxes[i])
            tex, mask = self._sprites[i]
            paste(img, tex, mask, x1, y1, x2, y2)

    def _add_noise(self, img: np.ndarray, t: int) -> np.ndarray:
        """Sensor noise: a fixed random field, cut at a per-frame pseudo-random offset."""
        if self._noise is None:
            cfg = self.scene.config
            rng = cfg.rng(self.scene.index, STREAM_NOISE)
            shape = (cfg.height + _NOISE_MARGIN, cfg.width + _NOISE_MARGIN, 3)
            field = np.rint(rng.normal(0.0, cfg.pixel_noise, shape))
            offsets = rng.integers(0, _NOISE_MARGIN + 1, (len(self), 2))
            self._noise = (np.clip(field, 0, 255).astype(np.uint8), np.clip(-field, 0, 255).astype(np.uint8), offsets)
        up, down, offsets = self._noise
        H, W = img.shape[:2]
        dx, dy = (int(o) for o in offsets[t])
        img = cv2.add(img, up[dy : dy + H, dx : dx + W])
        return cv2.subtract(img, down[dy : dy + H, dx : dx + W])

"""Looks of the synthetic dataset: object textures and the static background.

Objects are saturated, patterned sprites on a muted background, so colour
histograms and appearance embedders have something to work with; a share of
objects copy another object's colours (``SynthConfig.similar_fraction``) so that
appearance alone cannot solve association.  The background carries corners and
lines so that camera-motion compensation (feature matching, ECC) can lock on.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, replace

import cv2
import numpy as np

from trackbench.datasets.synth_geometry import shape_mask

PATTERNS = ("hstripes", "vstripes", "checker", "diag", "split", "dots")
SPRITE_HEIGHT = 128  # sprites are drawn once at this height and resized per frame

Colour = tuple[int, int, int]  # BGR


@dataclass(frozen=True)
class Appearance:
    """How one object looks; the sprite pixels follow from it deterministically."""

    shape: int
    aspect: float  # width / height of the object's box
    colours: tuple[Colour, Colour, Colour]
    pattern: str
    period: float  # pattern period as a fraction of the object's height
    accent: bool  # a band of the third colour at the top ("head", "roof")
    seed: int  # texture noise


def _bgr(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))
    return (round(b * 255), round(g * 255), round(r * 255))


def _fresh_palette(rng: np.random.Generator) -> tuple[Colour, Colour, Colour]:
    """Two saturated colours of different hue plus a neutral (dark or light)."""
    h0 = rng.random()
    h1 = h0 + rng.choice((-1.0, 1.0)) * rng.uniform(0.15, 0.5)
    c0 = _bgr(h0, rng.uniform(0.55, 1.0), rng.uniform(0.5, 0.95))
    c1 = _bgr(h1, rng.uniform(0.4, 1.0), rng.uniform(0.3, 0.95))
    c2 = _bgr(rng.random(), rng.uniform(0.0, 0.15), rng.choice((rng.uniform(0.1, 0.25), rng.uniform(0.8, 0.95))))
    return c0, c1, c2


def _similar_palette(rng: np.random.Generator, base: tuple[Colour, Colour, Colour]) -> tuple[Colour, Colour, Colour]:
    """The base colours nudged slightly: a look-alike, not a twin."""
    out = []
    for k, (b, g, r) in enumerate(base):
        h, s, v = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
        if k < 2:
            h, s, v = h + rng.normal(0, 0.015), s + rng.normal(0, 0.05), v + rng.normal(0, 0.05)
        out.append(_bgr(h, s, v))
    return out[0], out[1], out[2]


def make_appearances(rng: np.random.Generator, shapes: np.ndarray, aspects: np.ndarray, similar_fraction: float) -> list[Appearance]:
    """One appearance per object; some copy an earlier object's palette."""
    looks: list[Appearance] = []
    for i, (shape, aspect) in enumerate(zip(shapes, aspects)):
        seed = int(rng.integers(2**31))
        if looks and rng.random() < similar_fraction:
            base = looks[int(rng.integers(len(looks)))]
            pattern = base.pattern if rng.random() < 0.5 else str(rng.choice(PATTERNS))
            look = replace(base, shape=int(shape), aspect=float(aspect), colours=_similar_palette(rng, base.colours), pattern=pattern, seed=seed)
        else:
            look = Appearance(
                shape=int(shape),
                aspect=float(aspect),
                colours=_fresh_palette(rng),
                pattern=str(rng.choice(PATTERNS)),
                period=float(rng.uniform(0.12, 0.35)),
                accent=bool(rng.random() < 0.5),
                seed=seed,
            )
        looks.append(look)
    return looks


def _pattern_index(look: Appearance, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Which palette colour (0, 1, 2) each sprite pixel takes."""
    x = u * look.aspect / look.period  # period measured in object heights on both axes
    y = v / look.period
    if look.pattern == "hstripes":
        idx = np.floor(y) % 2
    elif look.pattern == "vstripes":
        idx = np.floor(x) % 2
    elif look.pattern == "checker":
        idx = (np.floor(x) + np.floor(y)) % 2
    elif look.pattern == "diag":
        idx = np.floor(x + y) % 2
    elif look.pattern == "split":
        idx = np.where(v < 0.5, 0, 1) + np.where(np.abs(v - 0.5) < 0.04, 1, 0)
    else:  # dots
        fx, fy = x % 1.0 - 0.5, y % 1.0 - 0.5
        idx = (fx * fx + fy * fy < 0.09).astype(np.float64)
    idx = np.broadcast_to(idx, np.broadcast_shapes(u.shape, v.shape)).astype(np.int64)
    if look.accent:
        idx = np.where(v < 0.14, 2, idx)
    return np.minimum(idx, 2)


def sprite(look: Appearance) -> tuple[np.ndarray, np.ndarray]:
    """The object's texture (BGR uint8) and silhouette mask, drawn once per object.

    Shading (brighter at the top, darker at the sides) gives the flat palette
    some depth, and fixed grain keeps sprites from being piecewise constant, as
    real crops never are.
    """
    h = SPRITE_HEIGHT
    w = max(4, round(h * look.aspect))
    u = ((np.arange(w) + 0.5) / w)[None, :]
    v = ((np.arange(h) + 0.5) / h)[:, None]
    palette = np.asarray(look.colours, np.float64)
    img = palette[_pattern_index(look, u, v)]  # (h, w, 3)
    shade = (1.08 - 0.2 * v) * (0.8 + 0.2 * np.sin(np.pi * u))
    grain = np.random.default_rng(look.seed).normal(0.0, 6.0, (h, w, 1))
    img = np.clip(img * shade[:, :, None] + grain, 0, 255).astype(np.uint8)
    return img, shape_mask(look.shape, w, h)


def _muted(rng: np.random.Generator, lo: float = 0.25, hi: float = 0.75) -> Colour:
    return _bgr(rng.random(), rng.uniform(0.0, 0.22), rng.uniform(lo, hi))


def background(
    rng: np.random.Generator,
    width: int,
    height: int,
    horizon: float,
    sites: list[tuple[np.ndarray, Appearance]],
) -> np.ndarray:
    """A static world picture of ``height x width`` pixels (world origin at 0, 0).

    Above ``horizon`` (a world row) stand facades with window grids; below it
    lies paved ground with perspective lines and scattered clutter.  ``sites``
    are object-like background things (box in world pixels, look) that the
    simulated detector sometimes fires on.
    """
    ground = np.array(_muted(rng, 0.45, 0.7), np.float64)
    # Brightness blotches with only a faint tint, so the ground stays muted next to the objects.
    small = rng.random((height // 48 + 2, width // 48 + 2, 3))
    small = 0.85 * small.mean(axis=2, keepdims=True) + 0.15 * small
    blotch = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    img = ground[None, None, :] * (0.6 + 0.8 * blotch)
    img *= np.linspace(0.85, 1.1, height)[:, None, None]
    img = np.clip(img, 0, 255).astype(np.uint8)

    top = int(max(0, horizon))
    _draw_facades(rng, img, top)
    _draw_paving(rng, img, top)
    _draw_clutter(rng, img, top)
    for box, look in sites:
        _paste_static(img, look, box)
    noise = rng.normal(0.0, 4.0, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _draw_facades(rng: np.random.Generator, img: np.ndarray, top: int) -> None:
    """Buildings along the far edge of the ground: strong corners for motion estimation."""
    x = -int(rng.integers(0, 60))
    width = img.shape[1]
    while x < width:
        w = int(rng.integers(60, 160))
        y0 = int(rng.integers(0, max(1, top // 2)))
        cv2.rectangle(img, (x, y0), (x + w, top), _muted(rng, 0.3, 0.8), -1)
        win = _muted(rng, 0.1, 0.35)
        step = int(rng.integers(14, 24))
        for wy in range(y0 + 8, top - 10, step):
            for wx in range(x + 8, x + w - 10, step):
                cv2.rectangle(img, (wx, wy), (wx + step // 2, wy + step // 2), win, -1)
        x += w + int(rng.integers(0, 20))


def _draw_paving(rng: np.random.Generator, img: np.ndarray, top: int) -> None:
    """Ground lines that get sparser towards the viewer, like paving in perspective."""
    height, width = img.shape[:2]
    colour = _muted(rng, 0.2, 0.4)
    y = float(top) + 6.0
    gap = 6.0
    while y < height:
        cv2.line(img, (0, int(y)), (width - 1, int(y)), colour, 1, cv2.LINE_AA)
        gap *= 1.25
        y += gap
    for x in range(-width, 2 * width, 90):
        cv2.line(img, (width // 2 + (x - width // 2) // 4, top), (x, height - 1), colour, 1, cv2.LINE_AA)


def _draw_clutter(rng: np.random.Generator, img: np.ndarray, top: int) -> None:
    """Small static blobs on the ground: texture, but not object-like."""
    height, width = img.shape[:2]
    for _ in range(int(width * height / 6000)):
        cx, cy = int(rng.integers(0, width)), int(rng.integers(top, height))
        r = int(rng.integers(3, 14))
        colour = _muted(rng, 0.15, 0.9)
        if rng.random() < 0.5:
            cv2.circle(img, (cx, cy), r, colour, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(img, (cx - r, cy - r // 2), (cx + r, cy + r // 2), colour, -1)


def _paste_static(img: np.ndarray, look: Appearance, box: np.ndarray) -> None:
    x1, y1, x2, y2 = (int(round(c)) for c in box)
    tex, mask = sprite(look)
    paste(img, tex, mask, x1, y1, x2, y2)


def paste(img: np.ndarray, tex: np.ndarray, mask: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> None:
    """Draw a sprite resized to the pixel box [x1, x2) x [y1, y2), clipped to the image."""
    w, h = x2 - x1, y2 - y1
    H, W = img.shape[:2]
    cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, W), min(y2, H)
    if w < 1 or h < 1 or cx1 >= cx2 or cy1 >= cy2:
        return
    interp = cv2.INTER_AREA if h < tex.shape[0] else cv2.INTER_LINEAR
    t = cv2.resize(tex, (w, h), interpolation=interp)[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1]
    m = cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST_EXACT)[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1]
    np.copyto(img[cy1:cy2, cx1:cx2], t, where=m[:, :, None].astype(bool))


def mute(look: Appearance) -> Appearance:
    """Desaturate a look: clutter should resemble objects in shape, not stand out in colour."""

    def grey(colour: Colour) -> Colour:
        m = sum(colour) / 3
        b, g, r = (int(round(m + 0.3 * (c - m))) for c in colour)
        return (b, g, r)

    return replace(look, colours=(grey(look.colours[0]), grey(look.colours[1]), grey(look.colours[2])))


__all__ = ["Appearance", "make_appearances", "mute", "sprite", "background", "paste"]

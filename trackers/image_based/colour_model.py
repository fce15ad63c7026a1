"""A track's colour model: a background-weighted hue–saturation histogram.

Mean shift needs, per track, an image whose pixels say "how much does this look
like the tracked object".  The classic answer (Bradski's CamShift) is the
back-projection of a hue–saturation histogram of the object.  A detection box
holds a lot of background, so two masks keep the model on the object:

* an ellipse inscribed in the box (corners of a person box are background), and
  only pixels whose hue is meaningful (saturation and brightness above a floor:
  the hue of grey or dark pixels is noise);
* Comaniciu's background-weighted histogram: colours frequent in a ring around
  the box are scaled down by ``min(bg_min / bg(u), 1)``, so a pavement-coloured
  bin cannot dominate the model of a person standing on the pavement.

The model also stores how strongly the object back-projects onto itself when it
was taken (``reference``); a tracker compares the evidence it finds later with
it to notice that a track has lost its object.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from trackbench.trackers.image_based.boxgeom import Window, clipped_window, expand

HUE_RANGE = (0.0, 180.0)  # OpenCV 8-bit hue
SAT_RANGE = (0.0, 256.0)


@dataclass(frozen=True)
class ColourSettings:
    """How colour models are built (copied from the tracker's parameters)."""

    hue_bins: int = 16
    sat_bins: int = 16
    min_saturation: int = 30  # pixels below carry no reliable hue
    min_value: int = 20  # nor do very dark pixels
    background_margin: float = 0.5  # ring width around the box, × box size


@dataclass
class ColourModel:
    """One track's histogram (float32, max 255, as calcBackProject expects) and its self-evidence."""

    hist: np.ndarray
    reference: float  # mean back-projection (0..1) inside the source box's ellipse
    size: tuple[float, float]  # (w, h) of the box the model was taken from


def hue_mask(hsv: np.ndarray, settings: ColourSettings) -> np.ndarray:
    """255 where a pixel's hue is meaningful, 0 elsewhere (low saturation or too dark)."""
    low = np.array([0, settings.min_saturation, settings.min_value], np.uint8)
    high = np.array([180, 255, 255], np.uint8)
    return cv2.inRange(hsv, low, high)


def ellipse_mask(w: int, h: int) -> np.ndarray:
    """A filled ellipse inscribed in a ``w`` × ``h`` window (uint8 0/255)."""
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (max(w // 2, 1), max(h // 2, 1)), 0, 0, 360, 255, -1)
    return mask


def _histogram(hsv: np.ndarray, mask: np.ndarray, settings: ColourSettings) -> np.ndarray:
    return cv2.calcHist([hsv], [0, 1], mask, [settings.hue_bins, settings.sat_bins], [*HUE_RANGE, *SAT_RANGE])


def _background_weights(hsv: np.ndarray, box: np.ndarray, settings: ColourSettings) -> np.ndarray | None:
    """Per-bin weights ``min(bg_min / bg(u), 1)`` from the ring around ``box``; None without a ring."""
    height, width = hsv.shape[:2]
    outer = clipped_window(expand(box, settings.background_margin), width, height)
    inner = clipped_window(box, width, height)
    if outer is None or inner is None:
        return None
    ox, oy, ow, oh = outer
    ring = hue_mask(hsv[oy:oy + oh, ox:ox + ow], settings)
    ix, iy, iw, ih = inner
    ring[iy - oy:iy - oy + ih, ix - ox:ix - ox + iw] = 0
    bg = _histogram(hsv[oy:oy + oh, ox:ox + ow], ring, settings)
    present = bg[bg > 0]
    if len(present) == 0:
        return None
    with np.errstate(divide="ignore"):
        return np.minimum(present.min() / bg, 1.0).astype(np.float32)


def back_project(hsv_roi: np.ndarray, hist: np.ndarray, settings: ColourSettings) -> np.ndarray:
    """Likelihood image (uint8) of a region under a model; pixels without hue get 0."""
    prob = cv2.calcBackProject([hsv_roi], [0, 1], hist, [*HUE_RANGE, *SAT_RANGE], 1)
    return cv2.bitwise_and(prob, hue_mask(hsv_roi, settings))


def window_mass(prob: np.ndarray, window: Window) -> float:
    """Mean likelihood (0..1) inside a window of a back-projection."""
    x, y, w, h = window
    patch = prob[y:y + h, x:x + w]
    return float(patch.mean()) / 255.0 if patch.size else 0.0


def build_model(hsv: np.ndarray, box: np.ndarray, settings: ColourSettings) -> ColourModel | None:
    """The colour model of the object in ``box``; None when the box shows no usable colour.

    Boxes that are tiny, outside the image or made only of grey pixels give
    None: the track then has no image evidence and lives on detections alone.
    """
    height, width = hsv.shape[:2]
    window = clipped_window(box, width, height, min_size=4)
    if window is None:
        return None
    x, y, w, h = window
    patch = hsv[y:y + h, x:x + w]
    mask = cv2.bitwise_and(ellipse_mask(w, h), hue_mask(patch, settings))
    if cv2.countNonZero(mask) < 8:
        return None
    hist = _histogram(patch, mask, settings)
    weights = _background_weights(hsv, box, settings)
    if weights is not None:
        hist *= weights
    top = float(hist.max())
    if top <= 0:
        return None
    hist *= 255.0 / top
    prob = back_project(patch, hist, settings)
    inside = ellipse_mask(w, h) > 0
    reference = float(prob[inside].mean()) / 255.0
    if reference <= 0:
        return None
    return ColourModel(hist, reference, (float(box[2] - box[0]), float(box[3] - box[1])))

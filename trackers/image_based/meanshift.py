"""Mean shift and CamShift multi-object trackers (Comaniciu et al. 2000; Bradski 1998).

Each track keeps a colour model (:mod:`.colour_model`) of the detection that
started or last refreshed it.  On every frame the model is back-projected onto
a search region around the track's last box and OpenCV's mean shift climbs the
resulting likelihood to the nearest mode, which moves the box; CamShift also
re-estimates the object's size from the likelihood's moments and scales the box
with it.  When the likelihood inside the moved box falls well below what the
object showed when its model was taken, the object has been lost (occluded,
left, or its colours now match the background) and the track stops moving and
waits for a detection.  Detection association and the track life cycle are the
shared ones of :mod:`.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from trackbench.trackers.image_based.boxgeom import Window, centred_box, clipped_window, expand
from trackbench.trackers.image_based.colour_model import ColourModel, ColourSettings, back_project, build_model, window_mass
from trackbench.trackers.image_based.lifecycle import ImagePropagatedTracker, LifecycleParams
from trackbench.trackers import papers


@dataclass
class MeanShiftParams(LifecycleParams):
    """Colour model, search and stopping settings; defaults suit pedestrians at 7-30 fps."""

    hue_bins: int = 16
    sat_bins: int = 16
    min_saturation: int = 30  # pixels less saturated carry no reliable hue (0..255)
    min_value: int = 20  # nor do pixels darker than this (0..255)
    background_margin: float = 0.5  # ring around the box whose colours are down-weighted, × box size
    search_margin: float = 0.5  # region searched around the last box, × box size per side
    max_iter: int = 10  # mean shift stops after this many iterations ...
    epsilon: float = 1.0  # ... or when the window moves less than this (pixels)
    min_evidence: float = 0.4  # likelihood in the moved box, as a fraction of the model's own, below which the track is lost

    def validate(self) -> None:
        super().validate()
        if self.hue_bins < 1 or self.sat_bins < 1 or self.max_iter < 1:
            raise ValueError("hue_bins, sat_bins and max_iter must be >= 1")
        if self.search_margin < 0 or self.background_margin < 0 or self.epsilon <= 0:
            raise ValueError("search_margin and background_margin must be >= 0, epsilon > 0")


@dataclass
class _Search:
    """A track's search region (image coordinates), its likelihood image, and its box inside it."""

    origin: tuple[int, int]
    prob: np.ndarray
    window: Window  # the box, relative to the region


class MeanShift(ImagePropagatedTracker[np.ndarray, ColourModel]):
    """Colour-histogram mean shift with fixed box size."""

    name = "meanshift"
    paper = papers.MEANSHIFT
    Params = MeanShiftParams
    params: MeanShiftParams

    def __init__(self, params: MeanShiftParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        self.colour = ColourSettings(p.hue_bins, p.sat_bins, p.min_saturation, p.min_value, p.background_margin)
        self.criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, p.max_iter, p.epsilon)

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)

    def model_from(self, hsv: np.ndarray, box: np.ndarray) -> ColourModel | None:
        return build_model(hsv, box, self.colour)

    def propagate(self, hsv: np.ndarray, before: np.ndarray, predicted: np.ndarray,
                  models: list[ColourModel | None]) -> tuple[np.ndarray, list[ColourModel | None]]:
        """Mean shift from each track's predicted box (its last box moved by its velocity)."""
        measured = predicted.copy()
        for i, model in enumerate(models):
            if model is None:
                continue
            moved = self.shift(hsv, predicted[i], model)
            if moved is None:
                models[i] = None
            else:
                measured[i] = moved
        return measured, models

    def search(self, hsv: np.ndarray, box: np.ndarray, model: ColourModel) -> _Search | None:
        """The likelihood of the region around ``box``; None when the box has left the image."""
        height, width = hsv.shape[:2]
        region = clipped_window(expand(box, self.params.search_margin), width, height, min_size=4)
        inner = clipped_window(box, width, height, min_size=2)
        if region is None or inner is None:
            return None
        rx, ry, rw, rh = region
        prob = back_project(hsv[ry:ry + rh, rx:rx + rw], model.hist, self.colour)
        return _Search((rx, ry), prob, (inner[0] - rx, inner[1] - ry, inner[2], inner[3]))

    def shift(self, hsv: np.ndarray, box: np.ndarray, model: ColourModel) -> np.ndarray | None:
        """The box moved to the likelihood mode; None when the object is no longer found."""
        s = self.search(hsv, box, model)
        if s is None:
            return None
        _, (x, y, w, h) = cv2.meanShift(s.prob, s.window, self.criteria)
        if window_mass(s.prob, (x, y, w, h)) < self.params.min_evidence * model.reference:
            return None
        dx, dy = x - s.window[0], y - s.window[1]
        return box + np.array([dx, dy, dx, dy], np.float64)


@dataclass
class CamShiftParams(MeanShiftParams):
    """Mean shift settings plus how fast CamShift may change a box's size."""

    max_scale_step: float = 1.1  # largest size change per frame (ratio), against noisy moments
    min_scale: float = 0.5  # smallest box size relative to the model's detection box
    max_scale: float = 2.0  # largest box size relative to the model's detection box

    def validate(self) -> None:
        super().validate()
        if self.max_scale_step < 1.0 or not 0.0 < self.min_scale <= 1.0 <= self.max_scale:
            raise ValueError("max_scale_step must be >= 1 and min_scale <= 1 <= max_scale, min_scale > 0")


@dataclass
class CamShiftModel(ColourModel):
    """A colour model plus the CamShift ellipse area the object had when it was taken."""

    ellipse_area: float = 0.0


class CamShift(MeanShift):
    """Continuously adaptive mean shift: the box follows the object's size as well as its position.

    CamShift's size estimate (from the likelihood's second moments) fits an
    ellipse, not a detector's box, so the box is not replaced by it: the
    detection's box is scaled by how much the ellipse area changed since the
    model was taken, with the detection's aspect ratio kept and the change per
    frame limited.
    """

    name = "camshift"
    paper = papers.CAMSHIFT
    Params = CamShiftParams
    params: CamShiftParams

    def model_from(self, hsv: np.ndarray, box: np.ndarray) -> CamShiftModel | None:
        model = build_model(hsv, box, self.colour)
        if model is None:
            return None
        s = self.search(hsv, box, model)
        if s is None:
            return None
        (_, (ew, eh), _), _ = cv2.CamShift(s.prob, s.window, self.criteria)
        if ew * eh <= 0:
            return None
        return CamShiftModel(model.hist, model.reference, model.size, float(ew * eh))

    def shift(self, hsv: np.ndarray, box: np.ndarray, model: ColourModel) -> np.ndarray | None:
        assert isinstance(model, CamShiftModel)
        s = self.search(hsv, box, model)
        if s is None:
            return None
        ((cx, cy), (ew, eh), _), window = cv2.CamShift(s.prob, s.window, self.criteria)
        if ew * eh <= 0 or window_mass(s.prob, window) < self.params.min_evidence * model.reference:
            return None
        w, h = self._size(box, model, float(ew * eh))
        return centred_box(cx + s.origin[0], cy + s.origin[1], w, h)

    def _size(self, box: np.ndarray, model: CamShiftModel, ellipse_area: float) -> tuple[float, float]:
        """The detection box's size scaled with the ellipse, limited per frame and overall."""
        p = self.params
        scale = float(np.clip(np.sqrt(ellipse_area / model.ellipse_area), p.min_scale, p.max_scale))
        current = (box[2] - box[0]) / model.size[0]
        scale = float(np.clip(scale, current / p.max_scale_step, current * p.max_scale_step))
        return model.size[0] * scale, model.size[1] * scale

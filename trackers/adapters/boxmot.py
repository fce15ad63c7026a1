"""BoxMOT's motion-only trackers (PyPI ``boxmot``): ByteTrack, OC-SORT, BoT-SORT without ReID.

Built as a BoxMOT user builds them (``ByteTrack()``, ``OcSort()``, ``BotSort()``,
the classes' own defaults; a test checks ``Params`` still match the installed
version; BoxMOT's tuned ``configs/trackers/*.yaml`` values differ and can be
given with ``--param``), except BoT-SORT's appearance embeddings and camera-motion
compensation, which are off: both need what a box-only benchmark does not have
(downloaded re-id weights, images), and every tracker in a table gets the same
input.  Detections go in as BoxMOT's ``(N, 6)`` array ``x1 y1 x2 y2 conf cls``
with class 0.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers import papers
from trackbench.trackers.adapters import PeerTracker
from trackbench.trackers.base import Requirements

ORIGIN = "BoxMOT"


@dataclass
class BoxmotByteTrackParams:
    min_conf: float = 0.1
    track_thresh: float = 0.45
    match_thresh: float = 0.8
    track_buffer: int = 25
    frame_rate: float | None = None  # None: the sequence's frame rate


@dataclass
class BoxmotOcSortParams:
    det_thresh: float = 0.3
    max_age: int = 30
    min_hits: int = 3
    iou_threshold: float = 0.3
    asso_func: str = "iou"
    min_conf: float = 0.1
    delta_t: int = 3
    inertia: float = 0.2
    use_byte: bool = False


@dataclass
class BoxmotBotSortParams:
    track_high_thresh: float = 0.5
    track_low_thresh: float = 0.1
    new_track_thresh: float = 0.6
    track_buffer: int = 30
    match_thresh: float = 0.8
    proximity_thresh: float = 0.5
    frame_rate: float | None = None  # None: the sequence's frame rate
    fuse_first_associate: bool = False
    second_match_thresh: float = 0.5
    unconfirmed_match_thresh: float = 0.7
    removed_stracks_buffer: int = 100
    use_cmc: bool = False  # library default True; needs images
    use_embeddings: bool = False  # library default True; needs re-id weights


class BoxmotTracker(PeerTracker):
    """One BoxMOT tracker class; its ``update(dets, img)`` returns ``x1 y1 x2 y2 id conf cls ind`` rows."""

    module: ClassVar[str] = ""
    library_class: ClassVar[str] = ""
    origin = ORIGIN

    def __init__(self, params: Any | None = None) -> None:
        super().__init__(params)
        if getattr(self.params, "use_embeddings", False):
            raise ValueError(f"{self.name}: use_embeddings needs re-id weights, which trackbench does not download")
        if getattr(self.params, "use_cmc", False):
            self.requires = Requirements(images=True)

    def library_kwargs(self, info) -> dict[str, Any]:
        kwargs = super().library_kwargs(info)
        if "frame_rate" in kwargs:
            kwargs["frame_rate"] = int(round(kwargs["frame_rate"]))  # BoxMOT scales buffers by int rates
        return kwargs

    def _build(self, kwargs: dict[str, Any]) -> Any:
        cls = getattr(importlib.import_module(self.module), self.library_class)
        # BoxMOT logs every construction's settings at INFO; the manifest records them already.
        logging.getLogger("boxmot").setLevel(logging.WARNING)
        return cls(**kwargs)

    def _step(self, frame: np.ndarray | None, detections: Detections) -> tuple[np.ndarray, np.ndarray]:
        dets = np.zeros((len(detections), 6), np.float32)
        dets[:, :4] = detections.boxes
        dets[:, 4] = detections.scores
        out = self.peer.update(dets, frame)
        if len(out) == 0:
            return np.zeros(0, np.int64), np.zeros((0, 4))
        return out[:, 4].astype(np.int64), out[:, :4]


class BoxmotByteTrack(BoxmotTracker):
    name = "boxmot.bytetrack"
    paper = papers.BYTETRACK
    module = "boxmot.trackers.box.bytetrack.tracker"
    library_class = "ByteTrack"
    Params = BoxmotByteTrackParams


class BoxmotOcSort(BoxmotTracker):
    name = "boxmot.ocsort"
    paper = papers.OCSORT
    module = "boxmot.trackers.box.ocsort.tracker"
    library_class = "OcSort"
    Params = BoxmotOcSortParams


class BoxmotBotSort(BoxmotTracker):
    name = "boxmot.botsort"
    paper = papers.BOTSORT + " (re-id and camera-motion compensation off)"
    module = "boxmot.trackers.box.botsort.tracker"
    library_class = "BotSort"
    Params = BoxmotBotSortParams

"""Roboflow's ``trackers`` package (PyPI ``trackers``): SORT, ByteTrack, OC-SORT, BoT-SORT, C-BIoU, McByte.

Each class's ``Params`` fields are the library's constructor arguments with its
own defaults (a test checks they still match the installed version), except
camera-motion compensation, which is off: trackbench's box-only sequences
have no images to estimate camera motion from, and every tracker in a table
gets the same input.  ``--param enable_cmc=true`` turns it on (images needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers import papers
from trackbench.trackers.adapters import PeerTracker, import_peer
from trackbench.trackers.base import Requirements

ORIGIN = "roboflow trackers"


def library() -> Any:
    return import_peer("trackers", "ByteTrackTracker")


@dataclass
class RfCommon:
    lost_track_buffer: int = 30
    frame_rate: float | None = None  # None: the sequence's frame rate
    minimum_consecutive_frames: int = 3


@dataclass
class RfSortParams(RfCommon):
    track_activation_threshold: float = 0.25
    minimum_iou_threshold: float = 0.3


@dataclass
class RfByteTrackParams(RfCommon):
    track_activation_threshold: float = 0.7
    minimum_consecutive_frames: int = 2
    minimum_iou_threshold: float = 0.1
    high_conf_det_threshold: float = 0.6


@dataclass
class RfOcSortParams(RfCommon):
    minimum_iou_threshold: float = 0.3
    direction_consistency_weight: float = 0.2
    high_conf_det_threshold: float = 0.6
    delta_t: int = 3


@dataclass
class RfTwoStageParams(RfCommon):
    """BoT-SORT's association stages, shared by its C-BIoU and McByte descendants."""

    track_activation_threshold: float = 0.7
    minimum_consecutive_frames: int = 2
    minimum_iou_threshold_first_assoc: float = 0.2
    minimum_iou_threshold_second_assoc: float = 0.5
    minimum_iou_threshold_unconfirmed_assoc: float = 0.3
    high_conf_det_threshold: float = 0.6
    instant_first_frame_activation: bool = True


@dataclass
class RfBotSortParams(RfTwoStageParams):
    enable_cmc: bool = False  # library default True; needs images


@dataclass
class RfCBIoUParams(RfTwoStageParams):
    buffer_ratio_first: float = 0.3
    buffer_ratio_second: float = 0.5


@dataclass
class RfMcByteParams(RfBotSortParams):
    minimum_iou_threshold_first_assoc: float = 0.1


class RoboflowTracker(PeerTracker):
    """One roboflow tracker class, fed ``supervision.Detections`` (class 0, the detector's scores)."""

    library_class: ClassVar[str] = ""
    origin = ORIGIN

    def __init__(self, params: Any | None = None) -> None:
        super().__init__(params)
        if getattr(self.params, "enable_cmc", False):
            self.requires = Requirements(images=True)

    def _build(self, kwargs: dict[str, Any]) -> Any:
        return getattr(library(), self.library_class)(**kwargs)

    def _step(self, frame: np.ndarray | None, detections: Detections) -> tuple[np.ndarray, np.ndarray]:
        import supervision as sv

        given = sv.Detections(xyxy=np.asarray(detections.boxes, np.float64).reshape(-1, 4),
                              confidence=np.asarray(detections.scores, np.float64),
                              class_id=np.zeros(len(detections), int))
        if self.requires.images:
            out = self.peer.update(given, frame)
        else:
            out = self.peer.update(given)
        tracked = out.tracker_id >= 0 if out.tracker_id is not None else np.zeros(len(out), bool)
        return out.tracker_id[tracked], out.xyxy[tracked]


class RfSort(RoboflowTracker):
    name = "rf.sort"
    paper = papers.SORT
    library_class = "SORTTracker"
    Params = RfSortParams


class RfByteTrack(RoboflowTracker):
    name = "rf.bytetrack"
    paper = papers.BYTETRACK
    library_class = "ByteTrackTracker"
    Params = RfByteTrackParams


class RfOcSort(RoboflowTracker):
    name = "rf.ocsort"
    paper = papers.OCSORT
    library_class = "OCSORTTracker"
    Params = RfOcSortParams


class RfBotSort(RoboflowTracker):
    name = "rf.botsort"
    paper = papers.BOTSORT
    library_class = "BoTSORTTracker"
    Params = RfBotSortParams


class RfCBIoU(RoboflowTracker):
    name = "rf.cbiou"
    paper = papers.CBIOU
    library_class = "CBIoUTracker"
    Params = RfCBIoUParams


class RfMcByte(RoboflowTracker):
    name = "rf.mcbyte"
    paper = "McByte: ByteTrack with mask guidance (the mask manager is off here: boxes only)"
    library_class = "McByteTracker"
    Params = RfMcByteParams

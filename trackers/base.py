"""The tracker interface every tracker in trackbench implements.

A tracker is reset once per sequence, then fed every frame in order with
``update(frame, detections)``; it returns the confirmed tracks it reports for
that frame.  It declares what it needs (:class:`Requirements`) so the runner can
decode images or attach appearance vectors only when they are used, and refuse
a tracker on data that cannot serve it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from trackbench.datasets.sequence import Detections, SequenceInfo


@dataclass(frozen=True)
class Requirements:
    """What a tracker needs from the data."""

    images: bool = False  # decoded frames (image-based trackers, embedders)
    features: bool = False  # appearance vectors attached to detections


@dataclass
class TrackOutput:
    """Tracks reported for one frame: positive integer ids and corner boxes."""

    ids: np.ndarray  # (K,) int64
    boxes: np.ndarray  # (K, 4) float64 tlbr
    scores: np.ndarray | None = None  # (K,) optional confidence

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def empty() -> "TrackOutput":
        return TrackOutput(np.zeros(0, np.int64), np.zeros((0, 4)))


def coasted(ids: np.ndarray, boxes: np.ndarray, reported: np.ndarray) -> TrackOutput:
    """What a box-only tracker reports on a frame without a detector run (see :meth:`Tracker.coast`).

    The tracks among ``ids`` that were reported on the last detector frame, at
    their predicted ``boxes`` — except predictions that have degenerated (not
    finite, or no longer of positive width and height, e.g. a shrinking box
    extrapolated past zero), which no deployed system would draw.
    """
    wh = boxes[:, 2:] - boxes[:, :2]
    shown = np.isin(ids, reported) & np.isfinite(boxes).all(axis=1) & (wh > 0).all(axis=1)
    return TrackOutput(ids[shown].copy(), boxes[shown].copy())


@dataclass
class NoParams:
    """Parameter set for trackers without parameters."""


class Tracker(ABC):
    """Base class: subclasses set ``name``, ``Params`` (a dataclass) and ``requires``.

    ``paper`` (the method's publication) and ``origin`` (whose implementation
    this is, when it is not trackbench's own) label the tracker in leaderboards,
    so a table mixing native, adapted and plug-in trackers stays readable.
    """

    name: ClassVar[str] = "tracker"
    paper: ClassVar[str] = ""
    origin: ClassVar[str] = ""
    Params: ClassVar[type] = NoParams
    requires: ClassVar[Requirements] = Requirements()
    #: Whether :meth:`compensate` moves this tracker's tracks by the camera's motion (``--cmc``); opt-in.
    compensates_camera: ClassVar[bool] = False

    def __init__(self, params: Any | None = None) -> None:
        self.params = params if params is not None else self.Params()
        self.info: SequenceInfo | None = None

    def reset(self, info: SequenceInfo) -> None:
        """Forget all tracks; called before the first frame of every sequence."""
        self.info = info

    @abstractmethod
    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        """Consume one frame (BGR image or None) and its detections (possibly empty)."""

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """Consume a frame on which the detector did not run (``--detect-every K > 1``).

        Unlike a frame whose detector found nothing, nobody was missed here.  This
        default treats it as an update without detections, which suits trackers
        that follow objects in the images themselves.  Box-only trackers override
        it the way deployed systems with a slow detector do: advance the motion
        model one frame, leave the life cycle (hits, misses, ages) to detector
        frames, and report the tracks reported on the last detector frame at
        their predicted boxes.
        """
        return self.update(frame, Detections.empty())

    def compensate(self, warp: np.ndarray) -> None:
        """Camera-motion compensation: move every track by the camera's motion into the coming frame.

        ``warp`` (2, 3) maps the previous frame's image coordinates into the
        frame about to be passed to ``update``/``coast``: ``p' = A p + t``.  The
        runner calls this just before that call, on frames whose warp is not the
        identity, and only for trackers that set ``compensates_camera``
        (:mod:`trackbench.trackers.core.cmc` warps the Kalman states).  A
        tracker without a motion model in image coordinates has nothing to warp.
        """
        raise NotImplementedError(f"{self.name} does not compensate camera motion")

    def check_sequence(self, has_images: bool, has_features: bool) -> str | None:
        """Why this tracker cannot run on a sequence, or None if it can."""
        if self.requires.images and not has_images:
            return f"{self.name} needs images, and this sequence is box-only"
        if self.requires.features and not has_features:
            return f"{self.name} needs appearance vectors, and none are available"
        return None

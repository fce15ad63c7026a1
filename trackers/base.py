"""The tracker interface every tracker in trackbench implements.

A tracker is reset once per sequence, then fed every frame in order with
``update(frame, detections)``; it returns the confirmed tracks it reports for
that frame.  It declares what it needs (:class:`Requirements`) so the runner can
decode images or attach appearance vectors only when they are used, and refuse
a tracker on data that cannot serve it.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.trackers.params import build_params, canonical_name, field_names


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


def params_from_keywords(cls: type, params: Any | None, values: dict[str, Any]) -> Any:
    """``cls.Params`` from keyword values, with the checks the command line's ``--param`` gets.

    Names follow the command line (``lambda`` sets the field ``lambda_``); a name
    the tracker does not have is a ``TypeError`` listing the ones it has, as for
    any Python call, rather than a setting silently ignored.
    """
    if params is not None:
        raise TypeError(f"{cls.__name__}(): give a Params instance or keyword parameters, not both")
    known = field_names(cls.Params)
    unknown = sorted(k for k in values if canonical_name(k) not in known)
    if unknown:
        raise TypeError(f"{cls.__name__}() has no parameter {', '.join(unknown)}; its parameters: "
                        f"{', '.join(sorted(known))}")
    return build_params(cls.Params, values)


def _keywords_too(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a subclass's ``__init__(self, params=None)`` so it also takes its parameters as keywords.

    Every built-in tracker declares that one-argument constructor; wrapping it
    here, once, spares each of them (and every plug-in) the same keyword
    handling.  Constructors with other arguments are left as they are.
    """

    @functools.wraps(init)
    def __init__(self: Tracker, params: Any | None = None, **values: Any) -> None:
        if values:
            params = params_from_keywords(type(self), params, values)
        init(self, params)

    return __init__


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

    def __init__(self, params: Any | None = None, **values: Any) -> None:
        """``params``: a ``Params`` instance; or give its fields as keywords, ``ByteTrack(track_thresh=0.5)``."""
        if values:
            params = params_from_keywords(type(self), params, values)
        self.params = params if params is not None else self.Params()
        self.info: SequenceInfo | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give a subclass's own ``__init__(self, params=None)`` the keyword form too (see :func:`_keywords_too`)."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and list(inspect.signature(init).parameters) == ["self", "params"]:
            cls.__init__ = _keywords_too(init)  # type: ignore[method-assign]

    def reset(self, info: SequenceInfo) -> None:
        """Forget all tracks; called before the first frame of every sequence."""
        self.info = info

    @abstractmethod
    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        """Consume one frame and its detections; return the tracks reported on it.

        ``frame``: the BGR image (H, W, 3) uint8 as OpenCV decodes it, or None
        for box-only trackers (``requires.images`` is False).  ``detections``:
        this frame's boxes as corner coordinates ``x1, y1, x2, y2`` in pixels
        with their scores, possibly empty (build them from arrays with
        :meth:`Detections.from_arrays`).  Call :meth:`reset` before a
        sequence's first frame, then ``update`` once per frame, in order.
        """

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
        (:mod:`trackbench.trackers.core.cmc_kernels` warps the Kalman states).  A
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

"""Adapters: packaged trackers from other libraries behind trackbench's Tracker interface.

Each adapter feeds the library the same detections every trackbench tracker
gets, builds a fresh library tracker per sequence (the library's own defaults,
frame rate from the sequence), and reports the tracks the library returns for
that frame.  The runner times ``update`` only, so an adapter's Hz includes the
small conversion to and from the library's types — the price a user of that
library pays too.  One module per library: :mod:`.roboflow` (PyPI ``trackers``)
and :mod:`.boxmot`.  Library parameters keep the library's names.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.trackers.base import Tracker, TrackOutput


def _is_checkout(entry: str) -> bool:
    """A sys.path entry that is a trackbench checkout, whose ``trackers/`` folder would shadow a library."""
    root = Path(entry or ".")
    return (root / "trackers" / "base.py").is_file() and (root / "harness").is_dir()


def import_peer(module: str, probe: str) -> ModuleType:
    """Import a library whose top-level name may be shadowed by this checkout's folders.

    roboflow's package is imported as ``trackers``, the name of trackbench's own
    folder; running from a checkout puts that folder on ``sys.path`` first.
    ``probe`` is an attribute only the library has.
    """
    cached = sys.modules.get(module)
    if cached is not None and hasattr(cached, probe):
        return cached
    if cached is not None:  # the checkout's folder, imported under the library's name
        raise ImportError(f"{module!r} is {getattr(cached, '__file__', cached)}, not the library; "
                          f"run from outside the trackbench checkout")
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if not _is_checkout(p)]
    try:
        lib = importlib.import_module(module)
    finally:
        sys.path[:] = saved
    if not hasattr(lib, probe):
        raise ImportError(f"{module!r} at {getattr(lib, '__file__', '?')} is not the expected library (no {probe})")
    return lib


class PeerTracker(Tracker):
    """Shared adapter life cycle: one library tracker per sequence, converted in and out each frame.

    Subclasses set ``Params`` (a dataclass whose fields are the library's
    keyword arguments; ``frame_rate=None`` means the sequence's rate) and
    implement ``_build`` and ``_step``.
    """

    def library_kwargs(self, info: SequenceInfo) -> dict[str, Any]:
        kwargs = dataclasses.asdict(self.params)
        if "frame_rate" in kwargs and kwargs["frame_rate"] is None:
            kwargs["frame_rate"] = float(info.fps) if info.fps else 30.0
        return kwargs

    def reset(self, info: SequenceInfo) -> None:
        super().reset(info)
        self.peer = self._build(self.library_kwargs(info))

    def _build(self, kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _step(self, frame: np.ndarray | None, detections: Detections) -> tuple[np.ndarray, np.ndarray]:
        """(ids, tlbr boxes) the library reports for this frame; ids as the library numbers them."""
        raise NotImplementedError

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        ids, boxes = self._step(frame, detections)
        if len(ids) == 0:
            return TrackOutput.empty()
        # Both libraries number tracks from 0; MOTChallenge ids are positive.
        return TrackOutput(np.asarray(ids, np.int64) + 1, np.asarray(boxes, np.float64).reshape(-1, 4))

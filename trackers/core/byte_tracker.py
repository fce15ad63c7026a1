"""The tracker side of ByteTrack's life cycle, shared by ``bytetrack`` and ``botsort``.

BoT-SORT keeps ByteTrack's bookkeeping around the compiled frame steps of
:mod:`trackbench.trackers.core.byte_association`: a frame count, the next list
position for new tracks, the age after which a lost track is removed (scaled by
the sequence's frame rate), and the end of each frame (tracked/lost duplicates
dropped, tracked tracks reported through the output filter).  They live here
once, as a base class; each tracker adds its parameters, its motion model and
its frame steps.
"""

from __future__ import annotations

from typing import Any

from trackbench.trackers.base import Tracker, TrackOutput
from trackbench.trackers.core import byte_association, jit


class ByteLifeCycleTracker(Tracker):
    """A tracker whose tracks follow ByteTrack's life cycle (``self.tracks`` has
    :data:`~trackbench.trackers.core.byte_association.COLUMNS`); its params have ``track_buffer``,
    ``min_box_area`` and ``aspect_ratio_thresh``."""

    #: State layout: (x, y, w, h) when True, else (u, v, a, h) (see :mod:`~trackbench.trackers.core.byte_association`).
    xywh: bool = False
    #: Report only confirmed tracked tracks (ByteTrack) or every tracked one (BoT-SORT's reference).
    confirmed_only: bool = True
    compensates_camera = True

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._start(30.0)

    def reset(self, info) -> None:
        super().reset(info)
        jit.warm_up(type(self))
        self._start(info.fps if info is not None and info.fps else 30.0)

    def _start(self, fps: float) -> None:
        """A new sequence at ``fps`` frames per second (subclasses add their track store)."""
        self.frame_id = 0
        self._order = 0
        self.max_time_lost = int(fps / 30.0 * self.params.track_buffer)

    def _finish(self, order: int, inclusive: bool) -> TrackOutput:
        """The end of a detector frame: ``order`` is the next free list position; a tracked and a lost
        track that overlap keep the older one; the tracked tracks are reported."""
        self._order = order
        t, c = self.tracks, self.tracks.columns
        dropped, keep = byte_association.duplicates(t.x, c["lost"], c["last"], c["start"], inclusive, self.xywh)
        if dropped:
            t.keep(keep)
        return self._report()

    def _report(self) -> TrackOutput:
        t, c = self.tracks, self.tracks.columns
        shown, boxes = byte_association.report(t.x, t.confirmed, c["lost"], self.confirmed_only,
                                               self.params.min_box_area, self.params.aspect_ratio_thresh, self.xywh)
        return TrackOutput(t.ids[shown], boxes, c["score"][shown])

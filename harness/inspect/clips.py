"""Event clips for ``bench inspect --video``: a few seconds of video around each chosen event, written safely.

A crop shows two frames; a clip shows the error *happen* (the box drifting
off, the id changing hands), with gt and both trackers' boxes drawn
(:mod:`.clip_frames`).  Decisions:

* **Which events.**  The same priority as crops (:func:`.crops.chosen_events`:
  switches, merges, fragmentations, then the longest runs), at most
  ``max_clips`` per tracker, because encoding costs real time (about 0.5 s per
  clip on one core) while the page lists every event either way.
* **Which frames.**  The event's span plus ``margin`` frames before and after,
  clipped to the sequence, and at most ``max_frames`` long (a 400-frame missed
  run keeps its start, where the object was lost); the page says which frames
  a clip holds.  ``--video-frames A:B`` adds one clip of exactly those frames.
* **Files next to the page, not data: URIs.**  A clip is 50-500 kB; forty of
  them inline would make the page tens of megabytes that a browser must parse
  before it shows anything, whereas a ``<video>`` element with a relative
  ``src`` loads only the clip clicked, from ``file://`` as well (the page still
  opens offline; copy ``<sequence>.clips/`` along with it).
* **Encoder.**  :class:`~trackbench.harness.report.annotate.AtomicVideoWriter`,
  the chain ``bench track`` uses (H.264 through OpenCV, else imageio-ffmpeg's
  libx264 from the ``video`` extra, else WebM, ...), which also writes under a
  hidden partial name and renames when complete: an interrupted run leaves no
  half-written clip.  Clips the page no longer references are removed only
  after the new page is in place (:func:`prune`).
"""

from __future__ import annotations

import re
import shutil
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import numpy as np

from trackbench.harness.inspect.clip_frames import TRACKER_COLOURS, Layer, clip_size, render_frame, scaled
from trackbench.harness.inspect.crops import GT_COLOUR, ReadFrame, chosen_events
from trackbench.harness.inspect.events import Event
from trackbench.harness.inspect.payload import TrackerView
from trackbench.harness.report.annotate import AtomicVideoWriter
from trackbench.harness.runs.progress import ProgressReport

#: Default most events given clips per tracker (``--max-clips``).
MAX_CLIPS = 20
#: Default frames shown before and after an event (``--clip-margin``).
MARGIN = 10
#: Longest event clip, in frames.
MAX_CLIP_FRAMES = 150
#: Frame rate of clips for sequences that do not say theirs.
DEFAULT_FPS = 10.0
#: Scaled frames kept for clips that overlap (each at most 960x540x3 bytes, about 1.5 MB).
_CACHE_FRAMES = 24
#: File names this module writes in a clips folder (and so may remove again).
_OURS = re.compile(r"^\.?(t\d+-e\d+|frames-\d+-\d+)(\.partial)?(\.mp4|\.webm|\.avi|_frames)$")


@dataclass(frozen=True)
class VideoRequest:
    """What ``--video``, ``--video-frames``, ``--max-clips`` and ``--clip-margin`` asked for."""

    events: bool = True  # a clip per chosen event
    max_clips: int = MAX_CLIPS  # per tracker
    margin: int = MARGIN
    frames: tuple[int, int] | None = None  # one more clip of exactly these frames
    max_frames: int = MAX_CLIP_FRAMES


@dataclass(frozen=True)
class ClipJob:
    """One clip to write: its file stem, frames and the boxes it is about."""

    stem: str  # "t<tracker>-e<event>" or "frames-<a>-<b>": indices, never names from data
    first: int
    last: int
    focus: frozenset[tuple[str, int]] = frozenset()
    owner: tuple[int, int] | None = None  # (tracker index, event index); None for a frame-range clip


@dataclass
class ClipSet:
    """What a sequence's page gets: per tracker event index -> clip entry, the range clip, notes."""

    events: list[dict[int, dict[str, Any]]]
    range: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # names written in the clips folder (for :func:`prune`)

    def page_info(self, request: VideoRequest) -> dict[str, Any]:
        """The page's ``video`` entry: what was asked, the range clip and the notes."""
        return {"max_clips": request.max_clips, "margin": request.margin, "range": self.range,
                "notes": self.notes, "clips": sum(len(e) for e in self.events)}


def parse_frames(text: str) -> tuple[int, int]:
    """``"A:B"`` -> (A, B), 1 <= A <= B (``--video-frames``)."""
    found = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not found:
        raise ValueError(f"--video-frames takes A:B (first and last frame, 1-based), got {text!r}")
    first, last = int(found.group(1)), int(found.group(2))
    if not 1 <= first <= last:
        raise ValueError(f"--video-frames {text}: need 1 <= A <= B")
    return first, last


def clip_folder(page: Path) -> Path:
    """The folder beside ``page`` that holds its clips (``<page stem>.clips``)."""
    return page.with_name(page.stem + ".clips")


def event_window(event: Event, margin: int, length: int, max_frames: int) -> tuple[int, int]:
    """First and last frame of an event's clip (module docstring)."""
    first = max(1, event.first - margin)
    last = min(length, event.last + margin, first + max_frames - 1)
    return first, max(first, last)


def plan(views: list[TrackerView], length: int, request: VideoRequest) -> tuple[list[ClipJob], list[str]]:
    """The clips to write for a sequence (frame order, so overlapping clips reuse cached frames) and notes."""
    jobs: list[ClipJob] = []
    notes: list[str] = []
    if request.events:
        for t, view in enumerate(views):
            tag = _tag(t, len(views))
            for i in chosen_events(view.events, request.max_clips):
                event = view.events[i]
                first, last = event_window(event, request.margin, length, request.max_frames)
                focus = frozenset([("gt", g) for g in event.gt] + [(tag, k) for k in event.tracks])
                jobs.append(ClipJob(f"t{t}-e{i}", first, last, focus, (t, i)))
    if request.frames is not None:
        first, last = request.frames
        if first > length:
            notes.append(f"--video-frames {first}:{last}: the sequence has {length} frames; no range clip")
        else:
            if last > length:
                notes.append(f"--video-frames {first}:{last}: the sequence ends at frame {length}; clipped there")
            jobs.append(ClipJob(f"frames-{first}-{min(last, length)}", first, min(last, length)))
    return sorted(jobs, key=lambda j: (j.first, j.stem)), notes


def layers(views: list[TrackerView]) -> list[Layer]:
    """gt (scored detections, as the page counts them) and each tracker's boxes, each in its own colour."""
    first = views[0].match
    out = [Layer("gt", "gt", GT_COLOUR, first.gt_frame, first.gt_id, first.gt_box)]
    for t, view in enumerate(views):
        tag = _tag(t, len(views))
        m = view.match
        out.append(Layer(tag, f"{tag}: {view.name}", TRACKER_COLOURS[t], m.trk_frame, m.trk_id, m.trk_box))
    return out


def _tag(index: int, trackers: int) -> str:
    return "trk" if trackers == 1 else "AB"[index]


def make_clips(sequence: str, views: list[TrackerView], read: ReadFrame | None, length: int, fps: float,
               request: VideoRequest, folder: Path, bars: ProgressReport | None = None) -> ClipSet:
    """Write the sequence's clips into ``folder`` and say what the page should show."""
    clips = ClipSet(events=[{} for _ in views])
    if read is None:
        clips.notes.append("No clips: this sequence has no images (--video draws on the frames).")
        return clips
    jobs, clips.notes = plan(views, length, request)
    if request.events and not any(view.events for view in views):
        clips.notes.append("No events to clip: no tracker errs on this sequence.")
    if not jobs:
        return clips
    bar = f"clips {sequence}"
    if bars is not None:
        bars.add(bar, sum(j.last - j.first + 1 for j in jobs), "frames")
    writer = _ClipWriter(read, layers(views), folder, fps if fps > 0 else DEFAULT_FPS)
    for job in jobs:
        entry = writer.write(job, lambda n: bars.advance(bar, n) if bars is not None else None)
        if entry is None:
            continue
        clips.files.add(entry.pop("file"))
        if job.owner is None:
            clips.range = entry
        else:
            clips.events[job.owner[0]][job.owner[1]] = entry
    clips.notes += writer.notes
    return clips


class _ClipWriter:
    """Encodes clips of one sequence; keeps the last few scaled frames for clips that overlap."""

    def __init__(self, read: ReadFrame, layers_: list[Layer], folder: Path, fps: float) -> None:
        self.read, self.layers, self.folder, self.fps = read, layers_, folder, fps
        self.cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self.size: tuple[int, int] | None = None
        self.scale = (1.0, 1.0)
        self.notes: list[str] = []

    def frame(self, number: int) -> np.ndarray:
        """Frame ``number`` at clip size (the first frame read fixes the clip size for the sequence)."""
        if number in self.cache:
            self.cache.move_to_end(number)
            return self.cache[number]
        image = self.read(number)
        if image is None:
            raise OSError(f"frame {number} could not be read")
        if self.size is None:
            self.size = clip_size(image.shape[1], image.shape[0])
            self.scale = (self.size[0] / image.shape[1], self.size[1] / image.shape[0])
        base = scaled(image, self.size)
        self.cache[number] = base
        if len(self.cache) > _CACHE_FRAMES:
            self.cache.popitem(last=False)
        return base

    def write(self, job: ClipJob, advance: Callable[[int], None]) -> dict[str, Any] | None:
        """Encode ``job``; its page entry (with ``file``), or None and a note when a frame cannot be read."""
        done = 0
        try:
            first = self.frame(job.first)
            assert self.size is not None
            with AtomicVideoWriter(self.folder / job.stem, self.fps, self.size) as out:
                for number in range(job.first, job.last + 1):
                    base = first if number == job.first else self.frame(number)
                    out.write(render_frame(base, self.scale, number, self.layers, job.focus))
                    done += 1
                    advance(1)
        except (IndexError, OSError, ValueError) as exc:
            advance(job.last - job.first + 1 - done)
            self.notes.append(f"clip of frames {job.first}-{job.last} not written: {exc}")
            return None
        if out.note and out.note not in self.notes:
            self.notes.append(out.note)
        assert out.path is not None
        return {"src": quote(f"{self.folder.name}/{out.path.name}"), "file": out.path.name, "a": job.first,
                "b": job.last, "ok": out.browser_playable, "format": out.format}


def prune(folder: Path, keep: set[str]) -> None:
    """Remove clips (and leftover partials) this module wrote in ``folder`` that the page no longer uses."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name in keep or not _OURS.match(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()

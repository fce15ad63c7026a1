"""Frame splits: a sequence restricted to a range of its frames, for trackers and scoring alike.

ByteTrack and OC-SORT report MOT17 results on a "val half": the second half of
every MOT17 train sequence, whose first half trained their detector.  The
halves are the ones ByteTrack's ``tools/convert_mot17_to_coco.py`` writes: for
a sequence of ``N`` frames, with ``h = N // 2``,

- ``train-half``: frames ``1 .. h + 1`` (0-based image indices ``0 .. h``);
- ``val-half``: frames ``h + 2 .. N`` (0-based ``h + 1 .. N - 1``).

So the train half has one frame more than half when ``N`` is even, and frame
``h + 1`` belongs to it, not to the val half (MOT17-02, 600 frames: 1-301 and
302-600).  ``A:B`` is frames ``A .. B`` (1-based, inclusive; ``A:`` runs to the
end, ``:B`` starts at 1).

:func:`restrict` cuts detections, ground truth and images to the range and
renumbers its frames from 1, as the converter's ``gt_val_half.txt`` does, so
every tracker starts cold on the range's first frame and the scoring sees
exactly the frames the trackers saw.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from trackbench.datasets.sequence import FrameSource, FrameTable, Sequence

HALVES = ("train-half", "val-half")


@dataclass(frozen=True)
class FrameRange:
    """Frames ``first .. last`` (1-based, inclusive) of a sequence."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def check_spec(spec: str) -> str:
    """``spec`` if it is ``train-half``, ``val-half`` or ``A:B``; else a ValueError saying what is accepted."""
    if spec in HALVES:
        return spec
    bounds = spec.split(":")
    ok = len(bounds) == 2 and all(b == "" or (b.isdigit() and int(b) >= 1) for b in bounds)
    if ok and bounds[0] and bounds[1] and int(bounds[0]) > int(bounds[1]):
        ok = False
    if not ok:
        raise ValueError(f"--frames {spec!r}: expected train-half, val-half or A:B (1-based frames, A <= B; "
                         "A: to the end, :B from the start)")
    return spec


def frame_range(spec: str, length: int, name: str = "") -> FrameRange:
    """The frames ``spec`` selects in a sequence of ``length`` frames (module docstring)."""
    check_spec(spec)
    half = length // 2
    if spec == "train-half":
        return FrameRange(1, min(half + 1, length))
    if spec == "val-half":
        if length < 2:
            raise ValueError(f"sequence {name} has {length} frame(s): no val half")
        return FrameRange(half + 2, length) if half + 2 <= length else FrameRange(length, length)
    a, b = spec.split(":")
    first, last = int(a) if a else 1, int(b) if b else length
    if first > length:
        raise ValueError(f"--frames {spec}: sequence {name} has only {length} frames")
    return FrameRange(first, min(last, length))


def restrict(seq: Sequence, spec: str) -> Sequence:
    """``seq`` with only the frames ``spec`` selects, renumbered from 1 (module docstring)."""
    span = frame_range(spec, seq.info.length, seq.name)
    if span.first == 1 and span.last == seq.info.length:
        return seq
    source = None if seq.source is None else _FrameWindow(seq.source, span)
    return dataclasses.replace(
        seq, info=dataclasses.replace(seq.info, length=span.length), detections=_cut(seq.detections, span),
        ground_truth=None if seq.ground_truth is None else _cut(seq.ground_truth, span), source=source,
        first_frame=seq.first_frame + span.first - 1)


def _cut(table: FrameTable, span: FrameRange) -> FrameTable:
    """The rows of frames in ``span``, their frames renumbered so that ``span.first`` is frame 1."""
    kept = table.select((table.frames >= span.first) & (table.frames <= span.last))
    return dataclasses.replace(kept, frames=kept.frames - np.int64(span.first - 1))


class _FrameWindow:
    """A frame source showing frames ``span.first .. span.last`` of another as frames 1 .. n."""

    def __init__(self, source: FrameSource, span: FrameRange) -> None:
        self.source, self.span = source, span

    def __len__(self) -> int:
        return min(self.span.length, max(len(self.source) - self.span.first + 1, 0))

    def __iter__(self) -> Iterator[np.ndarray]:
        return itertools.islice(iter(self.source), self.span.first - 1, self.span.first - 1 + len(self))

    def read(self, frame: int) -> np.ndarray:
        return self.source.read(frame + self.span.first - 1)

"""Frame splits (``--frames``): ByteTrack's MOT17 halves, off-by-one included, and a sequence cut for trackers and scoring alike."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.datasets.sequence import FrameTable, Sequence, SequenceInfo
from trackbench.datasets.splits import FrameRange, frame_range, restrict


def _table(frames: list[int]) -> FrameTable:
    n = len(frames)
    boxes = np.tile([0.0, 0.0, 10.0, 20.0], (n, 1))
    return FrameTable(np.array(frames, np.int64), np.arange(n, dtype=np.int64), boxes, np.ones(n),
                      np.full(n, -1, np.int64), np.ones(n))


@pytest.mark.parametrize("length, train, val", [(600, (1, 301), (302, 600)), (837, (1, 419), (420, 837)),
                                                 (7, (1, 4), (5, 7))])
def test_halves_are_bytetracks(length: int, train: tuple[int, int], val: tuple[int, int]) -> None:
    """convert_mot17_to_coco.py: 0-based images 0..N//2 train, N//2+1..N-1 val (frames are 1-based)."""
    assert frame_range("train-half", length) == FrameRange(*train)
    assert frame_range("val-half", length) == FrameRange(*val)


def test_ranges_and_bad_specs() -> None:
    assert frame_range("5:9", 20) == FrameRange(5, 9)
    assert frame_range("5:", 20) == FrameRange(5, 20)
    assert frame_range(":3", 20) == FrameRange(1, 3)
    for bad in ("9:5", "0:3", "half", "1-3", "a:b"):
        with pytest.raises(ValueError, match="--frames"):
            frame_range(bad, 20)


def test_restrict_cuts_and_renumbers_detections_and_gt() -> None:
    seq = Sequence(SequenceInfo("S", "mot17", 10, 30.0, 640, 480), detections=_table([1, 5, 6, 6, 10]),
                   ground_truth=_table([2, 6, 7]))
    cut = restrict(seq, "val-half")  # frames 7..10
    assert cut.info.length == 4
    assert cut.detections.frames.tolist() == [4]
    assert cut.ground_truth is not None and cut.ground_truth.frames.tolist() == [1]
    assert restrict(seq, "1:10") is seq

"""SORT: batched filter equals the per-track reference loop, and reproduces the reference scores."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.datasets import load_dataset
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.harness.cli.run import RunRequest, execute
from oracles.sort_ref import ReferenceSort
from trackbench.trackers.sort.tracker import Sort, SortParams

INFO = SequenceInfo("toy", "toy", 10, 10.0, 200, 200)


def _dets(*boxes: list[float]) -> Detections:
    arr = np.array(boxes, float).reshape(-1, 4)
    return Detections(arr, np.ones(len(arr)))


def test_life_cycle_min_hits_and_max_age() -> None:
    tracker = Sort(SortParams(min_hits=3, max_age=1))
    tracker.reset(INFO)
    box = [10, 10, 50, 90]
    # The first min_hits frames of a sequence report new tracks at once (reference behaviour).
    assert tracker.update(None, _dets(box)).ids.tolist() == [1]
    for _ in range(3):
        out = tracker.update(None, _dets(box))
    assert out.ids.tolist() == [1]
    # A frame without detections: not reported, still alive (max_age 1) ...
    assert len(tracker.update(None, _dets())) == 0
    assert len(tracker.tracks) == 1
    # ... a second empty frame deletes it; the next detection starts id 2, not yet reported.
    tracker.update(None, _dets())
    assert len(tracker.tracks) == 0
    assert len(tracker.update(None, _dets(box))) == 0
    assert tracker.tracks.ids.tolist() == [2]


def test_tracks_a_moving_box_with_constant_id() -> None:
    tracker = Sort()
    tracker.reset(INFO)
    ids = set()
    for t in range(30):
        out = tracker.update(None, _dets([10 + 3 * t, 20, 40 + 3 * t, 80]))
        ids.update(out.ids.tolist())
        if len(out):
            assert np.abs(out.boxes[0] - [10 + 3 * t, 20, 40 + 3 * t, 80]).max() < 2.0
    assert ids == {1}


MOT15_TRAIN = ["ADL-Rundle-6", "ADL-Rundle-8", "ETH-Bahnhof", "ETH-Pedcross2", "ETH-Sunnyday", "KITTI-13",
               "KITTI-17", "PETS09-S2L1", "TUD-Campus", "TUD-Stadtmitte", "Venice-2"]


@pytest.mark.parametrize("name", MOT15_TRAIN)
def test_batched_sort_equals_reference_loop(shared_data, name) -> None:
    (seq,) = load_dataset("mot15", shared_data / "mot15", [name])
    ours, ref = Sort(), ReferenceSort()
    ours.reset(seq.info)
    for frame in range(1, seq.info.length + 1):
        dets = seq.detections.detections(frame)
        out = ours.update(None, dets)
        ids, boxes = ref.update(dets.boxes)
        assert np.array_equal(np.sort(out.ids), np.sort(ids)), frame
        if len(ids):
            assert np.allclose(out.boxes[np.argsort(out.ids)], boxes[np.argsort(ids)], atol=1e-6)


def test_reference_scores_on_mot15(shared_data, tmp_path) -> None:
    """The reference implementation's published numbers (motmetrics, IoU 0.5), within 0.3 points."""
    outcome = execute(RunRequest(trackers=["sort"], dataset="mot15", data_root=shared_data / "mot15",
                                 sequences=["TUD-Campus", "TUD-Stadtmitte"], results=tmp_path, name="r"))
    table = outcome.per_sequence.loc["sort"]
    assert table.loc["TUD-Campus", "MOTA"] == pytest.approx(62.7, abs=0.3)
    assert table.loc["TUD-Campus", "IDF1"] == pytest.approx(60.6, abs=0.3)
    assert table.loc["TUD-Stadtmitte", "MOTA"] == pytest.approx(71.7, abs=0.3)
    assert table.loc["TUD-Stadtmitte", "IDF1"] == pytest.approx(73.5, abs=0.3)

"""OC-SORT: the batched tracker reproduces the reference (oracle port) frame for frame, and OC-SORT's rules."""

from __future__ import annotations

import numpy as np
import pytest
from fidelity import assert_same_tracks
from oracles.ocsort_ref import OCSortRef

from trackbench.datasets import load_dataset
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.trackers import create
from trackbench.trackers.ocsort.tracker import OcSort, OcSortParams
from trackbench.trackers.params import ParamError

MOT15 = ["ADL-Rundle-6", "ADL-Rundle-8", "ETH-Bahnhof", "ETH-Pedcross2", "ETH-Sunnyday", "KITTI-13", "KITTI-17",
         "PETS09-S2L1", "TUD-Campus", "TUD-Stadtmitte", "Venice-2"]
MOT17 = ["MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN"]
INFO = SequenceInfo("toy", "toy", 100, 30.0, 640, 480)


@pytest.mark.parametrize("name", MOT15)
def test_equals_reference_on_mot15(shared_data, name) -> None:
    (seq,) = load_dataset("mot15", shared_data / "mot15", [name])
    assert assert_same_tracks(OcSort(), OCSortRef().update, seq, frames=250) > 0


@pytest.mark.parametrize("name", MOT17)
def test_equals_reference_on_mot17(shared_data, name) -> None:
    (seq,) = load_dataset("mot17", shared_data / "mot17", [name])
    frames = 150 if name == "MOT17-04-FRCNN" else 300
    assert assert_same_tracks(OcSort(), OCSortRef().update, seq, frames=frames) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", MOT17)
def test_equals_reference_on_whole_mot17_sequences(shared_data, name) -> None:
    (seq,) = load_dataset("mot17", shared_data / "mot17", [name])
    assert assert_same_tracks(OcSort(), OCSortRef().update, seq) > 0


def test_equals_reference_with_byte_and_other_settings(shared_data) -> None:
    """The BYTE round, a longer direction baseline, more inertia, no output filter: still the reference's."""
    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05-FRCNN"])
    kw = dict(det_thresh=0.5, max_age=10, min_hits=2, delta_t=5, inertia=0.5, use_byte=True, min_box_area=0.0,
              aspect_ratio_thresh=float("inf"))
    oracle = OCSortRef(**{k: v for k, v in kw.items()}).update
    assert assert_same_tracks(OcSort(OcSortParams(**kw)), oracle, seq, frames=400) > 0


def _dets(*boxes: list[float], score: float = 0.9) -> Detections:
    arr = np.array(boxes, float).reshape(-1, 4)
    return Detections(arr, np.full(len(arr), score))


def _walk(t: int, x0: float = 100.0, speed: float = 6.0) -> list[float]:
    return [x0 + speed * t, 100.0, x0 + 40 + speed * t, 200.0]


def test_reports_detection_boxes_after_min_hits() -> None:
    tracker = OcSort()
    tracker.reset(INFO)
    for t in range(6):
        out = tracker.update(None, _dets(_walk(t)))
    assert out.ids.tolist() == [1]
    np.testing.assert_array_equal(out.boxes[0], _walk(5))  # the observation, not the filter's box


def test_recovers_a_track_after_a_gap_by_its_last_observation() -> None:
    """OCR + ORU: after 8 missed frames the prediction has drifted, yet the track keeps its id,
    and the re-update puts the filter's velocity back on the observed motion."""
    tracker = OcSort()
    tracker.reset(INFO)
    for t in range(10):
        tracker.update(None, _dets(_walk(t, speed=2.0)))
    for t in range(10, 18):
        assert len(tracker.update(None, _dets())) == 0
    out = tracker.update(None, _dets(_walk(18, speed=2.0)))
    assert len(out) == 0 and tracker.tracks.ids.tolist() == [1]  # matched, streak restarts
    for t in range(19, 22):
        out = tracker.update(None, _dets(_walk(t, speed=2.0)))
    assert out.ids.tolist() == [1]
    assert tracker.tracks.x[0, 4] == pytest.approx(2.0, abs=0.2)  # centre-x velocity after ORU


@pytest.mark.parametrize("inertia, winner", [(0.2, "along"), (0.0, "across")])
def test_direction_consistency_outweighs_a_slightly_better_overlap(inertia, winner) -> None:
    """OCM: a track moving right meets two detections; the one across its motion overlaps the
    prediction a little more (IoU 0.681 vs 0.667), the one along it wins once inertia weighs in."""
    tracker = OcSort(OcSortParams(min_hits=1, inertia=inertia))
    tracker.reset(INFO)
    for t in range(15):
        tracker.update(None, _dets(_walk(t, speed=10.0)))
    # Prediction for t=15: [250, 100, 290, 200]; observation 3 frames back centred at x=240.
    boxes = {"along": [258.0, 100.0, 298.0, 200.0], "across": [250.0, 81.0, 290.0, 181.0]}
    out = tracker.update(None, _dets(boxes["along"], boxes["across"]))
    (row,) = np.flatnonzero(out.ids == 1)
    np.testing.assert_array_equal(out.boxes[row], boxes[winner])


def test_registered_with_typed_parameters() -> None:
    tracker = create("ocsort", {"det_thresh": "0.5", "delta_t": "2", "use_byte": "yes"})
    assert isinstance(tracker, OcSort)
    assert (tracker.params.det_thresh, tracker.params.delta_t, tracker.params.use_byte) == (0.5, 2, True)
    with pytest.raises(ParamError):
        create("ocsort", {"max_age": "x"})

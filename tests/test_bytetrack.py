"""ByteTrack: the batched tracker reproduces the reference (oracle port) frame for frame, and BYTE's rules."""

from __future__ import annotations

import numpy as np
import pytest
from fidelity import assert_same_tracks
from oracles.bytetrack_ref import ByteTrackRef

from trackbench.datasets import load_dataset
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.trackers import create
from trackbench.trackers.bytetrack.tracker import ByteTrack, ByteTrackParams
from trackbench.trackers.params import ParamError

MOT15 = ["ADL-Rundle-6", "ADL-Rundle-8", "ETH-Bahnhof", "ETH-Pedcross2", "ETH-Sunnyday", "KITTI-13", "KITTI-17",
         "PETS09-S2L1", "TUD-Campus", "TUD-Stadtmitte", "Venice-2"]
MOT17 = ["MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN"]
INFO = SequenceInfo("toy", "toy", 100, 30.0, 640, 480)


def _oracle(seq, **kw):
    ref = ByteTrackRef(frame_rate=seq.info.fps, **kw)
    return ref.update


@pytest.mark.parametrize("name", MOT15)
def test_equals_reference_on_mot15(shared_data, name) -> None:
    (seq,) = load_dataset("mot15", shared_data / "mot15", [name])
    assert assert_same_tracks(ByteTrack(), _oracle(seq), seq, frames=250) > 0


@pytest.mark.parametrize("name", MOT17)
def test_equals_reference_on_mot17(shared_data, name) -> None:
    (seq,) = load_dataset("mot17", shared_data / "mot17", [name])
    assert assert_same_tracks(ByteTrack(), _oracle(seq), seq, frames=150 if name == "MOT17-04-FRCNN" else 300) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", MOT17)
def test_equals_reference_on_whole_mot17_sequences(shared_data, name) -> None:
    (seq,) = load_dataset("mot17", shared_data / "mot17", [name])
    assert assert_same_tracks(ByteTrack(), _oracle(seq), seq) > 0


def test_equals_reference_with_other_settings(shared_data) -> None:
    """MOT20 mode (no score fusion), other thresholds, no output filter, a short buffer: still the reference's tracks."""
    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05-FRCNN"])
    params = ByteTrackParams(track_thresh=0.5, match_thresh=0.8, track_buffer=10, mot20=True, min_box_area=0.0,
                             aspect_ratio_thresh=float("inf"))
    oracle = _oracle(seq, track_thresh=0.5, match_thresh=0.8, track_buffer=10, mot20=True, min_box_area=0.0,
                     aspect_ratio_thresh=float("inf"))
    assert assert_same_tracks(ByteTrack(params), oracle, seq, frames=400) > 0


def _dets(rows: list[tuple[list[float], float]]) -> Detections:
    boxes = np.array([b for b, _ in rows], float).reshape(-1, 4)
    return Detections(boxes, np.array([s for _, s in rows], float))


def _walk(t: int) -> list[float]:
    return [100.0 + 4 * t, 100.0, 140.0 + 4 * t, 200.0]


def test_low_score_detection_keeps_the_track() -> None:
    """BYTE: a track whose detection drops to a low score (occlusion) continues on it; SORT-like
    trackers that discard low scores would lose it."""
    tracker = ByteTrack()
    tracker.reset(INFO)
    for t in range(5):
        out = tracker.update(None, _dets([(_walk(t), 0.9)]))
    assert out.ids.tolist() == [1]
    out = tracker.update(None, _dets([(_walk(5), 0.3)]))  # low score: second association
    assert out.ids.tolist() == [1]
    np.testing.assert_allclose(out.boxes[0], _walk(5), atol=3.0)
    out = tracker.update(None, _dets([(_walk(6), 0.05)]))  # below low_thresh: ignored, track lost
    assert len(out) == 0


def test_lost_track_is_refound_within_the_buffer_only() -> None:
    tracker = ByteTrack(ByteTrackParams(track_buffer=5))
    tracker.reset(INFO)
    for t in range(5):
        tracker.update(None, _dets([(_walk(t), 0.9)]))
    for t in range(5, 9):  # 4 frames without detections: lost, kept
        assert len(tracker.update(None, _dets([]))) == 0
    assert tracker.update(None, _dets([(_walk(9), 0.9)])).ids.tolist() == [1]
    for t in range(10, 18):  # 8 missed frames: beyond the buffer, removed
        tracker.update(None, _dets([]))
    tracker.update(None, _dets([(_walk(18), 0.9)]))
    out = tracker.update(None, _dets([(_walk(19), 0.9)]))
    assert out.ids.tolist() == [2]


def test_buffer_scales_with_frame_rate_and_new_tracks_need_a_higher_score() -> None:
    tracker = ByteTrack()
    tracker.reset(SequenceInfo("slow", "toy", 10, 14.0, 640, 480))
    assert tracker.max_time_lost == 14  # int(14 / 30 * 30), the reference's MOT17-05 buffer
    tracker.update(None, _dets([(_walk(0), 0.9)]))
    tracker.update(None, _dets([(_walk(1), 0.9), ([400, 100, 440, 200], 0.65)]))
    # 0.65 is a high-score detection but under new_track_thresh (0.6 + 0.1): no track.
    assert len(tracker.tracks) == 1


def test_registered_with_typed_parameters() -> None:
    tracker = create("bytetrack", {"track_thresh": "0.5", "track_buffer": "60", "mot20": "true"})
    assert isinstance(tracker, ByteTrack)
    assert (tracker.params.track_thresh, tracker.params.track_buffer, tracker.params.mot20) == (0.5, 60, True)
    assert tracker.params.init_thresh() == pytest.approx(0.6)
    with pytest.raises(ParamError):
        create("bytetrack", {"track_buffer": "1.5"})

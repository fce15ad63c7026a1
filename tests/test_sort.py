"""SORT: the tracker (compiled per-frame kernels) reproduces the per-track reference port frame for frame,
on detector frames and on frames without a detector run, and reproduces the reference scores."""

from __future__ import annotations

import numpy as np
import pytest
from fidelity import assert_same_tracks
from oracles.sort_ref import ReferenceSort

from trackbench.datasets import load_dataset
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.harness.cli.run import RunRequest, execute
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
MOT17_TRAIN = ["MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN"]
SEQUENCES = [("mot15", name) for name in MOT15_TRAIN] + [("mot17", name) for name in MOT17_TRAIN]


def _oracle(**params) -> callable:
    ref = ReferenceSort(**params)
    return lambda boxes, scores: ref.update(boxes)


@pytest.mark.parametrize("dataset, name", SEQUENCES)
def test_equals_reference_loop_on_whole_sequences(shared_data, dataset, name) -> None:
    """Every frame of every shared sequence (KITTI-13 starts with empty frames and has 56 of them)."""
    (seq,) = load_dataset(dataset, shared_data / dataset, [name])
    assert assert_same_tracks(Sort(), _oracle(), seq) > 0


@pytest.mark.parametrize("params", [dict(max_age=3, min_hits=1, iou_threshold=0.5),
                                    dict(max_age=0, min_hits=0, iou_threshold=0.1)])
def test_equals_reference_loop_with_other_settings(shared_data, params) -> None:
    """Longer and shorter lives, tracks reported from their first frame (min_hits 0), other gates."""
    for name in ("PETS09-S2L1", "KITTI-13"):
        (seq,) = load_dataset("mot15", shared_data / "mot15", [name])
        assert assert_same_tracks(Sort(SortParams(**params)), _oracle(**params), seq) > 0


def _coast_oracle(ref: ReferenceSort, reported: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The coasting rule on the oracle's own tracks: every filter predicts one frame, its counters stay
    (only detector frames count), and the tracks reported on the last detector frame are shown at their
    predicted boxes unless those have degenerated (not finite, or not of positive size)."""
    ids, boxes = [], []
    alive = []
    for trk in ref.tracks:
        streak, since = trk.hit_streak, trk.time_since_update
        box = trk.predict()
        trk.hit_streak, trk.time_since_update = streak, since
        if not np.all(np.isfinite(box)):
            continue
        alive.append(trk)
        if trk.id in reported and box[2] > box[0] and box[3] > box[1]:
            ids.append(trk.id)
            boxes.append(box)
    ref.tracks = alive
    return np.array(ids, np.int64), np.array(boxes).reshape(-1, 4)


@pytest.mark.parametrize("dataset, name, every", [("mot15", "ETH-Pedcross2", 3), ("mot15", "KITTI-13", 2),
                                                  ("mot15", "Venice-2", 5), ("mot17", "MOT17-05-FRCNN", 3)])
def test_detect_every_equals_reference_loop_coasting(shared_data, dataset, name, every) -> None:
    """``--detect-every K``: detector frames as the reference, the frames between coast (Sort.coast)."""
    (seq,) = load_dataset(dataset, shared_data / dataset, [name])
    tracker, ref = Sort(), ReferenceSort()
    tracker.reset(seq.info)
    reported = np.zeros(0, np.int64)
    coasted = 0
    for frame in range(1, seq.info.length + 1):
        if (frame - 1) % every == 0:
            dets = seq.detections.detections(frame)
            out = tracker.update(None, dets)
            ids, boxes = reported, _ = ref.update(dets.boxes.copy())
        else:
            out = tracker.coast(None)
            ids, boxes = _coast_oracle(ref, reported)
            coasted += len(ids)
        mine, theirs = np.argsort(out.ids), np.argsort(ids)
        assert out.ids[mine].tolist() == ids[theirs].tolist(), frame
        np.testing.assert_allclose(out.boxes[mine], boxes[theirs], rtol=0, atol=1e-6, err_msg=str(frame))
    assert coasted > 0


def test_new_track_ids_follow_the_reference_order_when_nothing_overlaps() -> None:
    """No detection overlaps a track: the reference still runs the solver, lists the detections it left
    unassigned first and those it assigned below the threshold after, and numbers new tracks so."""
    tracker = Sort()
    tracker.reset(INFO)
    tracker.update(None, _dets([10, 10, 30, 50], [100, 10, 120, 50]))  # ids 1, 2
    far = [[10, 150, 30, 190], [60, 150, 80, 190], [110, 150, 130, 190]]  # centres x 20, 70, 120
    tracker.update(None, _dets(*far))
    # scipy pairs the first two detections with the two tracks (all IoUs 0), so the third one starts
    # track 3, then the two rejected ones tracks 4 and 5.
    assert tracker.tracks.ids.tolist() == [1, 2, 3, 4, 5]
    assert tracker.tracks.x[2:, 0].tolist() == [120.0, 20.0, 70.0]
    ref = ReferenceSort()
    ref.update(np.array([[10, 10, 30, 50], [100, 10, 120, 50]], float))
    assert sorted(ref.update(np.array(far, float))[0].tolist()) == [3, 4, 5]
    assert [(trk.id, trk.x[0]) for trk in ref.tracks[2:]] == [(3, 120.0), (4, 20.0), (5, 70.0)]


def test_two_detections_competing_for_one_track_go_to_the_solver() -> None:
    """Two detections over one track: the higher-IoU one continues it, the other starts a track."""
    tracker = Sort(SortParams(min_hits=1))
    tracker.reset(INFO)
    tracker.update(None, _dets([50, 50, 90, 130]))
    out = tracker.update(None, _dets([58, 50, 98, 130], [51, 50, 91, 130]))
    assert out.ids.tolist() == [1]
    assert abs(out.boxes[0, 0] - 51) < abs(out.boxes[0, 0] - 58)
    assert tracker.tracks.ids.tolist() == [1, 2]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the oracle's NumPy divides by the zero height
def test_a_track_whose_prediction_is_not_finite_is_dropped() -> None:
    """A zero-height detection gives an infinite aspect ratio; its track's prediction is not finite and
    the track goes (as the reference drops it), while the other tracks carry on."""
    tracker, ref = Sort(), ReferenceSort()
    tracker.reset(INFO)
    frames = [[[10, 10, 30, 50], [100, 60, 140, 60]], [[12, 10, 32, 50]], [[14, 10, 34, 50]], [[16, 10, 36, 50]]]
    for boxes in frames:
        out = tracker.update(None, _dets(*boxes))
        ids, _ = ref.update(np.array(boxes, float))
        assert sorted(out.ids.tolist()) == sorted(ids.tolist())
    assert tracker.tracks.ids.tolist() == [1]
    assert tracker.coast(None).ids.tolist() == [1]


def test_coasting_without_tracks_and_empty_frames() -> None:
    """Frames before any detection, coasting with no tracks and with a detector frame that found nothing."""
    tracker = Sort()
    tracker.reset(INFO)
    assert len(tracker.update(None, _dets())) == 0
    assert len(tracker.coast(None)) == 0
    assert tracker.update(None, _dets([10, 10, 30, 50])).ids.tolist() == [1]
    assert tracker.coast(None).ids.tolist() == [1]
    assert len(tracker.update(None, _dets())) == 0
    assert len(tracker.coast(None)) == 0  # not reported on the last detector frame


def test_reference_scores_on_mot15(shared_data, tmp_path) -> None:
    """The reference implementation's published numbers (motmetrics, IoU 0.5), within 0.3 points."""
    outcome = execute(RunRequest(trackers=["sort"], dataset="mot15", data_root=shared_data / "mot15",
                                 sequences=["TUD-Campus", "TUD-Stadtmitte"], results=tmp_path, name="r"))
    table = outcome.per_sequence.loc["sort"]
    assert table.loc["TUD-Campus", "MOTA"] == pytest.approx(62.7, abs=0.3)
    assert table.loc["TUD-Campus", "IDF1"] == pytest.approx(60.6, abs=0.3)
    assert table.loc["TUD-Stadtmitte", "MOTA"] == pytest.approx(71.7, abs=0.3)
    assert table.loc["TUD-Stadtmitte", "IDF1"] == pytest.approx(73.5, abs=0.3)

"""KITTI tracking: label_02 and AB3DMOT files read as downloaded, per-class sequences, TrackEval's KITTI rules."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.datasets import load_dataset
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.kitti import DISTRACTOR, TARGET
from trackbench.datasets.sequence import FrameTable
from trackbench.harness.metrics.preprocess import preprocess


@pytest.fixture(scope="module")
def kitti(shared_data):
    return shared_data / "kitti-tracking"


def _raw_labels(path):
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def test_val_split_gives_one_sequence_per_video_and_class(kitti) -> None:
    seqs = load_dataset("kitti", kitti, split="val")
    names = [s.name for s in seqs]
    assert len(seqs) == 22 and names[:2] == ["0001-car", "0001-pedestrian"]
    car = seqs[0]
    assert (car.info.length, car.info.fps, car.info.dataset) == (447, 10.0, "kitti")
    assert (car.info.width, car.info.height) == (1242, 375)  # from the staged PNG of 0001


def test_car_gt_targets_distractors_and_dontcare_follow_the_labels(kitti) -> None:
    (car,) = load_dataset("kitti", kitti, ["0001"], classes=["car"])
    rows = _raw_labels(kitti / "label_02" / "0001.txt")
    cars = [r for r in rows if r[2] == "Car"]
    hidden = [r for r in cars if float(r[3]) > 0 or float(r[4]) > 2]
    vans = [r for r in rows if r[2] == "Van"]
    gt = car.ground_truth
    assert int((gt.classes == TARGET).sum()) == len(cars) - len(hidden)
    assert int((gt.classes == DISTRACTOR).sum()) == len(hidden) + len(vans)
    assert int(gt.frames.min()) == min(int(r[0]) for r in cars + vans) + 1  # 0-based on disk
    assert len(car.eval_spec.ignore_regions) == sum(r[2] == "DontCare" for r in rows)
    assert car.eval_spec.min_height == 25


def test_detections_are_the_classes_own_with_raw_scores(kitti) -> None:
    car, ped = load_dataset("kitti", kitti, ["0001"])
    raw = np.loadtxt(kitti / "detections" / "pointrcnn_Car_val" / "0001.txt", delimiter=",")
    assert len(car.detections) == int((raw[:, 1] == 2).sum())
    assert car.detections.scores.max() == pytest.approx(raw[:, 6].max())  # raw scores, not probabilities
    np.testing.assert_allclose(car.detections.boxes[0], raw[raw[:, 0].argsort(kind="stable")][0, 2:6])
    assert int(car.detections.frames.min()) == int(raw[:, 0].min()) + 1
    assert ped.det_path.endswith("pointrcnn_Pedestrian_val/0001.txt") and (car.detections.ids == -1).all()


def test_scoring_removes_what_trackeval_kitti_removes(kitti) -> None:
    (car,) = load_dataset("kitti", kitti, ["0001"], classes=["car"])
    gt, spec = car.ground_truth, car.eval_spec
    targets = gt.select(gt.classes == TARGET)
    frame = int(spec.ignore_regions.frames[0])
    region = spec.ignore_regions.boxes[0]
    van = gt.select(gt.classes == DISTRACTOR)
    extra = np.array([region, [5.0, 5.0, 60.0, 25.0], van.boxes[0]])  # in DontCare, 20 px tall, on a distractor
    extra_frames = np.array([frame, frame, int(van.frames[0])])
    result = FrameTable(frames=np.concatenate([targets.frames, extra_frames]),
                        ids=np.concatenate([targets.ids, [10_001, 10_002, 10_003]]),
                        boxes=np.concatenate([targets.boxes, extra]), scores=np.ones(len(targets) + 3),
                        classes=np.full(len(targets) + 3, -1), visibility=np.ones(len(targets) + 3))
    data = preprocess(gt, result, spec, car.info.length, car.name)
    assert data.num_tracker_dets == data.num_gt_dets == len(targets)  # the three extra boxes are not counted
    # a tall unmatched box outside every region is kept: a false positive
    far = FrameTable(frames=np.array([frame]), ids=np.array([1]), boxes=np.array([[0.0, 0.0, 3.0, 300.0]]),
                     scores=np.ones(1), classes=np.full(1, -1), visibility=np.ones(1))
    assert preprocess(gt, far, spec, car.info.length).num_tracker_dets == 1


def test_bad_rows_name_file_and_line(tmp_path) -> None:
    labels = tmp_path / "label_02"
    labels.mkdir()
    good = "0 1 Car 0 0 -1.5 10 20 110 90 1.5 1.6 4 1 1 10 0.1\n"
    (labels / "0000.txt").write_text(good + "1 1 Car 0 0 -1.5 10 20 110\n")
    with pytest.raises(DataFileError, match=r"0000.txt:2: expected 17 space-separated columns"):
        load_dataset("kitti", tmp_path, classes=["car"])
    (labels / "0000.txt").write_text(good + "-1 1 Car 0 0 -1.5 10 20 110 90 1.5 1.6 4 1 1 10 0.1\n")
    with pytest.raises(DataFileError, match=r"0000.txt:2: frame must be a whole number >= 0"):
        load_dataset("kitti", tmp_path, classes=["car"])
    (labels / "0000.txt").write_text(good)
    dets = tmp_path / "detections" / "pointrcnn_Car_val"
    dets.mkdir(parents=True)
    (dets / "0000.txt").write_text("0,2,10,20,110,90,3.5\n0,7,10,20,110,90,3.5\n")
    with pytest.raises(DataFileError, match=r"pointrcnn_Car_val/0000.txt:2: type must be 1"):
        load_dataset("kitti", tmp_path, classes=["car"])
    (dets / "0000.txt").write_text("0,2,10,20,110,90,3.5\n")
    (seq,) = load_dataset("kitti", tmp_path, classes=["car"])
    assert seq.info.length == 1 and len(seq.detections) == 1 and seq.detections.scores[0] == 3.5


def test_missing_data_says_where_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKBENCH_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("kitti")
    assert "cvlibs.net" in str(err.value) and "shared" not in str(err.value)
    with pytest.raises(ValueError, match="car, pedestrian"):
        load_dataset("kitti", tmp_path, classes=["cyclist"])

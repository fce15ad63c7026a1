"""BDD100K box tracking in Scalabel JSON: gt per (video, class), crowd/distractor ignore regions, predictions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.datasets import load_dataset
from trackbench.datasets.bdd100k import read_predictions
from trackbench.datasets.errors import DataFileError
from trackbench.harness.metrics.preprocess import preprocess


@pytest.fixture(scope="module")
def bdd(shared_data):
    return shared_data / "bdd100k-mot"


@pytest.fixture(scope="module")
def raw(bdd):
    return json.loads((bdd / "track_sample_anns.json").read_text())


def test_gt_per_class_with_crowd_as_ignore_regions(bdd, raw) -> None:
    seqs = {s.name: s for s in load_dataset("bdd100k", bdd)}
    labels = [(f["frameIndex"], l) for f in raw for l in f["labels"]]
    crowd = [l for _, l in labels if l["attributes"].get("crowd")]
    cats = {l["category"] for _, l in labels}
    assert set(seqs) == {f"b1c66a42-6f7d68ca-{c}" for c in cats}  # only the classes the video has
    car = seqs["b1c66a42-6f7d68ca-car"]
    assert car.info.length == 202 and int(car.ground_truth.frames.min()) == 1  # frameIndex 0 is frame 1
    assert len(car.ground_truth) == sum(l["category"] == "car" and not l["attributes"].get("crowd") for _, l in labels)
    assert len(car.eval_spec.ignore_regions) == len(crowd)
    assert sum(len(s.ground_truth) for s in seqs.values()) + len(crowd) == len(labels) == 3241
    ids = {l["id"] for _, l in labels if l["category"] == "car" and not l["attributes"].get("crowd")}
    assert len(np.unique(car.ground_truth.ids)) == len(ids)


def test_predictions_score_against_the_gt(bdd) -> None:
    seqs = {s.name: s for s in load_dataset("bdd100k", bdd, classes=["car", "pedestrian"])}
    results = read_predictions(bdd / "track_predictions.json", ["car", "pedestrian"])
    assert sum(len(t) for t in read_predictions(bdd / "track_predictions.json").values()) == 2301
    car = seqs["b1c66a42-6f7d68ca-car"]
    data = preprocess(car.ground_truth, results[car.name], car.eval_spec, car.info.length, car.name)
    assert 0 < data.num_tracker_dets <= len(results[car.name]) and data.num_gt_dets == len(car.ground_truth)
    assert results[car.name].scores.max() <= 1.0 and (results[car.name].ids >= 1).all()


def test_oracle_run_and_bad_files(bdd, tmp_path) -> None:
    from trackbench.harness.cli.run import RunRequest, execute

    out = execute(RunRequest(trackers=["sort"], dataset="bdd100k", data_root=bdd, classes=["car"],
                             detections="gt", results=tmp_path, name="r"))
    assert out.overall.loc["sort", "MOTA"] > 50
    bad = tmp_path / "bad.json"
    bad.write_text('[{"videoName": "v", "frameIndex": 0, "labels": []}, {"videoName": "v", "frameIndex": 2}]')
    with pytest.raises(DataFileError, match=r"bad.json: video v: frameIndex values must be 0..1"):
        load_dataset("bdd100k", bad)
    bad.write_text('[{"videoName": "v", "frameIndex": 0, "labels": [{"id": "1", "category": "car", '
                   '"box2d": {"x1": 5, "y1": 1, "x2": 2, "y2": 9}}]}]')
    with pytest.raises(DataFileError, match=r"frameIndex 0, label '1': box2d"):
        load_dataset("bdd100k", bad)
    bad.write_text('[{"videoName": "v",')
    with pytest.raises(DataFileError, match=r"bad.json:1: not valid JSON"):
        load_dataset("bdd100k", bad)

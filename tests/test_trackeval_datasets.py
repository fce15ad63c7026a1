"""trackbench's KITTI and BDD100K scores equal TrackEval's own ``Kitti2DBox`` and ``BDD100K`` evaluations.

Both sides score the same files: trackbench through its loaders and scoring
(``bench run``'s path for KITTI, ``bench eval``'s Scalabel path for BDD100K),
TrackEval through its ``Evaluator`` on the files rewritten in its own layouts
(:mod:`benchmarks.trackeval_datasets`, which runs the full comparison).  Every
count must be equal and every ratio within 1e-9, per sequence, per class and
for the class-averaged and detection-averaged combinations.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("trackeval")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import trackeval_datasets as te  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from trackbench.harness.cli.app import app  # noqa: E402
from trackbench.harness.metrics.classes import CLASS_AVERAGED, DETECTION_AVERAGED  # noqa: E402
from trackbench.harness.metrics.evaluate import INT_COLUMNS  # noqa: E402


def test_kitti_val_scores_equal_trackevals_kitti2dbox(shared_data) -> None:
    """sort, bytetrack, ocsort on two KITTI val videos, Car and Pedestrian: every sequence and class equal."""
    tables, wrong = te.compare_kitti(shared_data / "kitti-tracking", videos=["0012", "0014"])
    assert wrong == []
    for tracker, rows in tables.items():
        assert list(rows) == ["car", "pedestrian", CLASS_AVERAGED, DETECTION_AVERAGED]
        assert rows["car"]["Dets"] > 0 and rows["pedestrian"]["GT_Dets"] > 0, tracker
        both = rows["car"]["GT_Dets"] + rows["pedestrian"]["GT_Dets"]
        assert rows[DETECTION_AVERAGED]["GT_Dets"] == rows[CLASS_AVERAGED]["GT_Dets"] == both


def test_bdd100k_predictions_score_as_trackevals_bdd100k(shared_data) -> None:
    """The shipped predictions: per (video, class), per class, class- and detection-averaged, all equal."""
    bdd = shared_data / "bdd100k-mot"
    table, wrong = te.compare_bdd(bdd / "track_sample_anns.json", bdd / "track_predictions.json")
    assert wrong == []
    classes = ["pedestrian", "rider", "car", "truck", "bus", "motorcycle"]  # gt has these; predictions a subset
    assert [c for c in table.index if c in classes] == classes
    assert table.loc[CLASS_AVERAGED, "HOTA"] == pytest.approx(np.mean([table.loc[c, "HOTA"] for c in classes]))
    assert int(table.loc[DETECTION_AVERAGED, "GT_Dets"]) == 3109  # 3241 boxes less crowd / other-* ignore regions
    assert int(table.loc[DETECTION_AVERAGED, "Dets"]) < 2301  # unmatched boxes inside ignore regions are dropped


def _scalabel(path: Path, labels_per_frame: list[list[dict]]) -> Path:
    frames = [{"name": f"v-{t + 1:07d}.jpg", "videoName": "v", "frameIndex": t, "labels": labels}
              for t, labels in enumerate(labels_per_frame)]
    path.write_text(json.dumps(frames))
    return path


def _label(ident: str, category: str, box: tuple[float, float, float, float], crowd: bool = False) -> dict:
    x1, y1, x2, y2 = box
    return {"id": ident, "category": category, "attributes": {"crowd": crowd},
            "box2d": {"x1": x1, "y1": y1, "x2": x2, "y2": y2}}


def test_bdd100k_keeps_flat_unmatched_boxes_and_drops_those_in_crowds(tmp_path) -> None:
    """TrackEval's BDD100K has no minimum height: a zero-height false positive counts; one in a crowd does not."""
    gt = _scalabel(tmp_path / "gt.json", [
        [_label("a", "car", (10, 10, 60, 50)), _label("c", "car", (200, 10, 300, 100), crowd=True)],
        [_label("a", "car", (12, 10, 62, 50)), _label("m", "motorcycle", (600, 10, 640, 70))],
    ])  # the motorcycle: TrackEval's BDD100K fails when a super-category (BIKE) has no class to evaluate
    predictions = _scalabel(tmp_path / "pred.json", [
        [_label("1", "car", (10, 10, 60, 50)), _label("2", "car", (210, 20, 280, 90)),
         _label("3", "car", (400, 30, 450, 30))],  # 2: inside the crowd region; 3: zero height, unmatched
        [_label("1", "car", (12, 10, 62, 50)), _label("4", "pedestrian", (500, 10, 520, 60))],
    ])
    table, wrong = te.compare_bdd(gt, predictions)
    assert wrong == []
    assert (int(table.loc["car", "TP"]), int(table.loc["car", "FP"]), int(table.loc["car", "Dets"])) == (2, 1, 3)
    assert int(table.loc["pedestrian", "FP"]) == 1  # a class without gt still costs its false positives
    assert int(table.loc[DETECTION_AVERAGED, "FP"]) == 2


def test_bench_eval_reads_scalabel_json(shared_data) -> None:
    bdd = shared_data / "bdd100k-mot"
    result = CliRunner().invoke(app, ["eval", "--gt", str(bdd / "track_sample_anns.json"), "--results",
                                      str(bdd / "track_predictions.json"), "--format", "json", "-j", "1",
                                      "--clear-backend", "trackeval"])
    assert result.exit_code == 0, result.output
    rows = {r["sequence"]: r for r in json.loads(result.stdout)["table"]}
    assert list(rows)[-2:] == [CLASS_AVERAGED, DETECTION_AVERAGED]  # videos, classes, then the combinations
    assert rows["b1c66a42-6f7d68ca-car"]["IDsw"] == rows["car"]["IDsw"] == 43
    for column in INT_COLUMNS:
        assert rows[DETECTION_AVERAGED][column] == rows[CLASS_AVERAGED][column], column


def test_kitti_run_writes_a_per_class_table(shared_data, tmp_path) -> None:
    result = CliRunner().invoke(app, ["run", "-d", "kitti", "--data-root", str(shared_data / "kitti-tracking"),
                                      "--split", "val", "-s", "0012", "-t", "sort", "--results", str(tmp_path),
                                      "--name", "r", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    rows = {r["class"]: r for r in document["per_class"]}
    assert list(rows) == ["car", "pedestrian", CLASS_AVERAGED, DETECTION_AVERAGED]
    assert rows[DETECTION_AVERAGED]["HOTA"] == pytest.approx(document["leaderboard"][0]["HOTA"])
    assert (tmp_path / "r" / "per_class.md").is_file()

"""`bench run` / `bench eval` end to end through the real CLI, and the run folder it leaves."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app
from trackbench.harness.cli.cv2check import has_contrib

runner = CliRunner()


def test_opencv_is_the_contrib_build() -> None:
    import cv2

    assert has_contrib(cv2), f"cv2 {cv2.__version__} at {cv2.__file__} lacks contrib modules"
    # A contrib-only algorithm must actually run, not just be importable.
    image = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))
    smoothed = cv2.ximgproc.guidedFilter(image, image, 4, 10.0)
    assert smoothed.shape == image.shape


def test_run_on_synth_writes_trackeval_layout_manifest_and_tables(tmp_path) -> None:
    result = runner.invoke(app, ["run", "--trackers", "sort", "--results", str(tmp_path), "--name", "r1"])
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "r1"
    files = sorted(p.name for p in (run_dir / "synth" / "sort" / "data").iterdir())
    assert files == ["synth-01.txt", "synth-02.txt", "synth-03.txt"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["units"][0]["params"] == {"max_age": 1, "min_hits": 3, "iou_threshold": 0.3, "min_confidence": float("-inf")}
    assert "numpy" in manifest["environment"]["packages"]
    board = pd.read_csv(run_dir / "leaderboard.csv", index_col=0)
    assert 20 < board.loc["sort", "MOTA"] <= 100 and board.loc["sort", "Hz"] > 0
    assert (run_dir / "leaderboard.md").read_text().startswith("| tracker |")
    assert "HOTA" in result.output and "sort" in result.output


def test_param_applies_by_name_and_typos_fail(tmp_path) -> None:
    ok = runner.invoke(app, ["run", "-t", "sort", "-s", "synth-01", "--param", "max_age=5", "--results", str(tmp_path), "--name", "p"])
    assert ok.exit_code == 0, ok.output
    manifest = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert manifest["units"][0]["params"]["max_age"] == 5
    bad = runner.invoke(app, ["run", "-t", "sort", "--param", "max_aeg=5", "--results", str(tmp_path)])
    assert bad.exit_code == 2 and "max_aeg" in bad.output


def test_missing_dataset_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TRACKBENCH_DATA", raising=False)
    result = runner.invoke(app, ["run", "--dataset", "mot17", "--results", str(tmp_path)])
    assert result.exit_code == 2
    assert "--data-root" in result.output


def test_eval_reproduces_motmetrics_published_values(tmp_path) -> None:
    """`bench eval` on the TUD files that ship inside motmetrics (its README's numbers)."""
    import shutil
    from pathlib import Path

    import motmetrics

    data = Path(motmetrics.__file__).parent / "data"
    gt_root, res_root = tmp_path / "gt", tmp_path / "res"
    for seq in ("TUD-Campus", "TUD-Stadtmitte"):
        (gt_root / seq / "gt").mkdir(parents=True)
        shutil.copy(data / seq / "gt.txt", gt_root / seq / "gt" / "gt.txt")
        res_root.mkdir(exist_ok=True)
        shutil.copy(data / seq / "test.txt", res_root / f"{seq}.txt")
    result = runner.invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "eval.csv", index_col=0)
    campus, stadt = table.loc["TUD-Campus"], table.loc["TUD-Stadtmitte"]
    assert (round(campus.IDF1, 1), round(campus.MOTA, 1), campus.FP, campus.FN, campus.IDsw) == (55.8, 52.6, 13, 150, 7)
    assert (round(stadt.IDF1, 1), round(stadt.MOTA, 1), stadt.FP, stadt.FN, stadt.IDsw) == (64.5, 56.4, 45, 452, 7)


def test_parallel_run_scores_identically(tmp_path) -> None:
    """--jobs 2 runs and scores units in worker processes; every number but the timing agrees."""
    boards = []
    for jobs in ("1", "2"):
        result = runner.invoke(app, ["run", "-t", "sort,rolo", "--jobs", jobs, "--results", str(tmp_path), "--name", f"j{jobs}"])
        assert result.exit_code == 0, result.output
        boards.append(pd.read_csv(tmp_path / f"j{jobs}" / "per_sequence.csv", index_col=[0, 1]).drop(columns=["Hz", "Hz e2e"]))
    pd.testing.assert_frame_equal(boards[0], boards[1])


def test_min_score_is_one_threshold_for_every_tracker(tmp_path) -> None:
    """--min-score drops the same detections before every tracker: SORT then equals SORT with its own
    min_confidence at that value, and the manifest, units and tables say what was done."""
    args = ["run", "-t", "sort,deepsort", "-s", "synth-01", "-p", "embedder=histogram", "--results", str(tmp_path)]
    result = runner.invoke(app, [*args, "--name", "ms", "--min-score", "0.6", "--clear-backend", "trackeval"])
    assert result.exit_code == 0, result.output
    own = runner.invoke(app, ["run", "-t", "sort", "-s", "synth-01", "-p", "min_confidence=0.6",
                              "--results", str(tmp_path), "--name", "own"])
    assert own.exit_code == 0, own.output
    data = "synth/sort/data/synth-01.txt"
    assert (tmp_path / "ms" / data).read_text() == (tmp_path / "own" / data).read_text()
    manifest = json.loads((tmp_path / "ms" / "manifest.json").read_text())
    assert (manifest["min_score"], manifest["clear_backend"]) == (0.6, "trackeval")
    dropped = {u["variant"]: u["detections_dropped"] for u in manifest["units"]}
    assert dropped["sort"] == dropped["deepsort"] > 0
    assert all(u["min_score"] == 0.6 for u in manifest["units"])
    # Deep SORT applies no threshold of its own: without --min-score it sees every detection.
    assert all(u["params"]["min_confidence"] == float("-inf") for u in manifest["units"] if u["tracker"] == "deepsort")
    assert "CLEAR and identity metrics: trackeval" in (tmp_path / "ms" / "leaderboard.md").read_text()
    assert "CLEAR/ID: trackeval" in result.output


def test_end_to_end_speed_counts_embedding_even_from_the_cache(tmp_path, monkeypatch) -> None:
    """Hz e2e = frames / (tracker + decoding + embedding); a rerun that reads the vectors from the cache
    still charges what computing them cost, so the column does not change with the cache's state."""
    monkeypatch.setenv("TRACKBENCH_CACHE", str(tmp_path / "cache"))
    runs = []
    for name in ("first", "again"):
        result = runner.invoke(app, ["run", "-t", "deepsort", "-s", "synth-01", "-p", "embedder=histogram",
                                     "--results", str(tmp_path), "--name", name])
        assert result.exit_code == 0, result.output
        (unit,) = json.loads((tmp_path / name / "manifest.json").read_text())["units"]
        runs.append(unit)
    first, again = runs
    assert (first["embed_source"], again["embed_source"]) == ("computed", "cache")
    assert again["embed_compute_seconds"] == pytest.approx(first["embed_compute_seconds"], abs=1e-4)
    assert 0 < first["embed_compute_seconds"] <= first["embed_seconds"]  # computing is part of that call
    for unit in runs:
        seconds = unit["tracker_seconds"] + unit["decode_seconds"] + unit["embed_compute_seconds"]
        assert unit["hz_e2e"] == pytest.approx(unit["frames"] / seconds, rel=1e-2)
        assert unit["hz_e2e"] < unit["hz"]
    board = pd.read_csv(tmp_path / "again" / "leaderboard.csv", index_col=0)
    assert board.loc["deepsort", "Hz e2e"] == pytest.approx(again["hz_e2e"], rel=1e-2)

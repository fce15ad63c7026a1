"""bench sweep: grid parsing, variant planning, and a small sweep on synth writing its table and plot."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app
from trackbench.harness.runs.sweep import parse_grid, parse_values, plan
from trackbench.harness.cli.sweep import SweepRequest, execute_sweep
from trackbench.trackers.params import ParamError


def test_range_includes_both_ends_without_float_drift() -> None:
    values = parse_values("0:1:0.1")
    assert values == ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"]
    assert [float(v) for v in values][3] == 0.3  # not 0.30000000000000004
    assert parse_values("10:60:25") == ["10", "35", "60"]
    assert parse_values("0:1:0.3") == ["0", "0.3", "0.6", "0.9"]  # stop not on the grid: not exceeded
    assert parse_values("1:0:-0.5") == ["1", "0.5", "0"]
    assert parse_values("1e-3:3e-3:1e-3") == ["0.001", "0.002", "0.003"]


def test_lists_fixed_values_and_bad_input() -> None:
    assert parse_values("10,30,60") == ["10", "30", "60"]
    assert parse_values("precomputed") == ["precomputed"]
    # A colon in a value that is not a numeric range stays one value (paths, embedder specs).
    assert parse_values("onnx:/models/osnet.onnx") == ["onnx:/models/osnet.onnx"]
    for bad in ("0:1:0", "1:0:0.1", "1,,2"):
        with pytest.raises(ParamError):
            parse_values(bad)


def test_grid_is_the_cartesian_product_with_labels() -> None:
    grid = parse_grid(["lambda=0:1:0.5", "max_age=10,30", "embedder=precomputed"])
    assert [(a.name, a.field, a.values) for a in grid.axes] == [
        ("lambda", "lambda_", ["0", "0.5", "1"]), ("max_age", "max_age", ["10", "30"])]
    assert grid.fixed == {"embedder": "precomputed"} and grid.size == 6
    settings = plan(["deepsort"], grid)
    assert [s.variant.name for s in settings][:3] == [
        "deepsort[lambda=0,max_age=10]", "deepsort[lambda=0,max_age=30]", "deepsort[lambda=0.5,max_age=10]"]
    v = settings[-1].variant
    assert v.params() == {"embedder": "precomputed", "lambda_": "1", "max_age": "30"}
    assert settings[-1].values == {"lambda": "1", "max_age": "30"}


def test_plan_checks_names_and_values_before_running() -> None:
    with pytest.raises(ParamError, match="no selected tracker"):
        plan(["sort"], parse_grid(["lamda=0,1"]))
    with pytest.raises(ValueError):
        plan(["deepsort"], parse_grid(["lambda=0:2:1"]))  # lambda must lie in [0, 1]
    with pytest.raises(ParamError, match="twice"):
        parse_grid(["max_age=1,2", "max-age=3,4"])
    # detect_every is the harness's, set per variant, and every tracker takes it.
    settings = plan(["sort", "deepsort"], parse_grid(["detect_every=1,3", "max_age=1,5"]))
    assert len(settings) == 8
    assert {s.variant.detect_every for s in settings} == {1, 3}
    assert all("detect_every" not in s.variant.params() for s in settings)
    with pytest.raises(ParamError, match="whole number"):
        plan(["sort"], parse_grid(["detect_every=0.5,1"]))


def test_sweep_on_synth_writes_table_and_plot(tmp_path) -> None:
    outcome = execute_sweep(SweepRequest(
        trackers=["sort"], params=["max_age=1,5", "detect_every=1,2", "min_hits=3"], dataset="synth",
        sequences=["synth-01"], name="sw", results=tmp_path,
    ))
    run_dir = tmp_path / "sw"
    table = pd.read_csv(run_dir / "leaderboard.csv", index_col=0)
    assert list(table.index) == ["sort[max_age=1,detect_every=1]", "sort[max_age=1,detect_every=2]",
                                 "sort[max_age=5,detect_every=1]", "sort[max_age=5,detect_every=2]"]
    assert list(table.columns[:3]) == ["tracker", "max_age", "detect_every"]
    assert table["max_age"].tolist() == [1, 1, 5, 5] and table["detect_every"].tolist() == [1, 2, 1, 2]
    assert table[["MOTA", "IDF1", "HOTA"]].notna().all().all()
    # Fewer detections give different results: the setting really reached the runner.
    assert table.loc["sort[max_age=1,detect_every=1]", "MOTA"] != table.loc["sort[max_age=1,detect_every=2]", "MOTA"]
    png = run_dir / "sweep.png"
    assert outcome.plot == png and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((run_dir / "manifest.json").read_text())
    assert record["status"] == "complete"
    assert [a["name"] for a in record["sweep"]["axes"]] == ["max_age", "detect_every"]
    assert (run_dir / "synth" / "sort_max_age=5_detect_every=2" / "data" / "synth-01.txt").is_file()


def test_sweep_cli(tmp_path) -> None:
    result = CliRunner().invoke(app, [
        "sweep", "--tracker", "sort", "--param", "iou_threshold=0.2,0.4", "--dataset", "synth",
        "--sequences", "synth-02", "--name", "cli", "--results", str(tmp_path),
    ])
    assert result.exit_code == 0, result.output
    assert "sort[iou_threshold=0.2]" in result.output and "sort[iou_threshold=0.4]" in result.output
    assert len(pd.read_csv(tmp_path / "cli" / "leaderboard.csv")) == 2
    assert (tmp_path / "cli" / "sweep.png").is_file()
    bad = CliRunner().invoke(app, ["sweep", "--tracker", "sort", "--param", "max_age=3", "--results", str(tmp_path)])
    assert bad.exit_code == 2 and "nothing to sweep" in bad.output


def test_lambda_sweep_computes_vectors_once(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKBENCH_CACHE", str(tmp_path / "cache"))
    outcome = execute_sweep(SweepRequest(
        trackers=["deepsort"], params=["lambda=0,1", "embedder=histogram", "min_confidence=0"], dataset="synth",
        sequences=["synth-01"], name="lam", results=tmp_path,
    ))
    assert [u.variant for u in outcome.run.units] == ["deepsort[lambda=0]", "deepsort[lambda=1]"]
    assert [u.embed_source for u in outcome.run.units] == ["computed", "cache"]
    assert [u.params["lambda_"] for u in outcome.run.units] == [0.0, 1.0]
    assert outcome.table["lambda"].tolist() == [0, 1]


def test_parallel_sweep_computes_vectors_once_before_the_workers(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKBENCH_CACHE", str(tmp_path / "cache"))
    outcome = execute_sweep(SweepRequest(
        trackers=["deepsort"], params=["max_age=5,30", "embedder=histogram", "min_confidence=0"], dataset="synth",
        sequences=["synth-02"], name="par", results=tmp_path, jobs=2,
    ))
    assert [u.embed_source for u in outcome.run.units] == ["cache", "cache"]
    assert len(list((tmp_path / "cache" / "embeddings").glob("*.npz"))) == 1
    assert outcome.table["max_age"].tolist() == [5, 30]

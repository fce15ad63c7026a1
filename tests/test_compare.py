"""`bench compare`: A − B re-scored from result files, paired bootstrap intervals, in terminal, JSON, HTML and LaTeX."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app
from trackbench.harness.report.compare import block_bounds, frame_window, split_trackers
from trackbench.datasets.sequence import FrameTable

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    for name, args in (("two", ["-t", "sort,rolo"]), ("again", ["-t", "sort"])):
        ran = runner.invoke(app, ["run", *args, "-s", "synth-01,synth-02", "--max-frames", "60", "--results", str(root), "--name", name])
        assert ran.exit_code == 0, ran.output
    return root


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_differences_match_the_leaderboard_and_intervals_are_seeded(runs, tmp_path) -> None:
    args = ["compare", str(runs / "two"), "--trackers", "sort,rolo", "--replicates", "200", "--format", "json"]
    doc = _json(runner.invoke(app, args))
    board = pd.read_csv(runs / "two" / "leaderboard.csv", index_col=0)
    for metric in ("HOTA", "MOTA", "IDF1"):
        m = doc["metrics"][metric]
        assert m["difference"] == pytest.approx(board.loc["sort", metric] - board.loc["rolo", metric], abs=1e-3)
        assert m["low"] <= m["difference"] <= m["high"]
    assert doc["mode"] == "blocks" and "paired bootstrap" in doc["method"]  # 2 sequences: frame blocks
    assert _json(runner.invoke(app, args)) == doc  # same seed, same intervals
    other = _json(runner.invoke(app, args[:-2] + ["--seed", "7", "--format", "json"]))
    assert other["metrics"]["HOTA"]["low"] != doc["metrics"]["HOTA"]["low"]
    seq = _json(runner.invoke(app, args + ["--resample", "sequences"]))
    assert seq["mode"] == "sequences" and seq["units"] == 2
    assert seq["metrics"]["HOTA"]["difference"] == pytest.approx(doc["metrics"]["HOTA"]["difference"])


def test_identical_results_differ_by_exactly_zero(runs) -> None:
    doc = _json(runner.invoke(app, ["compare", str(runs / "two"), str(runs / "again"), "--replicates", "100", "--format", "json"]))
    assert doc["a"] == "two/sort" and doc["b"] == "again/sort"
    for m in doc["metrics"].values():
        assert (m["difference"], m["low"], m["high"]) == (0.0, 0.0, 0.0)


def test_terminal_and_files(runs, tmp_path) -> None:
    out = runner.invoke(app, ["compare", str(runs / "two"), "-t", "sort,rolo", "--replicates", "100", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "sort − rolo: HOTA " in out.output and "method:" in out.output
    html = (tmp_path / "compare.html").read_text()
    assert "sort − rolo" in html and "paired bootstrap" in html
    assert "\\toprule" in (tmp_path / "compare.tex").read_text()
    bad = runner.invoke(app, ["compare", str(runs / "two"), "-t", "sort,nosuch"])
    assert bad.exit_code == 2 and "nosuch" in bad.output


def test_blocks_and_windows() -> None:
    assert block_bounds(100, 20) == [(1, 20), (21, 40), (41, 60), (61, 80), (81, 100)]
    assert block_bounds(105, 20)[-1] == (81, 105)  # a short tail joins the last block
    table = FrameTable(frames=pd.Series([1, 5, 6, 9]).to_numpy(), ids=pd.Series([1, 2, 3, 4]).to_numpy(),
                       boxes=pd.DataFrame([[0, 0, 1, 1]] * 4).to_numpy(float), scores=pd.Series([1.0] * 4).to_numpy(),
                       classes=pd.Series([-1] * 4).to_numpy(), visibility=pd.Series([1.0] * 4).to_numpy())
    window = frame_window(table, 5, 8)
    assert window.frames.tolist() == [1, 2] and window.ids.tolist() == [2, 3]
    assert split_trackers("deepsort[lambda=0,max_age=3],sort") == ["deepsort[lambda=0,max_age=3]", "sort"]

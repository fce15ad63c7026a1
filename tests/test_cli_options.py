"""`bench --version`, `--max-frames`, `--sort`, `--format json`, `eval --sequences`, and progress without a terminal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from trackbench import __version__
from trackbench.harness.cli import app

runner = CliRunner()


def _tud(tmp_path: Path) -> tuple[Path, Path]:
    """gt for the two TUD sequences shipped in motmetrics; tracker `a` has both results, `b` only Stadtmitte."""
    import motmetrics

    data = Path(motmetrics.__file__).parent / "data"
    gt_root, res_root = tmp_path / "gt", tmp_path / "res"
    for seq in ("TUD-Campus", "TUD-Stadtmitte"):
        (gt_root / seq / "gt").mkdir(parents=True)
        shutil.copy(data / seq / "gt.txt", gt_root / seq / "gt" / "gt.txt")
        for tracker in ("a", "b"):
            if tracker == "b" and seq == "TUD-Campus":
                continue
            (res_root / tracker / "data").mkdir(parents=True, exist_ok=True)
            shutil.copy(data / seq / "test.txt", res_root / tracker / "data" / f"{seq}.txt")
    return gt_root, res_root


def test_version() -> None:
    out = runner.invoke(app, ["--version"])
    assert out.exit_code == 0 and out.output.strip() == f"trackbench {__version__}"


def test_max_frames_sort_and_json(tmp_path) -> None:
    out = runner.invoke(app, ["run", "-t", "sort,rolo", "-s", "synth-01", "--max-frames", "40", "--sort", "IDsw",
                              "--format", "json", "--results", str(tmp_path), "--name", "m"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout[out.stdout.index("{"):])
    rows = doc["leaderboard"]
    assert [r["Frames"] for r in rows] == [40, 40]
    assert rows[0]["IDsw"] <= rows[1]["IDsw"]  # IDsw: fewer is better, so ascending
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["max_frames"] == 40 and manifest["frames"] == {"synth-01": 40}
    result = pd.read_csv(tmp_path / "m" / "synth" / "sort" / "data" / "synth-01.txt", header=None)
    assert result[0].max() <= 40
    board = pd.read_csv(tmp_path / "m" / "leaderboard.csv", index_col=0)
    assert list(board["IDsw"]) == sorted(board["IDsw"])
    bad = runner.invoke(app, ["run", "-t", "sort", "--sort", "speed", "--results", str(tmp_path)])
    assert bad.exit_code == 2 and "HOTA" in bad.output


def test_default_order_is_hota_descending(tmp_path) -> None:
    out = runner.invoke(app, ["run", "-t", "rolo,sort", "-s", "synth-01", "--max-frames", "60", "--results", str(tmp_path), "--name", "h"])
    assert out.exit_code == 0, out.output
    board = pd.read_csv(tmp_path / "h" / "leaderboard.csv", index_col=0)
    assert list(board["HOTA"]) == sorted(board["HOTA"], reverse=True)


def test_progress_lines_and_log_without_a_terminal(tmp_path) -> None:
    out = runner.invoke(app, ["run", "-t", "sort", "-s", "synth-01", "--results", str(tmp_path), "--name", "p"])
    assert out.exit_code == 0, out.output
    assert "sort: " in out.output and "frames (100%)" in out.output  # CliRunner is not a terminal
    log = (tmp_path / "p" / "run.log").read_text()
    assert "sort: " in log and "done" in log and "finished" in log


def test_eval_marks_a_tracker_missing_a_sequence(tmp_path) -> None:
    gt_root, res_root = _tud(tmp_path)
    out = runner.invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root), "-j", "1", "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    combined = {r["tracker"]: r for r in doc["table"] if r["sequence"] == "COMBINED"}
    assert combined["a"]["complete"] is True and combined["b"]["complete"] is False
    assert any("b has no result for TUD-Campus" in n for n in doc["notes"])
    # the same sequence subset for both: nothing is incomplete
    out = runner.invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root), "-j", "1",
                              "--sequences", "TUD-Stadtmitte", "--format", "json"])
    doc = json.loads(out.stdout)
    assert {r["sequence"] for r in doc["table"]} == {"TUD-Stadtmitte", "COMBINED"}
    assert all(r["complete"] for r in doc["table"]) and not doc["notes"]
    campus = runner.invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root / "a"), "-j", "1",
                                 "-s", "TUD-Campus", "--format", "json"])
    row = json.loads(campus.stdout)["table"][0]
    assert (row["sequence"], round(row["MOTA"], 1), row["IDsw"]) == ("TUD-Campus", 52.6, 7)


def test_run_marks_a_tracker_that_skipped_a_sequence(shared_data, tmp_path) -> None:
    """camshift needs images: it skips box-only TUD-Campus, so its combined row is marked, not silently averaged."""
    out = runner.invoke(app, ["run", "-t", "sort,camshift", "-d", "mot15", "--data-root", str(shared_data / "mot15"),
                              "-s", "TUD-Campus,PETS09-S2L1", "--max-frames", "30", "--format", "json",
                              "--results", str(tmp_path), "--name", "skip"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout[out.stdout.index("{"):])
    complete = {r["tracker"]: r["complete"] for r in doc["leaderboard"]}
    assert complete == {"sort": True, "camshift": False}
    assert any("camshift's combined row covers 1 of 2" in n for n in doc["notes"])

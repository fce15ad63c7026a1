"""Plug-in trackers: the example package installed by pip and run by entry-point name and by module:Class.

The example package (``examples/plugin``) is installed into a temporary folder
with pip, as a user would install it; ``bench`` then runs in a subprocess with
that folder on ``PYTHONPATH`` so ``importlib.metadata`` finds its entry point
exactly as it would in a virtual environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench import trackers
from trackbench.harness.cli import app

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "examples" / "plugin"
BENCH = [sys.executable, "-m", "trackbench"]
runner = CliRunner()


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The example plug-in pip-installed (no deps, no build isolation) into a fresh folder."""
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(PLUGIN)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (target / "trackbench_greedy" / "tracker.py").is_file()
    return target


def _bench(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "MPLBACKEND": "Agg", "COLUMNS": "200"}
    return subprocess.run(BENCH + args, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_installed_plugin_is_listed_and_runs_by_entry_point_name(plugin_site, tmp_path) -> None:
    listed = _bench(["trackers"], plugin_site, tmp_path)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("greedy"))
    assert "entry point trackbench-greedy" in line
    assert next(x for x in listed.stdout.splitlines() if x.startswith("sort ")).split()[1] == "built-in"

    ran = _bench(["run", "-t", "greedy,sort", "-s", "synth-01", "--param", "iou_threshold=0.4",
                  "--results", str(tmp_path), "--name", "ep"], plugin_site, tmp_path)
    assert ran.returncode == 0, ran.stderr
    run_dir = tmp_path / "ep"
    board = pd.read_csv(run_dir / "leaderboard.csv", index_col=0)
    assert set(board.index) == {"greedy", "sort"}
    # A real tracker on real (synthetic) data: most boxes found, ids mostly kept, timed like any other.
    assert 30 < board.loc["greedy", "MOTA"] <= 100 and board.loc["greedy", "Hz"] > 0
    assert board.loc["greedy", "IDsw"] > 0 and board.loc["greedy", "IDF1"] > 20
    manifest = json.loads((run_dir / "manifest.json").read_text())
    params = {u["variant"]: u["params"] for u in manifest["units"]}
    assert params["greedy"] == {"iou_threshold": 0.4, "max_age": 1, "min_confidence": 0.0}
    assert (run_dir / "synth" / "greedy" / "data" / "synth-01.txt").stat().st_size > 0
    legend = (run_dir / "leaderboard.md").read_text()
    assert "- greedy: entry point trackbench-greedy; greedy IoU association" in legend


def test_plugin_runs_by_module_class_and_gets_typed_params_and_sweeps(plugin_site, tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(plugin_site))
    spec = "trackbench_greedy.tracker:GreedyIoU"
    assert trackers.source(spec).kind == "module"
    ok = runner.invoke(app, ["run", "-t", spec, "-s", "synth-02", "--param", "max_age=3",
                             "--results", str(tmp_path), "--name", "mc"])
    assert ok.exit_code == 0, ok.output
    board = pd.read_csv(tmp_path / "mc" / "leaderboard.csv", index_col=0)
    assert 30 < board.loc[spec, "MOTA"] <= 100
    bad = runner.invoke(app, ["run", "-t", spec, "--param", "iou_threshold=abc", "--results", str(tmp_path)])
    assert bad.exit_code == 2 and "cannot read 'abc' as float" in bad.output
    invalid = runner.invoke(app, ["run", "-t", spec, "--param", "iou_threshold=1.5", "--results", str(tmp_path)])
    assert invalid.exit_code == 2 and "iou_threshold must be in [0, 1]" in invalid.output
    swept = runner.invoke(app, ["sweep", "-t", spec, "-s", "synth-01", "--param", "iou_threshold=0.2,0.6",
                                "--results", str(tmp_path), "--name", "sw"])
    assert swept.exit_code == 0, swept.output
    table = pd.read_csv(next((tmp_path / "sw").glob("*.csv")), index_col=0)
    assert len(table) == 2


@pytest.mark.parametrize("spec, message", [
    ("nosuch_pkg.tracker:Thing", "module 'nosuch_pkg.tracker' not found"),
    ("trackbench.trackers.sort.tracker:SortParams", "is not a Tracker subclass"),
    ("trackbench.trackers.sort.tracker:", "expected package.module:ClassName"),
    ("no_such_tracker", "unknown tracker 'no_such_tracker'"),
])
def test_bad_tracker_spec_is_one_clear_line(spec, message, tmp_path) -> None:
    result = runner.invoke(app, ["run", "-t", spec, "-s", "synth-01", "--results", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 3


def test_a_spec_naming_a_missing_class_is_refused_without_importing_the_module(tmp_path, monkeypatch) -> None:
    """The module is read, not run: its top level would fail the command if it were imported."""
    (tmp_path / "plugin_probe_never_run.py").write_text('raise SystemExit("imported!")\nclass Other:\n    pass\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    result = runner.invoke(app, ["run", "-t", "plugin_probe_never_run:Nope", "-s", "synth-01",
                                 "--results", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "defines no 'Nope' at its top level; not imported" in result.output
    assert "imported!" not in result.output
    assert "plugin_probe_never_run" not in sys.modules


def test_builtin_trackers_declare_their_paper() -> None:
    for name in ["sort", "deepsort", "meanshift", "camshift", "optical_flow", "rolo", "bytetrack", "ocsort"]:
        assert trackers.source(name).kind == "built-in"
        assert trackers.tracker_class(name).paper, name
    assert trackers.describe("sort").startswith("built-in; Bewley et al.")

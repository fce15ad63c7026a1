"""``--split`` and ``--classes`` on ``bench sweep`` and ``bench tune``: the same data selection as ``bench run``'s.

KITTI is the dataset with both options: ``--split val`` is AB3DMOT's split (0012
and 0014 are in it; 0000 is not) and ``--classes`` keeps one class's per-class
sequences.  Each test checks which sequences the command actually tracked and
scored, and that the options are saved for ``--resume``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def kitti(shared_data):
    return shared_data / "kitti-tracking"


def test_sweep_takes_split_and_classes(kitti, tmp_path) -> None:
    result = runner.invoke(app, ["sweep", "-d", "kitti", "--data-root", str(kitti), "--split", "val",
                                 "--classes", "car", "-s", "0012", "-t", "sort", "-p", "max_age=1,30",
                                 "--results", str(tmp_path), "--name", "s"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert list(manifest["frames"]) == ["0012-car"]
    assert (manifest["request"]["split"], manifest["request"]["classes"]) == ("val", ["car"])
    scored = pd.read_csv(tmp_path / "s" / "per_sequence.csv")
    assert set(scored["sequence"]) == {"0012-car"} and len(scored) == 2  # one row per setting


def test_sweep_refuses_a_sequence_outside_the_split(kitti, tmp_path) -> None:
    result = runner.invoke(app, ["sweep", "-d", "kitti", "--data-root", str(kitti), "--split", "val",
                                 "-s", "0000", "-t", "sort", "-p", "max_age=1,30", "--results", str(tmp_path)])
    assert result.exit_code == 2 and "0000" in result.output


def test_tune_takes_split_and_classes(kitti, tmp_path) -> None:
    result = runner.invoke(app, ["tune", "-d", "kitti", "--data-root", str(kitti), "--split", "val",
                                 "--classes", "pedestrian", "-s", "0012,0014", "-t", "sort", "--trials", "2",
                                 "--replicates", "100", "--results", str(tmp_path), "--name", "t"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert manifest["sequences"] == ["0012-pedestrian", "0014-pedestrian"]
    saved = manifest["tune"]["request"]
    assert (saved["split"], saved["classes"]) == ("val", ["pedestrian"])

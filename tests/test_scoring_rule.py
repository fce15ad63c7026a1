"""One rule decides how a sequence is scored, whatever its folder is called, under `bench run` and `bench eval`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.datasets import load_dataset
from trackbench.datasets.mot_scoring import eval_spec_for, scoring_benchmark
from trackbench.datasets.motfile import read_mot_file
from trackbench.harness.cli import app

runner = CliRunner()
SOURCE = "MOT17-05-FRCNN"
RENAMED = "street-05"  # a MOT17-layout folder whose name does not start with MOT1x
FRAMES = 340  # a prefix keeps the test quick; SORT boxes meet distractor gt in frames 335-338
METRICS = ["MOTA", "IDF1", "HOTA", "FP", "FN", "IDsw"]


def _copy_prefix(src: Path, dst: Path, name: str) -> None:
    """``src`` sequence (det, gt, seqinfo.ini) cut to its first FRAMES frames, under the name ``name``."""
    for sub in ("det/det.txt", "gt/gt.txt"):
        lines = [line for line in (src / sub).read_text().splitlines() if int(line.split(",")[0]) <= FRAMES]
        (dst / sub).parent.mkdir(parents=True, exist_ok=True)
        (dst / sub).write_text("\n".join(lines) + "\n")
    ini = (src / "seqinfo.ini").read_text().replace(f"name={SOURCE}", f"name={name}")
    (dst / "seqinfo.ini").write_text(ini.replace("seqLength=837", f"seqLength={FRAMES}"))


@pytest.fixture(scope="module")
def data(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding only the renamed copy: nothing in it says MOT17 but the gt's columns."""
    root = tmp_path_factory.mktemp("scoring") / "data"
    _copy_prefix(shared_data / "mot17" / "train" / SOURCE, root / RENAMED, RENAMED)
    return root


def test_the_rule_reads_the_gt_not_the_name(shared_data: Path, data: Path) -> None:
    gt = read_mot_file(data / RENAMED / "gt" / "gt.txt", "gt")
    assert scoring_benchmark(RENAMED, gt) == scoring_benchmark(SOURCE, gt) == "MOT17"
    assert scoring_benchmark("MOT20-01", gt) == scoring_benchmark(RENAMED, gt, "mot20") == "MOT20"
    no_classes = read_mot_file(data / RENAMED / "det" / "det.txt", "result")
    assert scoring_benchmark(SOURCE, no_classes) == "MOT15"
    # The loader hands every sequence the spec of that rule, whichever dataset name it is loaded under.
    (original,) = load_dataset("mot17", shared_data / "mot17", [SOURCE])
    assert original.eval_spec == eval_spec_for(RENAMED, gt)
    for dataset, root in ((str(data), None), ("mot15", data), ("mot17", data)):
        (renamed,) = load_dataset(dataset, root)
        assert renamed.eval_spec == original.eval_spec, dataset


def test_renamed_mot17_sequence_scores_alike_under_run_and_eval(data: Path, tmp_path: Path) -> None:
    ran = runner.invoke(app, ["run", "-t", "sort", "-d", str(data), "--results", str(tmp_path), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    run_table = pd.read_csv(tmp_path / "r" / "per_sequence.csv", index_col=[0, 1]).loc["sort"]

    scored = runner.invoke(app, ["eval", "--gt", str(data), "--results", str(tmp_path / "r"), "--out",
                                 str(tmp_path / "e"), "-j", "1"])
    assert scored.exit_code == 0, scored.output
    eval_table = pd.read_csv(tmp_path / "e" / "eval.csv", index_col=0)
    np.testing.assert_allclose(eval_table.loc[RENAMED, METRICS].astype(float),
                               run_table.loc[RENAMED, METRICS].astype(float), rtol=0, atol=1e-9)

    # ... and the rule did bite: MOT15-style scoring (no distractor removal) of the same files differs.
    plain = runner.invoke(app, ["eval", "--gt", str(data), "--results", str(tmp_path / "r"), "--out",
                                str(tmp_path / "p"), "--benchmark", "mot15", "-j", "1"])
    assert plain.exit_code == 0, plain.output
    plain_table = pd.read_csv(tmp_path / "p" / "eval.csv", index_col=0)
    assert plain_table.loc[RENAMED, "FP"] > eval_table.loc[RENAMED, "FP"]

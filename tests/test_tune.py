"""`bench tune`: declared search spaces, defaults first, seeded and resumable studies, held-out scoring.

Everything runs on the built-in synthetic set, cut to its first frames, with
budgets of a few trials, so the whole file stays well under a minute.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("optuna")

from trackbench import trackers  # noqa: E402
from trackbench.harness.cli import app  # noqa: E402
from trackbench.harness.tune import session  # noqa: E402
from trackbench.harness.tune import study as studies  # noqa: E402
from trackbench.trackers.space import SCORES, Dimension, declared_space, tunable  # noqa: E402

runner = CliRunner()
#: Short sequences keep each trial a fraction of a second.
QUICK = ["--max-frames", "60", "--replicates", "100"]


def _tune(tmp_path: Path, name: str, *args: str) -> Path:
    out = runner.invoke(app, ["tune", "--results", str(tmp_path), "--name", name, *QUICK, *args])
    assert out.exit_code == 0, out.output
    return tmp_path / name


def _trials(run: Path) -> pd.DataFrame:
    return pd.read_csv(run / "trials.csv")


# --------------------------------------------------------------------------- spaces


def test_builtin_trackers_declare_spaces_with_score_thresholds() -> None:
    for name, threshold in (("sort", "min_confidence"), ("bytetrack", "track_thresh"), ("ocsort", "det_thresh"),
                            ("rolo", "min_confidence")):
        space = declared_space(trackers.tracker_class(name).Params)
        assert threshold in space and space[threshold].depends_on_scores(), name
        assert len(space) >= 3, name
        defaults = trackers.tracker_class(name).Params()
        for dim in space.values():  # every declared default lies inside its range (or the range is the data's)
            value = getattr(defaults, dim.name)
            if dim.kind == "choice":
                assert value in dim.choices
            elif not dim.depends_on_scores():
                assert float(dim.low) <= value <= float(dim.high), (name, dim)


def test_trackers_space_option_shows_ranges() -> None:
    out = runner.invoke(app, ["trackers", "--space"])
    assert out.exit_code == 0, out.output
    assert "iou_threshold = 0.3  tune: float 0.1..0.7" in out.output
    assert "lowest detection score" in out.output
    assert "pixel_inclusive_iou" not in out.output  # not tunable: --space hides it


def test_tunable_field_is_an_ordinary_default_with_a_range() -> None:
    @dataclass
    class P:
        gate: float = tunable(0.3, 0.1, 0.7)
        age: int = tunable(30, 5, 120, log=True)
        mode: str = tunable("a", choices=("a", "b"))
        thresh: float = tunable(0.6, SCORES, SCORES)
        plain: int = 4

    assert P() == P(0.3, 30, "a", 0.6, 4)
    space = declared_space(P)
    assert list(space) == ["gate", "age", "mode", "thresh"]
    assert space["age"] == Dimension("age", "int", 5, 120, True)
    assert space["thresh"].resolved(-1.5, 2.0) == Dimension("thresh", "float", -1.5, 2.0)
    for bad in ((0.5, 0.5), (0.7, 0.1)):
        with pytest.raises(ValueError):
            Dimension("x", "float", *bad).check()
    with pytest.raises(ValueError, match="log"):
        Dimension("x", "float", 0.0, 1.0, True).check()
    with pytest.raises(ValueError):
        dataclasses.make_dataclass("Q", [("x", float, tunable(0.1))])


# --------------------------------------------------------------------------- one held-out tune, looked at closely


@pytest.fixture(scope="module")
def loso(tmp_path_factory) -> tuple[Path, dict[str, set[str]]]:
    """A leave-one-sequence-out tune of sort; records which sequences each study's trials ran on."""
    tmp = tmp_path_factory.mktemp("tune")
    seen: dict[str, set[str]] = {}
    real_optimise, real_score = studies.optimise, session.score_setting
    current: list[str] = []

    def optimise(storage, plan, evaluate, on_trial=None):
        current[:] = [plan.name]
        return real_optimise(storage, plan, evaluate, on_trial)

    def score(tracker, overrides, sequences, ctx):
        seen.setdefault(current[0], set()).update(s.name for s in sequences)
        return real_score(tracker, overrides, sequences, ctx)

    mp = pytest.MonkeyPatch()
    mp.setattr(studies, "optimise", optimise)
    mp.setattr(session, "score_setting", score)
    try:
        run = _tune(tmp, "loso", "-t", "sort", "--trials", "4", "--seed", "3")
    finally:
        mp.undo()
    return run, seen


def test_defaults_are_trial_zero_of_every_study(loso) -> None:
    run, _ = loso
    trials = _trials(run)
    defaults = trackers.tracker_class("sort").Params()
    assert set(trials["fold"]) == {"out-synth-01", "out-synth-02", "out-synth-03", "all"}
    for _, study in trials.groupby("fold"):
        first = study.sort_values("trial").iloc[0]
        assert first["trial"] == 0 and bool(first["default"])
        assert first["param max_age"] == defaults.max_age and first["param min_hits"] == defaults.min_hits
        assert first["param iou_threshold"] == pytest.approx(defaults.iou_threshold)
        assert (study["state"] == "COMPLETE").sum() == 4  # the budget counts completed trials


def test_tuned_is_at_least_default_on_training_data(loso) -> None:
    run, _ = loso
    trials = _trials(run)
    for fold, study in trials.groupby("fold"):
        done = study[study["state"] == "COMPLETE"]
        default = done[done["default"]]["HOTA"].iloc[0]
        best = json.loads((run / "best_params" / f"sort.{fold}.json").read_text())
        assert best["objective"]["HOTA"] == pytest.approx(done["HOTA"].max())
        assert best["objective"]["HOTA"] >= default


def test_heldout_table_and_folds_never_search_their_test_sequence(loso) -> None:
    run, seen = loso
    folds = json.loads((run / "manifest.json").read_text())["folds"]
    assert len(folds) == 3
    for fold in folds:
        assert seen[f"sort/{fold['name']}"] == set(fold["train"])  # the search saw the train sequences only
        assert not set(fold["test"]) & set(fold["train"])
    assert seen["sort/all"] == {"synth-01", "synth-02", "synth-03"}
    table = pd.read_csv(run / "heldout.csv")
    assert list(table["metric"]) == ["HOTA", "MOTA", "IDF1"]
    assert {"default", "tuned", "tuned − default", "95% low", "95% high"} <= set(table.columns)
    assert table["held out"].all() and (table["folds"] == 3).all()
    row = table.iloc[0]
    assert row["tuned − default"] == pytest.approx(row["tuned"] - row["default"], abs=1e-3)
    assert row["95% low"] <= row["tuned − default"] <= row["95% high"]
    per_fold = pd.read_csv(run / "folds.csv")
    assert list(per_fold["test"]) == ["synth-01", "synth-02", "synth-03"]
    assert per_fold["gap (train − test)"].notna().all()
    held = json.loads((run / "heldout" / "manifest.json").read_text())
    assert [v["name"] for v in held["variants"]] == ["sort-default", "sort-tuned"]
    compared = runner.invoke(app, ["compare", str(run / "heldout"), "-t", "sort-tuned,sort-default",
                                   "--replicates", "100"])
    assert compared.exit_code == 0, compared.output  # the held-out folder is a run bench compare reads


def test_run_params_file_applies_the_best_setting(loso, tmp_path) -> None:
    run, _ = loso
    best = json.loads((run / "best_params.json").read_text())["trackers"]["sort"]["params"]
    out = runner.invoke(app, ["run", "--params-file", str(run / "best_params.json"), "--max-frames", "30",
                              "--results", str(tmp_path), "--name", "applied", "-p", "min_hits=1"])
    assert out.exit_code == 0, out.output
    variant = json.loads((tmp_path / "applied" / "manifest.json").read_text())["variants"][0]
    assert variant["tracker"] == "sort"
    applied = variant["overrides"]
    assert float(applied["iou_threshold"]) == best["iou_threshold"] and int(applied["max_age"]) == best["max_age"]
    assert applied["min_hits"] == "1"  # the command line's --param wins over the file


# --------------------------------------------------------------------------- determinism, kill -9 and resume


def _complete_params(run: Path) -> list[tuple]:
    trials = _trials(run)
    done = trials[trials["state"] == "COMPLETE"].sort_values(["fold", "trial"])
    columns = [c for c in trials.columns if c.startswith("param ")] + ["HOTA"]
    return [tuple(row) for row in done[columns].itertuples(index=False)]


def test_same_seed_repeats_exactly(tmp_path) -> None:
    args = ["-t", "ocsort", "--trials", "5", "--cv", "none", "--seed", "7"]
    first, second = _tune(tmp_path, "a", *args), _tune(tmp_path, "b", *args)
    assert _complete_params(first) == _complete_params(second)
    assert (first / "best_params.json").read_text() == (second / "best_params.json").read_text()
    other = _tune(tmp_path, "c", "-t", "ocsort", "--trials", "5", "--cv", "none", "--seed", "8")
    assert _complete_params(other) != _complete_params(first)


def _complete_in_db(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_and_resume_give_the_uninterrupted_result(tmp_path) -> None:
    args = ["-t", "sort", "--trials", "8", "--cv", "none", "--seed", "5", *QUICK]
    reference = _tune(tmp_path, "whole", *args[:-len(QUICK)])
    child = subprocess.Popen([sys.executable, "-m", "trackbench", "tune", "--results", str(tmp_path), "--name",
                              "killed", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = tmp_path / "killed" / "study.db"
    deadline = time.monotonic() + 60
    while _complete_in_db(db) < 3 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert 3 <= _complete_in_db(db) < 8
    with sqlite3.connect(db) as con:
        cut = con.execute("SELECT count(*) FROM trials WHERE state = 'RUNNING'").fetchone()[0]
    assert json.loads((tmp_path / "killed" / "manifest.json").read_text())["status"] == "running"
    out = runner.invoke(app, ["tune", "--results", str(tmp_path), "--resume", "killed"])
    assert out.exit_code == 0, out.output
    resumed = tmp_path / "killed"
    assert _complete_params(resumed) == _complete_params(reference)  # nothing lost, nothing counted twice
    assert (resumed / "best_params.json").read_text() == (reference / "best_params.json").read_text()
    trials = _trials(resumed)
    assert (trials["state"] == "FAIL").sum() == cut and (trials["state"] == "RUNNING").sum() == 0
    assert (trials[trials["state"] == "FAIL"]["reason"] == "interrupted").all()
    record = json.loads((resumed / "manifest.json").read_text())
    assert record["status"] == "complete" and len(record["attempts"]) == 2


def test_several_objectives_give_a_pareto_front(tmp_path) -> None:
    run = _tune(tmp_path, "pareto", "-t", "sort", "--trials", "4", "--cv", "none", "--objective", "HOTA,IDsw")
    front = pd.read_csv(run / "pareto" / "sort.all.csv")
    assert {"HOTA", "IDsw"} <= set(front.columns) and len(front) >= 1
    for _, a in front.iterrows():  # no member of the front dominates another
        for _, b in front.iterrows():
            assert not (a["HOTA"] > b["HOTA"] and a["IDsw"] < b["IDsw"])
    assert set(pd.read_csv(run / "heldout.csv")["metric"]) == {"HOTA", "IDsw", "MOTA", "IDF1"}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, says", [
    (["--space", "nonsense=0:1"], "--space"),
    (["--space", "iou_threshold=0.4:0.4"], "--space"),
    (["--space", "iou_threshold=0.6:0.2"], "--space"),
    (["--trials", "0"], "--trials"),
    (["--seconds", "0"], "--seconds"),
    (["--cv", "split:synth-01/"], "--cv"),
    (["--cv", "kfold:7"], "--cv"),
    (["--objective", "HOTA,Speed"], "--objective"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says) -> None:
    out = runner.invoke(app, ["tune", "-t", "sort", "--results", str(tmp_path), "--name", "bad", *args])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], out.output
    assert not (tmp_path / "bad").exists()  # nothing ran


def test_sequences_without_ground_truth_are_refused_before_anything_runs(tmp_path) -> None:
    seq = tmp_path / "data" / "train" / "SEQ-01"
    (seq / "det").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=SEQ-01\nimDir=img1\nframeRate=10\nseqLength=5\n"
                                     "imWidth=200\nimHeight=200\nimExt=.jpg\n")
    (seq / "det" / "det.txt").write_text("1,-1,10,10,20,40,0.9\n2,-1,11,10,20,40,0.9\n")
    out = runner.invoke(app, ["tune", "-t", "sort", "-d", "mot15", "--data-root", str(tmp_path / "data"),
                              "--results", str(tmp_path), "--name", "nogt"])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "SEQ-01 has no ground truth" in lines[0], out.output
    assert not (tmp_path / "nogt").exists()


def test_jobs_change_the_time_not_the_numbers(tmp_path, monkeypatch) -> None:
    """-j 2 tracks and scores a trial's sequences in a pool kept for the whole tune: the same trials, scores,
    held-out table and best settings as -j 1 (and the same result files), for studies per fold and on all."""
    from trackbench.harness.runs import executors

    pools, batches = [], []
    real_init, real_run = executors.WorkerPool.__init__, executors.WorkerPool.run
    monkeypatch.setattr(executors.WorkerPool, "__init__", lambda self, *a: (pools.append(1), real_init(self, *a))[1])
    monkeypatch.setattr(executors.WorkerPool, "run", lambda self, jobs: (batches.append(len(jobs)),
                                                                        real_run(self, jobs))[1])
    args = ["-t", "bytetrack", "--trials", "4", "--cv", "kfold:3", "--seed", "3"]
    one = _tune(tmp_path, "j1", *args, "-j", "1")
    assert not pools and not batches
    two = _tune(tmp_path, "j2", *args, "-j", "2")
    assert len(pools) == 1 and len(batches) > 4  # one pool for the whole tune, a batch per trial
    assert _complete_params(one) == _complete_params(two)
    assert (one / "best_params.json").read_text() == (two / "best_params.json").read_text()
    pd.testing.assert_frame_equal(pd.read_csv(one / "heldout.csv"), pd.read_csv(two / "heldout.csv"))
    files = sorted(p.relative_to(one) for p in (one / "trials").rglob("*.txt"))
    assert files and files == sorted(p.relative_to(two) for p in (two / "trials").rglob("*.txt"))
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)

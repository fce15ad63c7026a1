"""Runs that survive: unit records and --resume, the run-folder lock, honest manifests, failures kept to a unit.

Kills are real signals sent to a real `bench run` process at a forced moment:
the child wraps the runner's ``finish_unit`` so that, after the k-th unit, it
SIGKILLs itself (or waits to be killed), which no Python code can intercept.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app

runner = CliRunner()
RUN = ["-t", "sort,rolo", "-s", "synth-01,synth-02"]  # 4 units on the built-in data
UNITS = [("sort", "synth-01"), ("sort", "synth-02"), ("rolo", "synth-01"), ("rolo", "synth-02")]

# The child: `bench run` with finish_unit wrapped so the process dies (or pauses) at a forced moment.
CHILD = r"""
import os, signal, sys, time
from pathlib import Path
from trackbench.harness.runs import runner, units
mode, k, flag = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
count = [0]
original_finish, original_record = runner.finish_unit, runner.write_record
def write_record(path, record):
    if mode == "kill-before-record" and count[0] + 1 == k:
        os.kill(os.getpid(), signal.SIGKILL)  # result file written, record not yet
    original_record(path, record)
def finish_unit(unit, output):
    result = original_finish(unit, output)
    count[0] += 1
    if count[0] == k and mode == "kill-after-record":
        os.kill(os.getpid(), signal.SIGKILL)
    if count[0] == k and mode == "pause":
        flag.write_text(str(os.getpid()))
        for _ in range(600):  # until the test kills us (at most a minute)
            time.sleep(0.1)
    return result
runner.write_record = write_record
runner.finish_unit = finish_unit
from trackbench.harness.cli.app import main
sys.argv = ["bench", "run"] + sys.argv[4:]
main()
"""


def _child(tmp_path: Path, mode: str, k: int, name: str) -> subprocess.Popen:
    args = [sys.executable, "-c", CHILD, mode, str(k), str(tmp_path / "paused"), *RUN,
            "--results", str(tmp_path / "results"), "--name", name]
    return subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def _records(run_dir: Path) -> list[Path]:
    return sorted(run_dir.glob("synth/*/units/*.json"))


def _same_run(run_dir: Path, reference: Path) -> None:
    """Same result files byte for byte, same leaderboard and per-sequence table (but for timing)."""
    ours = sorted(p.relative_to(run_dir) for p in run_dir.glob("synth/*/data/*.txt"))
    theirs = sorted(p.relative_to(reference) for p in reference.glob("synth/*/data/*.txt"))
    assert ours == theirs and len(ours) == len(UNITS)
    for rel in ours:
        assert (run_dir / rel).read_bytes() == (reference / rel).read_bytes(), rel
    for table, index in (("leaderboard.csv", [0]), ("per_sequence.csv", [0, 1])):
        pd.testing.assert_frame_equal(pd.read_csv(run_dir / table, index_col=index).filter(regex=r"^(?!Hz)"),
                                      pd.read_csv(reference / table, index_col=index).filter(regex=r"^(?!Hz)"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The uninterrupted run every interrupted-then-resumed run must equal."""
    results = tmp_path_factory.mktemp("reference")
    result = runner.invoke(app, ["run", *RUN, "--results", str(results), "--name", "ref"])
    assert result.exit_code == 0, result.output
    return results / "ref"


@pytest.mark.parametrize("mode", ["kill-before-record", "kill-after-record"])
def test_sigkill_then_resume_gives_the_uninterrupted_run(tmp_path, reference, mode) -> None:
    k = random.Random().randint(1, len(UNITS) - 1)  # a different unit each time the suite runs
    child = _child(tmp_path, mode, k, "k")
    out, _ = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, (k, out)
    run_dir = tmp_path / "results" / "k"
    # Python never sees SIGKILL: the manifest still says running, and only finished units have records.
    assert _manifest(run_dir)["status"] == "running"
    before = len(_records(run_dir))
    assert before == (k if mode == "kill-after-record" else k - 1), k
    if mode == "kill-before-record":  # the k-th result file was written; without its record it is not trusted
        assert len(list(run_dir.glob("synth/*/data/*.txt"))) == k
    assert not (run_dir / "leaderboard.csv").exists()
    resumed = runner.invoke(app, ["run", "--resume", "k", "--results", str(tmp_path / "results")])
    assert resumed.exit_code == 0, resumed.output
    manifest = _manifest(run_dir)
    assert manifest["status"] == "complete" and len(manifest["attempts"]) == 2
    assert [u["resumed"] for u in manifest["units"]] == [i < before for i in range(len(UNITS))], k
    _same_run(run_dir, reference)


def test_second_process_on_a_run_gets_the_lock_message_and_a_dead_owner_does_not_block(tmp_path, reference) -> None:
    child = _child(tmp_path, "pause", 1, "c")
    try:
        for _ in range(1200):
            if (tmp_path / "paused").exists() or child.poll() is not None:
                break
            time.sleep(0.05)
        assert (tmp_path / "paused").exists(), child.communicate()[0]
        run_dir = tmp_path / "results" / "c"
        assert _manifest(run_dir)["status"] == "running"
        for extra in (["--name", "c"], ["--resume", "c"]):
            second = runner.invoke(app, ["run", *RUN, "--results", str(tmp_path / "results"), *extra])
            assert second.exit_code == 2, second.output
            assert f"is in use by pid {child.pid}" in second.output
        assert _manifest(run_dir)["status"] == "running"  # the owner's record is untouched
    finally:
        child.kill()
        child.communicate()
    # The lock file still names the dead pid; the kernel dropped its lock, so resuming takes over.
    assert (run_dir / ".lock").read_text().split()[0] == str(child.pid)
    resumed = runner.invoke(app, ["run", "--resume", "c", "--results", str(tmp_path / "results")])
    assert resumed.exit_code == 0, resumed.output
    assert _manifest(run_dir)["status"] == "complete"
    assert (run_dir / ".lock").read_text().split()[0] == str(os.getpid())
    _same_run(run_dir, reference)


@pytest.mark.parametrize("sig, code, reason", [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")])
def test_signal_marks_the_manifest_interrupted_and_resume_completes(tmp_path, reference, monkeypatch, request, sig,
                                                                    code, reason) -> None:
    from trackbench.harness.runs import runner as runs

    # A terminal user's run: Python's Ctrl-C handler.  A test process started as a background job of a script
    # inherits SIGINT ignored (and Python then leaves it ignored), which would make this test depend on how
    # pytest was launched.
    int_before = signal.signal(signal.SIGINT, signal.default_int_handler)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, int_before))

    original = runs.finish_unit
    calls = []

    def finish_then_signal(unit, output):
        result = original(unit, output)
        calls.append(unit)
        if len(calls) == 2:
            os.kill(os.getpid(), sig)  # delivered to this (main) thread at the next bytecode
            time.sleep(5)  # never reached in full: the handler raises
        return result

    handler_before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(runs, "finish_unit", finish_then_signal)
    results = str(tmp_path / "results")
    first = runner.invoke(app, ["run", *RUN, "--results", results, "--name", "s"])
    assert first.exit_code == code, first.output
    assert "--resume s" in first.output
    manifest = _manifest(tmp_path / "results" / "s")
    assert manifest["status"] == "interrupted" and reason in manifest["reasons"][0]
    assert [(u["variant"], u["sequence"]) for u in manifest["units"]] == UNITS[:2]
    assert signal.getsignal(signal.SIGTERM) == handler_before  # the run's handler is gone again
    monkeypatch.setattr(runs, "finish_unit", original)
    again = runner.invoke(app, ["run", *RUN, "--results", results, "--name", "s"])
    assert again.exit_code == 2 and "already holds a run (status: interrupted)" in again.output
    resumed = runner.invoke(app, ["run", "--resume", "s", "--results", results])
    assert resumed.exit_code == 0, resumed.output
    assert [u["resumed"] for u in _manifest(tmp_path / "results" / "s")["units"]] == [True, True, False, False]
    _same_run(tmp_path / "results" / "s", reference)


def test_resume_refuses_other_options_and_reruns_units_whose_key_changed(tmp_path) -> None:
    results = str(tmp_path / "results")
    base = ["run", "-t", "sort", "-s", "synth-01", "--results", results]
    assert runner.invoke(app, [*base, "--name", "o"]).exit_code == 0
    clash = runner.invoke(app, ["run", "-t", "rolo", "--resume", "o", "--results", results])
    assert clash.exit_code == 2 and "started with trackers=['sort']" in clash.output
    record_path = tmp_path / "results" / "o" / "synth" / "sort" / "units" / "synth-01.json"
    record = json.loads(record_path.read_text())
    assert record["status"] == "done" and record["key_fields"]["options"] == {"detect_every": 1}
    assert record["key_fields"]["params"]["max_age"] == 1 and record["key_fields"]["code"]
    # A record whose key no longer matches (here: edited) is not trusted: the unit runs again.
    record["key"] = "0" * 64
    record_path.write_text(json.dumps(record))
    resumed = runner.invoke(app, ["run", "--resume", "o", "--results", results])
    assert resumed.exit_code == 0, resumed.output
    assert [u["resumed"] for u in _manifest(tmp_path / "results" / "o")["units"]] == [False]
    # A result file that changed under its record is not trusted either.
    result_file = tmp_path / "results" / "o" / "synth" / "sort" / "data" / "synth-01.txt"
    result_file.write_text(result_file.read_text()[:-40])
    assert runner.invoke(app, ["run", "--resume", "o", "--results", results]).exit_code == 0
    assert [u["resumed"] for u in _manifest(tmp_path / "results" / "o")["units"]] == [False]
    assert runner.invoke(app, ["run", "--resume", "o", "--results", results]).exit_code == 0
    assert [u["resumed"] for u in _manifest(tmp_path / "results" / "o")["units"]] == [True]


def test_unit_key_covers_parameters_content_and_options() -> None:
    from trackbench.datasets import load_dataset
    from trackbench.harness.runs.runner import Variant, plan_units

    seq = load_dataset("synth", None, ["synth-01"])[0]
    keys = lambda variants, seqs, every=1: [u.key for u in plan_units(variants, seqs, Path("r"), "synth", every)]
    base = keys([Variant("sort")], [seq])
    assert keys([Variant("sort")], [seq]) == base
    assert keys([Variant("sort", (("max_age", "1"),))], [seq]) == base  # the default, resolved: same unit
    assert keys([Variant("sort", (("max_age", "2"),))], [seq]) != base
    assert keys([Variant("sort")], [seq], every=2) != base
    moved = seq.detections
    import dataclasses

    shifted = dataclasses.replace(seq, detections=dataclasses.replace(moved, boxes=moved.boxes + 1.0))
    assert keys([Variant("sort")], [shifted]) != base


def test_zero_size_detection_fails_its_unit_only(tmp_path, shared_data) -> None:
    data = tmp_path / "mot15"
    for name in ("TUD-Campus", "TUD-Stadtmitte"):
        shutil.copytree(shared_data / "mot15" / name, data / name)
    with open(data / "TUD-Campus" / "det" / "det.txt", "a") as fh:
        fh.write("1,-1,100,100,0,0,1,-1,-1,-1\n")  # a zero-size box (TUD's det.txt has 10 columns)
    results = tmp_path / "results"
    result = runner.invoke(app, ["run", "-d", "mot15", "--data-root", str(data), "-t", "sort,rolo,bytetrack",
                                 "--results", str(results), "--name", "z"])
    assert result.exit_code == 1, result.output
    run_dir = results / "z"
    manifest = _manifest(run_dir)
    assert manifest["status"] == "failed"
    failed = {(u["variant"], u["sequence"]): u["failed"] for u in manifest["units"] if u["failed"]}
    # SORT's Kalman step turns the zero-size box into NaN; the units that fail are those on TUD-Campus only
    assert "not finite" in failed[("sort", "TUD-Campus")]
    assert {seq for _, seq in failed} == {"TUD-Campus"} and ("bytetrack", "TUD-Campus") not in failed
    assert sorted(manifest["reasons"]) == sorted(f"{v} on {s}: {why}" for (v, s), why in failed.items())
    data_dir = run_dir / "mot15"
    for variant, seq in failed:
        assert not (data_dir / variant / "data" / f"{seq}.txt").exists()  # no NaN box reaches a file
        record = json.loads((data_dir / variant / "units" / f"{seq}.json").read_text())
        assert record["status"] == "failed" and record["result_sha256"] is None
    for path in data_dir.glob("*/data/*.txt"):
        assert "nan" not in path.read_text().lower(), path
    per_seq = pd.read_csv(run_dir / "per_sequence.csv", index_col=[0, 1])
    expected = {(v, s) for v in ("sort", "rolo", "bytetrack") for s in ("TUD-Campus", "TUD-Stadtmitte")} - set(failed)
    assert set(per_seq.index) == expected
    # SORT on the untouched sequence still matches abewley/sort (the fidelity numbers)
    assert (round(per_seq.loc[("sort", "TUD-Stadtmitte"), "MOTA"], 1),
            round(per_seq.loc[("sort", "TUD-Stadtmitte"), "IDF1"], 1)) == (71.7, 73.5)
    board = pd.read_csv(run_dir / "leaderboard.csv", index_col=0)
    assert set(board.index) == {"sort", "rolo", "bytetrack"} - {v for v, _ in failed}
    assert "sort FAILED on TUD-Campus" in (run_dir / "leaderboard.md").read_text()


def test_bad_parameter_for_a_later_tracker_fails_before_anything_runs(tmp_path) -> None:
    results = tmp_path / "results"
    result = runner.invoke(app, ["run", "-t", "sort,deepsort", "-p", "lambda=2", "--results", str(results),
                                 "--name", "l"])
    assert result.exit_code == 2 and "deepsort" in result.output and "lambda" in result.output
    assert not results.exists()  # no orphan folder
    # Values that are each fine but clash inside one tracker (a box-only ROLO checkpoint fed appearance vectors)
    clash = runner.invoke(app, ["run", "-t", "sort,rolo", "-p", "embedder=precomputed", "--results", str(results),
                                "--name", "l"])
    assert clash.exit_code == 2 and "rolo" in clash.output and "box-only" in clash.output
    assert not results.exists()


def test_sweep_resume_keeps_finished_points_and_rebuilds_the_table(tmp_path) -> None:
    results = str(tmp_path / "results")
    first = runner.invoke(app, ["sweep", "-t", "sort", "-p", "max_age=1,3", "-s", "synth-01", "--results", results,
                                "--name", "sw"])
    assert first.exit_code == 0, first.output
    run_dir = tmp_path / "results" / "sw"
    before = pd.read_csv(run_dir / "leaderboard.csv", index_col=0).filter(regex=r"^(?!Hz)")
    for record in (run_dir / "synth" / "sort_max_age=3" / "units").glob("*.json"):
        record.unlink()  # as if killed before that point's record
    wrong = runner.invoke(app, ["run", "--resume", "sw", "--results", results])
    assert wrong.exit_code == 2 and "bench sweep --resume sw" in wrong.output
    resumed = runner.invoke(app, ["sweep", "--resume", "sw", "--results", results])  # no --tracker needed
    assert resumed.exit_code == 0, resumed.output
    manifest = _manifest(run_dir)
    assert manifest["status"] == "complete" and [u["resumed"] for u in manifest["units"]] == [True, False]
    assert manifest["sweep"]["request"]["trackers"] == ["sort"]
    pd.testing.assert_frame_equal(pd.read_csv(run_dir / "leaderboard.csv", index_col=0).filter(regex=r"^(?!Hz)"), before)
    assert (run_dir / "sweep.png").is_file()

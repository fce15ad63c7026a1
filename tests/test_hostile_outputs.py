"""Issue 24: data text is escaped in every output, reads stay inside their folder, nothing fails silently.

Each test drives the real mechanism (the Markdown/CSV writers, a rich console,
the containment check, the plug-in spec check, a unit's output validation, the
CLI) with hostile input and asserts what a user would see.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli.app import app
from trackbench.io.contained import UncontainedFile, readable_file
from trackbench.io.csv_cells import neutralise, read_csv, restore
from trackbench.io.markdown_escape import md_escape
from trackbench.io.terminal import labelled, make_console

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra: pip install trackbench[test]")
from hypothesis import given, settings, strategies as st  # noqa: E402

from test_hostile_inputs import FRAMES, _make_sequence  # noqa: E402

NAMES = st.one_of(st.text(max_size=30), st.sampled_from([
    "<img src=x onerror=alert(1)>", "a|b", "=1+2", "-2+3", "@SUM(A1)", "+x", "'quoted", "-3.2", "[bold red]RED",
    "*emph*", "`code`", "$x^2$", "a\nb", "&amp;", "\\|", "~~s~~", "[link](javascript:x)"]))


def md_unescape(text: str) -> str:
    """What a CommonMark renderer shows for escaped text: backslash escapes and the three entities undone."""
    text = re.sub(r"\\([\\`*_\[\]|~$])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- Markdown ----------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(NAMES)
def test_markdown_escape_keeps_the_characters_and_no_markup(name: str) -> None:
    escaped = md_escape(name)
    assert "<" not in escaped and ">" not in escaped and "\n" not in escaped and "\r" not in escaped
    assert re.search(r"(?<!\\)\|", escaped.replace("\\\\", "")) is None  # no pipe a table would split on
    assert md_unescape(escaped) == re.sub(r"\r\n|[\r\n\u2028\u2029]", " ", name)


def _board(names: list[str]) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([("sort", n) for n in names], names=["tracker", "sequence"])
    return pd.DataFrame({"HOTA": [50.0] * len(names), "MOTA": [-3.2] * len(names)}, index=index)


def test_leaderboard_markdown_and_csv_are_inert(tmp_path) -> None:
    from trackbench.harness.report import leaderboard

    names = ["<img src=x onerror=alert(1)>", "a|b", "=1+2", "@SUM(A1)", "-2+3", "-3.2"]
    leaderboard.save(_board(names), tmp_path, "per_sequence", ["sort: <b>x</b>"], ["bad <script> in a|b"])
    md = (tmp_path / "per_sequence.md").read_text()
    assert "<img" not in md and "<script>" not in md and "<b>" not in md
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len({len(re.findall(r"(?<!\\)\|", r)) for r in rows}) == 1  # every row has the same columns
    csv = (tmp_path / "per_sequence.csv").read_text()
    cells = [c for line in csv.splitlines() for c in line.split(",")]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert "'=1+2" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells
    assert "-3.2000" in cells and "-3.2" in cells  # numbers (numeric column, numeric-looking text) stay numbers
    back = read_csv(tmp_path / "per_sequence.csv", index_col=[0, 1])
    assert list(back.index.get_level_values(1)) == names[:-1] + [-3.2] or \
        [str(v) for v in back.index.get_level_values(1)] == names


@settings(max_examples=300, deadline=None)
@given(NAMES)
def test_csv_text_cells_round_trip_and_never_start_a_formula(name: str) -> None:
    cell = neutralise(name)
    assert restore(cell) == name
    if isinstance(cell, str) and cell.startswith(("=", "+", "-", "@")):
        assert math.isfinite(float(cell))  # only plain numbers may start with a sign


def test_read_csv_names_a_tampered_file(tmp_path) -> None:
    path = tmp_path / "leaderboard.csv"
    path.write_text('tracker,HOTA\nsort,1\n"unterminated\n')
    with pytest.raises(ValueError, match=re.escape(str(path))):
        read_csv(path, index_col=0)


def test_report_markdown_escapes_sequence_names() -> None:
    from trackbench.harness.report import markdown
    from trackbench.harness.report.document import Document, Section, Text
    from trackbench.harness.report.tables import report_table

    table = report_table(_board(["<img src=x onerror=alert(1)>", "a|b"]), "per <i>sequence</i>")
    doc = Document("report: <x>", [Section("S|1", [table, Text("t <b>", ["bullet <u>"])])])
    text = markdown.render(doc)
    assert "<" not in text.replace("&lt;", "")


# --- terminal ----------------------------------------------------------------------------------

def _printed(*items) -> str:
    out = io.StringIO()
    console = make_console(file=out, width=200)
    for item in items:
        console.print(item)
    return out.getvalue()


def test_console_prints_markup_in_data_as_typed() -> None:
    text = _printed("results: results/[bold red]RED", "pip install 'trackbench[video]'",
                    labelled("note", "yellow", "[link=http://evil]x[/link]"))
    assert "results/[bold red]RED" in text
    assert "trackbench[video]" in text
    assert "[link=http://evil]x[/link]" in text


def test_progress_labels_keep_their_brackets(tmp_path) -> None:
    from trackbench.harness.runs.progress import ProgressReport

    out = io.StringIO()
    console = make_console(file=out, width=200, force_terminal=True)
    with ProgressReport(console, None, every=0, live=True) as report:
        report.add("deepsort[lambda=0.3]", 4)
        report.advance("deepsort[lambda=0.3]", 4)
    assert "deepsort[lambda=0.3]" in out.getvalue()


def test_cli_run_name_with_markup_is_printed_as_is(tmp_path) -> None:
    _make_sequence(tmp_path)
    result = CliRunner().invoke(app, ["run", "-d", "mot17", "--data-root", str(tmp_path / "data"), "-t", "sort",
                                      "--results", str(tmp_path / "results"), "--name", "[bold red]RED"])
    assert result.exit_code == 0, result.output
    assert "[bold red]RED" in result.output
    assert (tmp_path / "results" / "[bold red]RED").is_dir()


# --- contained reads ---------------------------------------------------------------------------

def _links(root: Path) -> dict[str, Path]:
    (root / "outside").mkdir()
    secret = root / "outside" / "secret.txt"
    secret.write_text("TOPSECRET\n")
    inner = root / "in"
    inner.mkdir()
    (inner / "ok.txt").write_text("1,1,1,1,1,1,1\n")
    (inner / "out.txt").symlink_to(secret)
    (inner / "dangling.txt").symlink_to(root / "nope")
    (inner / "loop.txt").symlink_to(inner / "loop2.txt")
    (inner / "loop2.txt").symlink_to(inner / "loop.txt")
    (inner / "dir.txt").mkdir()
    (inner / "dev.txt").symlink_to("/dev/null")
    return {"inner": inner}


@pytest.mark.parametrize("name, words", [
    ("out.txt", "outside"), ("dangling.txt", "broken symbolic link"), ("loop.txt", "loop"),
    ("dir.txt", "a folder"), ("missing.txt", "missing"),
])
def test_reads_are_regular_files_inside_their_root(tmp_path, name, words) -> None:
    inner = _links(tmp_path)["inner"]
    assert readable_file(inner / "ok.txt", inner) == inner / "ok.txt"
    with pytest.raises(UncontainedFile, match=words) as info:
        readable_file(inner / name, inner, what="det.txt")
    assert "TOPSECRET" not in str(info.value)


def test_device_inside_root_is_refused(tmp_path) -> None:
    with pytest.raises(UncontainedFile, match="a device"):
        readable_file("/dev/null", "/dev", what="det.txt")


def test_eval_refuses_a_result_file_linked_out_of_results(tmp_path) -> None:
    seq = _make_sequence(tmp_path)
    res = tmp_path / "res"
    res.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-0123456789 root:$6$hash\n")
    (res / "SEQ-01.txt").symlink_to(secret)
    result = CliRunner().invoke(app, ["eval", "--gt", str(seq.parent), "--results", str(res), "-j", "1"])
    assert result.exit_code == 2
    assert "outside" in result.output and "TOPSECRET" not in result.output


@pytest.mark.parametrize("mutate, words", [
    (lambda det: det.unlink(), "missing"),
    (lambda det: (det.unlink(), det.symlink_to("/no/such/file")), "broken symbolic link"),
    (lambda det: (det.unlink(), det.mkdir()), "a folder"),
    (lambda det: (det.unlink(), det.symlink_to("/dev/null")), "outside"),
])
def test_det_file_that_is_not_a_file_is_an_error_not_zero_scores(tmp_path, mutate, words) -> None:
    seq = _make_sequence(tmp_path)
    mutate(seq / "det" / "det.txt")
    result = CliRunner().invoke(app, ["run", "-d", "mot17", "--data-root", str(tmp_path / "data"), "-t", "sort",
                                      "--results", str(tmp_path / "results"), "--name", "r"])
    assert result.exit_code == 2, result.output
    assert "det.txt" in result.output and words in result.output
    assert not (tmp_path / "results" / "r").exists()


# --- plug-in specs and python -m ---------------------------------------------------------------

def test_plugin_spec_is_checked_before_its_module_runs(tmp_path, monkeypatch) -> None:
    from trackbench import trackers as registry

    marker = tmp_path / "ran"
    (tmp_path / "sideeffect_mod.py").write_text(f"open({str(marker)!r}, 'w').close()\nclass Other: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(registry.TrackerSpecError, match="defines no 'Nope' at its top level"):
        registry.tracker_class("sideeffect_mod:Nope")
    assert not marker.exists()
    with pytest.raises(registry.TrackerSpecError, match="not a Tracker subclass"):
        registry.tracker_class("sideeffect_mod:Other")
    assert marker.exists()  # a spec naming a defined class is imported, then checked


def test_abstract_tracker_is_a_one_line_error() -> None:
    from trackbench import trackers as registry

    with pytest.raises(registry.TrackerSpecError, match="abstract"):
        registry.tracker_class("trackbench.trackers.base:Tracker")


def test_python_m_trackbench_ignores_modules_in_the_current_folder(tmp_path) -> None:
    (tmp_path / "typer.py").write_text("print('HIJACKED')\nraise SystemExit(3)\n")
    proc = subprocess.run([sys.executable, "-m", "trackbench", "--version"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "HIJACKED" not in proc.stdout + proc.stderr
    assert "trackbench" in proc.stdout


# --- tracker output ----------------------------------------------------------------------------

@pytest.mark.parametrize("ids, words", [
    ([0.5, 1.5, 2], "whole numbers"), ([-3, 1, 2], "between 1 and"), ([0, 1, 2], "between 1 and"),
    ([7, 7, 2], "2 times in frame 1"), ([1, 2, 2.0 ** 63], "between 1 and"),
])
def test_invalid_ids_fail_the_unit_with_the_reason(ids, words) -> None:
    from trackbench.harness.runs.output_check import why_invalid

    frames, boxes, scores = np.array([1, 1, 2]), np.array([[0, 0, 5, 5.0]] * 3), np.ones(3)
    assert why_invalid(frames, np.array([1, 2, 3]), boxes, scores) is None
    assert words in why_invalid(frames, np.array(ids), boxes, scores)


def test_inverted_box_fails_the_unit() -> None:
    from trackbench.harness.runs.output_check import why_invalid

    boxes = np.array([[0, 0, 5, 5.0], [9, 9, 1, 1]])
    assert "inverted box at frame 2" in why_invalid(np.array([1, 2]), np.array([1, 1]), boxes, np.ones(2))


PLUGIN = '''
import numpy as np
from dataclasses import dataclass
from trackbench.trackers.base import Tracker, TrackOutput


class BadIds(Tracker):
    name = "badids"

    def update(self, frame, detections):
        boxes = np.asarray(detections.boxes, dtype=float)[:2]
        return TrackOutput(ids=np.array([7, 7][:len(boxes)]), boxes=boxes)
'''


def test_one_plugin_unit_with_invalid_output_leaves_the_others_scored(tmp_path, monkeypatch) -> None:
    (tmp_path / "badids_mod.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    _make_sequence(tmp_path)
    result = CliRunner().invoke(app, ["run", "-d", "mot17", "--data-root", str(tmp_path / "data"),
                                      "-t", "badids_mod:BadIds,sort", "--results", str(tmp_path / "results"),
                                      "--name", "r"])
    assert result.exit_code == 1, result.output
    board = (tmp_path / "results" / "r" / "leaderboard.csv").read_text()
    assert "sort" in board
    assert "2 times in frame 1" in (tmp_path / "results" / "r" / "manifest.json").read_text()


# --- options that were silently ignored --------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--data-root", "{data}"], "--dataset is synth"),
    (["-d", "mot17", "--data-root", "{data}", "--min-score", "nan"], "finite"),
    (["-d", "mot17", "--data-root", "{data}", "--min-score", "inf"], "finite"),
    (["-d", "mot17", "--data-root", "{data}", "-t", "deepsort,sort"], "deepsort cannot run on any selected sequence"),
])
def test_options_that_would_be_ignored_are_refused(tmp_path, args, words) -> None:
    _make_sequence(tmp_path)
    args = [a.format(data=tmp_path / "data") for a in args]
    result = CliRunner().invoke(app, ["run", *args, "--results", str(tmp_path / "results"), "--name", "r"])
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert not (tmp_path / "results" / "r").exists()


def test_interrupted_before_the_run_folder_suggests_no_resume(tmp_path) -> None:
    from trackbench.harness.cli.run import interrupted_message

    assert "--resume" not in interrupted_message(tmp_path / "r", "bench run")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "manifest.json").write_text("{}")
    assert "bench run --resume r" in interrupted_message(tmp_path / "r", "bench run")


def test_resume_takes_the_run_folder_path(tmp_path) -> None:
    _make_sequence(tmp_path)
    base = ["run", "-d", "mot17", "--data-root", str(tmp_path / "data"), "-t", "sort"]
    first = CliRunner().invoke(app, base + ["--results", str(tmp_path / "results"), "--name", "r"])
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(app, ["run", "--resume", str(tmp_path / "results" / "r")])
    assert again.exit_code == 0, again.output
    assert str(tmp_path / "results" / "r") in again.output


def test_bootstrap_with_nothing_to_redraw_is_refused() -> None:
    from trackbench.harness.report.bootstrap import paired_bootstrap

    with pytest.raises(ValueError, match="zero width"):
        paired_bootstrap([0], lambda idx: {"HOTA": float(len(idx))})
    intervals = paired_bootstrap([0, 0, 0], lambda idx: {"HOTA": float(idx.sum())}, replicates=50)
    assert intervals["HOTA"].low < intervals["HOTA"].high


def test_compare_refuses_a_single_block(tmp_path) -> None:
    _make_sequence(tmp_path)
    run = CliRunner().invoke(app, ["run", "-d", "mot17", "--data-root", str(tmp_path / "data"), "-t", "sort,bytetrack",
                                   "--results", str(tmp_path / "results"), "--name", "r"])
    assert run.exit_code == 0, run.output
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "results" / "r"), "-t", "sort,bytetrack"])
    assert result.exit_code == 2, result.output
    assert "zero-width" in result.output


def test_jobs_are_capped_by_units_and_cores() -> None:
    from trackbench.harness.runs.executors import worker_count

    assert worker_count(500, 1) == 1
    assert worker_count(500, 10_000) == (os.cpu_count() or 1)
    assert worker_count(500, 3, "ray") == 3
    assert worker_count(2, 8) == min(2, os.cpu_count() or 1)


def test_eval_notes_top_level_files_it_does_not_score(tmp_path) -> None:
    from trackbench.harness.cli.eval import ignored_top_level

    (tmp_path / "A.txt").write_text("")
    assert "not scored" in ignored_top_level(tmp_path, {"t1": tmp_path / "t1" / "data"})[0]
    assert ignored_top_level(tmp_path, {}) == []


assert FRAMES  # the fixture's sequence length, used by the CLI tests above


# --- parser messages ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind, words", [
    ("\ufeff1,-1,1,1,5,5,0.9\n2,-1,1,1,5,5,0.9\n", "det", None),  # a BOM is no data
    ("# detections of SEQ\n1,-1,1,1,5,5,0.9\n", "det", None),  # a comment does not choose the delimiter
    (f"1,{2 ** 63},1,1,5,5,1,1,1\n", "gt", ":1: id must be at most"),
    ("1,1,1,1,5,5,1,1,1\n1,2,1,1,5,5,1,1,1\n1,1,3,3,5,5,1,1,1\n", "gt", ":3: id 1 appears more than once in frame 1"),
])
def test_mot_file_edge_cases(tmp_path, text, kind, words) -> None:
    from trackbench.datasets.motfile import MotFileError, read_mot_file

    path = tmp_path / "f.txt"
    path.write_text(text, encoding="utf-8")
    if words is None:
        assert len(read_mot_file(path, kind)) == text.count("\n") - text.count("#")
    else:
        with pytest.raises(MotFileError, match=re.escape(f"{path}{words}")):
            read_mot_file(path, kind)

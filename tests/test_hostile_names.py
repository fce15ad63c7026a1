"""No name from data or the command line can make a write land outside the run folder.

The property test drives the real writer (:func:`result_path` + :func:`write_results`,
the path every result file takes) with arbitrary names for the run, the dataset,
the tracker variant and the sequence: each write is either refused with
:class:`UnsafeName` or lands under the run folder.  200 examples in CI.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from trackbench.io.names import UnsafeName, check_component, inside, sanitize_component, why_unsafe

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra: pip install trackbench[test]")
from hypothesis import given, settings, strategies as st  # noqa: E402

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["..", ".", "", "/", "/etc/passwd", "../../x", "a/b/../../../escape", "..\\..\\x", "x\x00y",
                     "~", "~/x", " ", "a\nb", "-rf", "CON", "deepsort[lambda=0.3]", "mod.ule:Class", "./", "x/..",
                     "." * 300, "é" * 150]),
    st.lists(st.sampled_from(["..", ".", "a", "/", "\\", "b"]), max_size=6).map("".join),
)


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@settings(max_examples=200, deadline=None)
@given(run=HOSTILE, dataset=HOSTILE, tracker=HOSTILE, sequence=HOSTILE)
def test_no_name_writes_outside_the_run_folder(run: str, dataset: str, tracker: str, sequence: str) -> None:
    from trackbench.datasets.motfile import write_results
    from trackbench.harness.runs.runner import Variant, result_path, run_dir_for

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "deep" / "er"
        results = base / "results"
        results.mkdir(parents=True)
        before = _tree(Path(tmp))
        try:
            run_dir = run_dir_for(results, run)
            path = result_path(run_dir, dataset, Variant(tracker, (), tracker), sequence)
            write_results(path, np.array([1]), np.array([1]), np.array([[0.0, 0.0, 1.0, 1.0]]))
        except UnsafeName:
            assert _tree(Path(tmp)) - before <= {"deep/er/results/" + p for p in _tree(results)} | set()
            return
        new = _tree(Path(tmp)) - before
        assert new, "the writer wrote nothing"
        for rel in new:
            assert (Path(tmp) / rel).resolve().is_relative_to(run_dir.resolve()) or (Path(tmp) / rel) in run_dir.parents
        assert path.resolve().is_relative_to(run_dir.resolve())


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "/abs", "x\x00", "a\\b", " lead", "tab\t"])
def test_unsafe_names_are_refused_with_the_reason(name: str) -> None:
    assert why_unsafe(name)
    with pytest.raises(UnsafeName, match="run name"):
        check_component(name, "run name")


@pytest.mark.parametrize("label", ["..", ".", "", "a/../../b", "mod:Class", "deepsort[lambda=0.3,max_age=10]", "é/é"])
def test_sanitized_labels_are_single_safe_components(label: str) -> None:
    safe = sanitize_component(label)
    assert why_unsafe(safe) is None
    assert sanitize_component("deepsort[lambda=0.3,max_age=10]") == "deepsort_lambda=0.3_max_age=10"


def test_inside_follows_symlinks(tmp_path) -> None:
    root = tmp_path / "run"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    assert inside(root, root / "a" / "b.txt") == root / "a" / "b.txt"
    with pytest.raises(UnsafeName):
        inside(root, root / "link" / "x.txt")
    with pytest.raises(UnsafeName):
        inside(root, root / ".." / "x.txt")


def test_cli_refuses_an_escaping_run_name(tmp_path) -> None:
    from typer.testing import CliRunner

    from trackbench.harness.cli.app import app

    results = tmp_path / "a" / "results"
    out = CliRunner().invoke(app, ["run", "-t", "sort", "-s", "synth-01", "--results", str(results),
                                   "--name", "a/b/../../../escape"])
    assert out.exit_code == 2
    assert "--name" in out.output and "path separator" in out.output
    assert not (tmp_path / "a" / "escape").exists() and not results.exists()


def test_seqinfo_name_that_escapes_is_a_file_line_error(tmp_path) -> None:
    from trackbench.datasets.errors import DataFileError
    from trackbench.datasets.mot import load_mot

    seq = tmp_path / "data" / "SEQ-01"
    (seq / "det").mkdir(parents=True)
    (seq / "det" / "det.txt").write_text("1,-1,1,1,5,5,0.9\n2,-1,1,1,5,5,0.9\n")
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nframeRate=10\nname={tmp_path}/elsewhere/evil\nseqLength=2\n")
    with pytest.raises(DataFileError, match=r"seqinfo.ini:3: name .* path separator"):
        load_mot(tmp_path / "data")
    os.environ.pop("TRACKBENCH_DATA", None)


@pytest.mark.parametrize("spec", ["../../evil:X", "/tmp/evil:X", ".relative:X", "a b:X", "mod:../X"])
def test_path_like_plugin_specs_are_refused_before_importing(tmp_path, spec) -> None:
    from typer.testing import CliRunner

    from trackbench.harness.cli.app import app

    out = CliRunner().invoke(app, ["run", "-t", spec, "-s", "synth-01", "--results", str(tmp_path), "--name", "r"])
    assert out.exit_code == 2, out.output
    assert "expected package.module:ClassName" in " ".join(out.output.split())
    assert not (tmp_path / "r").exists()

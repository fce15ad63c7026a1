"""Adapters to roboflow ``trackers`` and BoxMOT: same detections in, sane tracks out, scored like the rest.

Skipped with the reason when a library is not installed (``pip install 'trackbench[peers]'``;
CI installs both).  The real sequence is MOT15 TUD-Stadtmitte (179 frames, public
detections and ground truth) from the shared data.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import inspect

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench import trackers
from trackbench.datasets import load_dataset
from trackbench.harness.cli import app

runner = CliRunner()
ADAPTERS = trackers.adapter_requirements()  # name -> distribution


def _need(distribution: str) -> None:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"the {distribution!r} package is not installed (pip install 'trackbench[peers]')")


@pytest.fixture(scope="module")
def stadtmitte(shared_data):
    return load_dataset("mot15", shared_data / "mot15", ["TUD-Stadtmitte"])[0]


def test_every_adapter_is_named_by_origin() -> None:
    assert {n.split(".")[0] for n in ADAPTERS} == {"rf", "boxmot"}
    assert {"rf.sort", "rf.bytetrack", "rf.ocsort", "rf.botsort", "boxmot.bytetrack", "boxmot.ocsort",
            "boxmot.botsort"} <= set(ADAPTERS)
    assert not set(ADAPTERS) & set(trackers.defaults())  # compared against when named, never run by default


def test_missing_adapters_are_listed_after_the_adapters_package_was_imported(monkeypatch) -> None:
    """Loading any adapter imports ``trackbench.trackers.adapters``; the listing must still work then."""
    import trackbench.trackers.adapters  # noqa: F401  (what using an installed adapter does)

    usable = [n for n in trackers.available() if n not in ADAPTERS]
    monkeypatch.setattr(trackers, "available", lambda: usable)  # as if no peer library were installed
    out = runner.invoke(app, ["trackers"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "rf.sort  adapter, needs the 'trackers' package (pip install 'trackbench[peers]')" in out.output


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_params_are_the_installed_librarys_defaults(name) -> None:
    """Each Params field is a constructor argument of the library class with the same default,
    except the inputs trackbench turns off (camera motion, re-id) and frame_rate (the sequence's)."""
    _need(ADAPTERS[name])
    cls = trackers.tracker_class(name)
    tracker = cls()
    tracker.reset(_info())
    signature = _library_defaults(type(tracker.peer))
    turned_off = {"enable_cmc", "use_cmc", "use_embeddings"}
    for field in dataclasses.fields(cls.Params):
        assert field.name in signature, f"{name}: {field.name} is not an argument of {type(tracker.peer).__name__}"
        if field.name in turned_off:
            assert field.default is False
        elif field.name != "frame_rate":
            assert field.default == signature[field.name], f"{name}: {field.name}"


def _library_defaults(cls: type) -> dict:
    out: dict = {}
    for klass in reversed(cls.__mro__):  # BoxMOT passes base-tracker arguments through **kwargs
        if "__init__" in vars(klass):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.default is not inspect.Parameter.empty:
                    out[p.name] = p.default
    return out


def _info():
    from trackbench.datasets.sequence import SequenceInfo

    return SequenceInfo("x", "x", 10, 25.0, 640, 480)


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_adapter_tracks_a_real_sequence_sanely(name, stadtmitte) -> None:
    _need(ADAPTERS[name])
    tracker = trackers.create(name)
    tracker.reset(stadtmitte.info)
    seen_first: dict[int, int] = {}
    reported = 0
    for frame in range(1, stadtmitte.info.length + 1):
        dets = stadtmitte.detections.detections(frame)
        out = tracker.update(None, dets)
        assert out.ids.dtype == np.int64 and out.boxes.shape == (len(out), 4)
        assert len(np.unique(out.ids)) == len(out.ids), f"frame {frame}: an id twice"
        assert (out.ids > 0).all() and np.isfinite(out.boxes).all()
        assert (out.boxes[:, 2] > out.boxes[:, 0]).all() and (out.boxes[:, 3] > out.boxes[:, 1]).all()
        for i in out.ids.tolist():
            seen_first.setdefault(i, frame)
        reported += len(out)
    # ~10 people in view; a tracker that lost all identity would mint an id per box.
    assert 5 <= len(seen_first) <= 80 and reported > 0.5 * len(stadtmitte.detections)
    # ids are handed out in the order tracks appear
    firsts = [seen_first[i] for i in sorted(seen_first)]
    assert firsts == sorted(firsts)


def test_bytetrack_from_both_libraries_scores_alike_through_bench_run(shared_data, tmp_path) -> None:
    _need("trackers")
    _need("boxmot")
    result = runner.invoke(app, ["run", "-d", "mot15", "--data-root", str(shared_data / "mot15"), "-s", "TUD-Stadtmitte",
                                 "-t", "rf.bytetrack,boxmot.bytetrack,sort", "--results", str(tmp_path), "--name", "b"])
    assert result.exit_code == 0, result.output
    board = pd.read_csv(tmp_path / "b" / "leaderboard.csv", index_col=0)
    rf, bm = board.loc["rf.bytetrack"], board.loc["boxmot.bytetrack"]
    assert abs(rf.MOTA - bm.MOTA) < 5 and abs(rf.HOTA - bm.HOTA) < 5, board[["HOTA", "MOTA", "IDF1"]]
    assert (board.Hz > 0).all()
    legend = (tmp_path / "b" / "leaderboard.md").read_text()
    version = importlib.metadata.version
    assert f"- rf.bytetrack: roboflow trackers {version('trackers')} (adapter); Zhang et al., ByteTrack" in legend
    assert f"- boxmot.bytetrack: BoxMOT {version('boxmot')} (adapter); Zhang et al., ByteTrack" in legend

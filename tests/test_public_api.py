"""The public Python API, used as a notebook would: only names from ``trackbench.__all__`` and
``trackbench.trackers.__all__``, on the built-in synthetic set.

The run goes through the same code as ``bench run`` (``trackbench.run`` is a
thin wrapper over its request and ``execute``), so these tests check what the
wrapper adds: DataFrames handed back, a results folder that ``evaluate``
scores to the same numbers, trackers called by hand giving the run's tracks,
and mistakes raised as exceptions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import trackbench

# Tracker classes are taken inside the tests, never at collection: importing a tracker module here would change
# what tests/test_plugins.py sees (a spec naming an already-imported module is not statically checked).

METRICS = ["HOTA", "MOTA", "IDF1", "IDsw", "FP", "FN"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two synthetic sequences written in MOTChallenge layout (box-only), read back like any user's folder."""
    folder = tmp_path_factory.mktemp("api") / "data"
    trackbench.save_mot(trackbench.load_dataset("synth", sequences=["synth-01", "synth-02"]), folder)
    return folder


@pytest.fixture(scope="module")
def result(data: Path) -> trackbench.RunResult:
    return trackbench.run(trackers=["sort", "bytetrack"], dataset=str(data), params={"sort.max_age": 3},
                          results=data.parent / "results", name="notebook", progress=False)


def test_import_is_cheap_and_names_are_lazy() -> None:
    code = ("import sys, trackbench; heavy = [m for m in ('numpy', 'pandas', 'trackbench.harness', 'trackbench.api') "
            "if m in sys.modules]; assert not heavy, heavy; trackbench.run; assert 'trackbench.api' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_public_name_resolves() -> None:
    for name in trackbench.__all__:
        assert getattr(trackbench, name) is not None, name
    for name in trackbench.trackers.__all__:
        assert getattr(trackbench.trackers, name) is not None, name
    assert issubclass(trackbench.trackers.OCSort, trackbench.trackers.Tracker)


def test_run_returns_the_leaderboards_as_dataframes(result: trackbench.RunResult) -> None:
    assert sorted(result.overall.index) == ["bytetrack", "sort"]
    assert set(METRICS) <= set(result.overall.columns)
    assert list(result.overall["HOTA"]) == sorted(result.overall["HOTA"], reverse=True)  # best first
    assert len(result.per_sequence) == 4
    assert result.manifest["status"] == "complete" and result.failed == []
    overrides = {v["tracker"]: v["overrides"] for v in result.manifest["variants"]}
    assert overrides["sort"] == {"max_age": "3"} and overrides["bytetrack"] == {}  # "sort.max_age" reached sort only
    assert (result.run_dir / "leaderboard.csv").is_file()


def test_evaluate_scores_the_runs_files_to_the_runs_numbers(data: Path, result: trackbench.RunResult) -> None:
    table = trackbench.evaluate(gt=data, results=result.results_dir)
    for tracker in ("sort", "bytetrack"):
        again = table.loc[(tracker, "COMBINED"), METRICS].astype(float).to_numpy()
        assert np.allclose(again, result.overall.loc[tracker, METRICS].astype(float).to_numpy(), atol=1e-9)
    assert table.attrs["notes"] == []
    one = trackbench.evaluate(gt=data, results=result.results_dir, sequences="synth-02")
    assert {s for _, s in one.index} == {"synth-02", "COMBINED"}


def test_a_tracker_called_by_hand_gives_the_runs_tracks(data: Path, result: trackbench.RunResult) -> None:
    (seq,) = trackbench.load_dataset(str(data), sequences=["synth-01"])
    from trackbench.trackers import Detections, Sort

    tracker = Sort(max_age=3)
    tracker.reset(seq.info)
    rows = []
    for frame in range(1, seq.info.length + 1):
        found = seq.detections.detections(frame)
        out = tracker.update(None, Detections.from_arrays(found.boxes, found.scores))
        rows += [(frame, i, *box) for i, box in zip(out.ids, out.boxes)]
    mine = np.array(rows)
    written = np.loadtxt(result.results_dir / "sort" / "data" / "synth-01.txt", delimiter=",")[:, :6]
    written[:, 4:6] += written[:, 2:4]  # MOT tlwh -> corners
    assert mine.shape == written.shape
    assert np.array_equal(mine[:, :2], written[:, :2])
    assert np.allclose(mine[:, 2:], written[:, 2:], atol=0.01)  # files hold two decimals


def test_trackers_take_keyword_parameters_and_refuse_unknown_ones() -> None:
    from trackbench.trackers import ByteTrack, Sort

    assert ByteTrack(track_thresh=0.5).params.track_thresh == 0.5
    assert trackbench.trackers.DeepSort(**{"lambda": 0.25}).params.lambda_ == 0.25
    with pytest.raises(TypeError, match="no parameter track_thresh"):
        Sort(track_thresh=0.5)
    with pytest.raises(ValueError):  # the tracker's own range check, as on the command line
        ByteTrack(low_thresh=0.9, track_thresh=0.5)


def test_detections_from_arrays_checks_and_converts() -> None:
    from trackbench.trackers import Detections

    d = Detections.from_arrays([[10, 20, 30, 40]], tlwh=True)
    assert d.boxes.tolist() == [[10, 20, 40, 60]] and d.scores.tolist() == [1.0]
    assert len(Detections.from_arrays(np.zeros((0, 4)))) == 0
    with pytest.raises(ValueError, match="1 boxes but 2 scores"):
        Detections.from_arrays([[0, 0, 1, 1]], [0.5, 0.6])
    with pytest.raises(ValueError, match="finite"):
        Detections.from_arrays([[0, 0, np.nan, 1]])


def test_mistakes_raise_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unknown option"):
        trackbench.run(trackers=["sort"], results=tmp_path, progress=False, max_frame=5)
    with pytest.raises(ValueError, match="unknown tracker"):
        trackbench.run(trackers=["nosuch"], results=tmp_path, progress=False)
    assert not any(tmp_path.iterdir())

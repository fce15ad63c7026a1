"""--detect-every K > 1: box-only trackers coast between detector frames, reporting predicted boxes.

Before, they were handed empty detections and reported nothing in between (MOTA ~0 at K = 5).  Now the
runner calls ``Tracker.coast`` on frames without a detector run; K = 1 never does, so fidelity is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.harness.cli import app
from trackbench.trackers import create

INFO = SequenceInfo("toy", "toy", 100, 10.0, 640, 480)
runner = CliRunner()


def _walker(frame: int) -> np.ndarray:
    """One pedestrian-sized box moving 4 px right per frame."""
    x = 100.0 + 4.0 * (frame - 1)
    return np.array([[x, 100.0, x + 40.0, 200.0]])


@pytest.mark.parametrize("name, params", [("sort", {}), ("deepsort", {"embedder": "histogram"}), ("rolo", {}),
                                          ("bytetrack", {}), ("ocsort", {})])
def test_box_only_trackers_report_predictions_between_detector_frames(name, params) -> None:
    tracker = create(name, params)
    tracker.reset(INFO)
    k, seen = 3, {}
    for frame in range(1, 31):
        if (frame - 1) % k == 0:
            boxes = _walker(frame)
            feats = np.ones((1, 8), np.float32) / np.sqrt(8)
            out = tracker.update(None, Detections(boxes, np.ones(1), feats))
        else:
            out = tracker.coast(None)
        seen[frame] = out
    # Once reported, the track is reported on every later frame, detector run or not, under one id,
    # and its boxes between detector frames follow the motion (within a few pixels).
    late = range(16, 31)
    assert all(len(seen[f]) == 1 for f in late)
    assert len({int(seen[f].ids[0]) for f in late}) == 1
    for f in late:
        assert np.abs(seen[f].boxes[0] - _walker(f)[0]).max() < 6.0, f


def test_coasting_leaves_the_life_cycle_to_detector_frames() -> None:
    """SORT's max_age = 1: a track survives the frames without a detector run (none of them is a miss),
    but dies after one detector frame without a match plus one more, as in the reference."""
    tracker = create("sort")
    tracker.reset(INFO)
    for frame in (1, 2, 3, 4):
        tracker.update(None, Detections(_walker(frame), np.ones(1)))
    for _ in range(4):
        assert tracker.coast(None).ids.tolist() == [1]
    assert tracker.update(None, Detections.empty()).ids.tolist() == []  # missed: not reported (reference rule)
    assert len(tracker.tracks) == 1
    tracker.update(None, Detections.empty())
    assert len(tracker.tracks) == 0


def test_detect_every_scores_box_only_trackers_on_synth(tmp_path) -> None:
    """On synth at K = 5 every box-only tracker keeps most of its K = 1 MOTA, and writes boxes on frames
    without detections."""
    for k in ("1", "5"):
        result = runner.invoke(app, ["run", "-t", "sort,rolo,bytetrack,ocsort", "-s", "synth-01", "--detect-every", k,
                                     "--results", str(tmp_path), "--name", f"k{k}"])
        assert result.exit_code == 0, result.output
    one = pd.read_csv(tmp_path / "k1" / "leaderboard.csv", index_col=0)
    five = pd.read_csv(tmp_path / "k5" / "leaderboard.csv", index_col=0)
    for name in ("sort", "rolo", "bytetrack", "ocsort"):
        assert five.loc[name, "MOTA"] > 0.6 * one.loc[name, "MOTA"] > 0, name
        frames = set(read_mot_file(tmp_path / "k5" / "synth" / name / "data" / "synth-01.txt", "result").frames.tolist())
        assert {2, 3, 4, 5} & frames and any((f - 1) % 5 for f in frames), name

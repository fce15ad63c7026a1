"""Score scales: a leaderboard says when score thresholds made for [0, 1] meet detections scored otherwise.

The end-to-end cases write a small MOTChallenge-layout sequence whose detections
are scored like DPM's (−0.5…3.4) or like probabilities, and run ``bench run``
on it: the note must reach the terminal, leaderboard.md and the manifest (which
``bench publish`` reads), and must not appear when the scores are in [0, 1].
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli.app import app
from trackbench.io.markdown_escape import md_escape
from trackbench.harness.report.score_scales import (score_range, score_scale_notes, threshold_fields,
                                                    unit_interval_thresholds)

FRAMES = 12


def _sequence(scores: list[float]) -> SimpleNamespace:
    return SimpleNamespace(detections=SimpleNamespace(scores=np.asarray(scores, float)))


def _write(root: Path, scores: tuple[float, float]) -> Path:
    """SEQ-01 in MOT layout: two people walking, each detected every frame with its own score."""
    seq = root / "data" / "SEQ-01"
    (seq / "det").mkdir(parents=True)
    (seq / "gt").mkdir()
    det = "".join(f"{f},-1,{4 + 2 * f},{6 + f},12,20,{scores[0]}\n{f},-1,40,10,10,18,{scores[1]}\n"
                  for f in range(1, FRAMES + 1))
    gt = "".join(f"{f},1,{4 + 2 * f},{6 + f},12,20,1,1,1\n{f},2,40,10,10,18,1,1,1\n" for f in range(1, FRAMES + 1))
    (seq / "det" / "det.txt").write_text(det)
    (seq / "gt" / "gt.txt").write_text(gt)
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname=SEQ-01\nimDir=img1\nframeRate=10\nseqLength={FRAMES}\n"
                                     "imWidth=64\nimHeight=48\nimExt=.jpg\n")
    return root / "data"


def test_threshold_fields_are_the_score_bounded_and_the_known_ones() -> None:
    assert set(threshold_fields("bytetrack")) == {"track_thresh", "low_thresh"}
    assert threshold_fields("ocsort") == ("det_thresh",)
    assert threshold_fields("sort") == ("min_confidence",)
    assert threshold_fields("no-such-tracker") == ()


def test_only_thresholds_inside_the_unit_interval_count() -> None:
    assert unit_interval_thresholds("bytetrack", {}) == {"track_thresh": 0.6, "low_thresh": 0.1}
    assert unit_interval_thresholds("bytetrack", {"track_thresh": "2.5"}) == {"low_thresh": 0.1}
    assert unit_interval_thresholds("sort", {}) == {}  # min_confidence -inf thresholds nothing
    assert unit_interval_thresholds("sort", {"min_confidence": "0.4"}) == {"min_confidence": 0.4}


def test_note_names_tracker_thresholds_and_the_detections_range() -> None:
    dpm = [_sequence([-0.5, 1.2]), _sequence([0.3, 3.4])]
    notes = score_scale_notes([("bytetrack", {}), ("sort", {}), ("ocsort", {})], dpm)
    assert notes == [
        "bytetrack's score thresholds (track_thresh 0.6, low_thresh 0.1) assume scores in [0, 1]; "
        "these detections score \u22120.50…3.40",
        "ocsort's score thresholds (det_thresh 0.6) assume scores in [0, 1]; these detections score \u22120.50…3.40",
    ]
    swept = score_scale_notes([("bytetrack", {"track_thresh": "0.5"}), ("bytetrack", {})], dpm)
    assert swept[0].startswith("bytetrack's score thresholds (track_thresh 0.5/0.6, low_thresh 0.1)")


def test_no_note_for_probabilities_empty_detections_or_thresholds_off_the_unit_interval() -> None:
    assert score_scale_notes([("bytetrack", {})], [_sequence([0.01, 1.0])]) == []
    assert score_scale_notes([("bytetrack", {})], [_sequence([])]) == []
    assert score_scale_notes([("bytetrack", {"track_thresh": "2", "low_thresh": "-1"})], [_sequence([-1, 3])]) == []


def test_min_score_narrows_the_range_the_trackers_see() -> None:
    seqs = [_sequence([-0.4, 0.2, 0.9])]
    assert score_range(seqs) == (-0.4, 0.9)
    assert score_range(seqs, min_score=0.0) == (0.2, 0.9)
    assert score_scale_notes([("bytetrack", {})], seqs, min_score=0.0) == []


@pytest.mark.parametrize("scores, noted", [((2.5, -0.3), True), ((0.9, 0.8), False)])
def test_bench_run_leaderboard_carries_the_note(tmp_path: Path, scores, noted) -> None:
    data = _write(tmp_path, scores)
    out = CliRunner().invoke(app, ["run", "-d", str(data), "-t", "sort,bytetrack", "--results",
                                   str(tmp_path / "results"), "--name", "r"])
    assert out.exit_code == 0, out.output
    run = tmp_path / "results" / "r"
    manifest_notes = json.loads((run / "manifest.json").read_text())["notes"]
    markdown = (run / "leaderboard.md").read_text()
    said = "bytetrack's score thresholds (track_thresh 0.6, low_thresh 0.1) assume scores in [0, 1]"
    assert (said in " ".join(out.output.split())) is noted
    assert any(said in n for n in manifest_notes) is noted
    assert (md_escape(said) in markdown) is noted
    if noted:
        assert "these detections score \u22120.30…2.50" in markdown  # the range, after the escaped text
        assert not any(n.startswith("sort's") for n in manifest_notes)  # sort thresholds nothing by default

"""Scoring work is done once per run: gt prepared once per sequence, identical results counted once.

The shortcut must be invisible in the numbers: every job's counts equal those
of scoring it alone (the plain per-sequence path), exactly.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.metrics import evaluate
from trackbench.harness.metrics.evaluate import CLEAR_BACKENDS, SequenceJob, count_sequence, count_sequences, finalize
from trackbench.datasets.mot_scoring import spec_for_benchmark

from test_metrics import MOT17_05, MOT17_05_LENGTH, perturbed_mot17_result, tud_tables


def _copy(table: FrameTable) -> FrameTable:
    """The same rows in a new object (what a second sweep point with the same output reads back)."""
    return FrameTable(table.frames.copy(), table.ids.copy(), table.boxes.copy(), table.scores.copy(),
                      table.classes.copy(), table.visibility.copy())


def _shifted(table: FrameTable) -> FrameTable:
    """A different result: every box moved 3 px right."""
    return dataclasses.replace(_copy(table), boxes=table.boxes + np.array([3.0, 0.0, 3.0, 0.0]))


def _calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(evaluate, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate, name, counting)
    return calls


def _assert_reused_equals_alone(gt: FrameTable, result: FrameTable, spec: EvalSpec, length: int,
                                monkeypatch: pytest.MonkeyPatch, backend: str = "motmetrics") -> None:
    results = [result, _copy(result), _shifted(result), _copy(result)]
    jobs = [SequenceJob(f"unit{i}", gt, r, spec, length) for i, r in enumerate(results)]
    alone = [count_sequence(j.gt, j.result, j.spec, j.num_frames, name=j.name, backend=backend) for j in jobs]
    prepared, counted = _calls(monkeypatch, "prepare_gt"), _calls(monkeypatch, "count_preprocessed")
    together = count_sequences(jobs, backend=backend)
    assert {c.backend for c in together} == {backend}
    assert len(prepared) == 1, "the gt of one sequence is prepared once for all its jobs"
    assert len(counted) == 2, "identical results are counted once"
    assert [c.name for c in together] == [j.name for j in jobs]
    for a, b in zip(alone, together):
        np.testing.assert_equal(b.counts, a.counts)  # exact, arrays included
    assert finalize(together[0]) != finalize(together[2])  # the shifted result really scores differently
    together[1].counts["HOTA"].clear()  # reused counts are private copies
    np.testing.assert_equal(together[3].counts, alone[3].counts)


@pytest.mark.parametrize("backend", CLEAR_BACKENDS)
def test_tud_jobs_share_gt_and_reuse_identical_results(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    gt, result, length = tud_tables("TUD-Campus")
    _assert_reused_equals_alone(gt, result, EvalSpec(), length, monkeypatch, backend)


@pytest.mark.shared
def test_mot17_distractor_jobs_share_gt_and_reuse_identical_results(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gt_file = shared_data / "mot17" / "train" / MOT17_05 / "gt" / "gt.txt"
    if not gt_file.is_file():
        pytest.skip(f"{gt_file} not available")
    perturbed_mot17_result(gt_file, tmp_path / "result.txt")
    gt, result = read_mot_file(gt_file, "gt"), read_mot_file(tmp_path / "result.txt", "result")
    _assert_reused_equals_alone(gt, result, spec_for_benchmark("MOT17"), MOT17_05_LENGTH, monkeypatch)


def test_different_gt_objects_are_prepared_separately(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = []
    for name in ("TUD-Campus", "TUD-Stadtmitte"):
        gt, result, length = tud_tables(name)
        jobs.append(SequenceJob(name, gt, result, EvalSpec(), length))
    alone = [count_sequence(j.gt, j.result, j.spec, j.num_frames, name=j.name) for j in jobs]
    prepared = _calls(monkeypatch, "prepare_gt")
    np.testing.assert_equal([c.counts for c in count_sequences(jobs)], [c.counts for c in alone])
    assert len(prepared) == 2

"""A tune trial counts each unit where it was tracked, on its rows as written: the same numbers as scoring the
written files the way `bench run`'s leaderboard does, whichever executor ran the units, and a unit kept from its
record is counted from its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackbench.harness.cli.run import RunRequest, load
from trackbench.harness.runs.executors import WorkerPool
from trackbench.harness.runs.scoring import score_units
from trackbench.harness.tune.units import UnitContext, run_setting, score_setting, variant_for

#: Columns that depend on timing, not on what was tracked.
TIMED = {"Hz", "Hz e2e"}


def _leaderboard_row(folder: Path, dataset: str, tracker: str, overrides: dict[str, str], sequences,
                     **options: object) -> dict:
    """The combined row `bench run` would print for these units: their files read back and scored."""
    ctx = UnitContext(folder, dataset, options=options)
    units = [u.result for u in run_setting(variant_for(tracker, overrides), sequences, ctx)]  # all kept, none rerun
    assert all(u.resumed for u in units)
    overall, _, _ = score_units(units, sequences)
    return {k: float(v) for k, v in overall.iloc[0].items()}


def _assert_same(got: dict, want: dict) -> None:
    assert set(want) - TIMED <= set(got)
    for key in set(want) - TIMED:
        assert got[key] == pytest.approx(want[key], rel=1e-12, abs=1e-12), key


def test_trial_scores_equal_the_leaderboard_of_its_files(tmp_path: Path) -> None:
    sequences = load(RunRequest(dataset="synth", max_frames=60))
    dataset = sequences[0].info.dataset
    ctx = UnitContext(tmp_path / "local", dataset, options={"max_frames": 60})
    got, why = score_setting("bytetrack", {"track_thresh": "0.5"}, sequences, ctx)
    assert why is None and got["FN"] > 0 and 0 < got["HOTA"] < 100  # a real score, not a trivial one
    _assert_same(got, _leaderboard_row(tmp_path / "local", dataset, "bytetrack", {"track_thresh": "0.5"}, sequences,
                                    max_frames=60))
    # Kept from its records, the setting is counted from its files: the same numbers, no unit rerun.
    again, _ = score_setting("bytetrack", {"track_thresh": "0.5"}, sequences, UnitContext(
        tmp_path / "local", dataset, options={"max_frames": 60}))
    _assert_same(again, got)


def test_a_kept_worker_pool_gives_what_this_process_gives(tmp_path: Path) -> None:
    sequences = load(RunRequest(dataset="synth", max_frames=60))
    dataset = sequences[0].info.dataset
    local = UnitContext(tmp_path / "local", dataset, options={"max_frames": 60})
    with WorkerPool(sequences, 2) as pool:
        pooled = UnitContext(tmp_path / "pool", dataset, jobs=2, executor="process", options={"max_frames": 60},
                             pool=pool)
        for overrides in ({}, {"track_thresh": "0.4", "match_thresh": "0.7"}):  # two trials, one pool
            a, _ = score_setting("bytetrack", overrides, sequences, local)
            b, _ = score_setting("bytetrack", overrides, sequences, pooled)
            _assert_same(b, a)
    for seq in sequences:  # and the very same files
        name = f"{seq.name}.txt"
        left = sorted((tmp_path / "local").rglob(name))
        right = sorted((tmp_path / "pool").rglob(name))
        assert [p.read_bytes() for p in left] == [p.read_bytes() for p in right] and left


def test_real_mot17_trial_scores_equal_the_leaderboard(shared_data: Path, tmp_path: Path) -> None:
    sequences = load(RunRequest(dataset="mot17", data_root=shared_data / "mot17", sequences=["MOT17-05"],
                                detections=str(shared_data / "mot17-yolox")))
    dataset = sequences[0].info.dataset
    got, why = score_setting("bytetrack", {}, sequences, UnitContext(tmp_path, dataset))
    assert why is None and got["HOTA"] > 40  # MOT17-05 with YOLOX detections: a strong tracker's score
    _assert_same(got, _leaderboard_row(tmp_path, dataset, "bytetrack", {}, sequences))


def test_counts_kept_per_tune_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from trackbench.harness.tune import units

    sequences = load(RunRequest(dataset="synth", max_frames=40))
    assert len(sequences) > 1
    monkeypatch.setattr(units, "COUNTS_KEPT", 1)
    ctx = UnitContext(tmp_path, sequences[0].info.dataset, options={"max_frames": 40})
    first, _ = score_setting("sort", {}, sequences, ctx)
    again, _ = score_setting("sort", {}, sequences, ctx)  # kept units: counted from their files once more
    assert len(ctx.counted) == 1
    _assert_same(again, first)

"""The paired bootstrap behind `bench compare`: its intervals cover a known true difference about as often as they claim.

Synthetic "trackers" whose expected MOTA difference is known exactly: each
unit (a sequence, or a block of frames) has ground-truth boxes and the two
trackers miss a share of them.  MOTA over several units is 1 - ΣFN/ΣGT (summed
counts, as trackbench combines sequences), so the population difference is
computable in closed form.  Over many seeded repetitions, 95% intervals must
cover it in roughly 90-99% of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.harness.report.bootstrap import paired_bootstrap, resample

REPETITIONS = 200
REPLICATES = 400


def _mota_difference(gt: np.ndarray, fn_a: np.ndarray, fn_b: np.ndarray):
    def statistic(idx: np.ndarray) -> dict[str, float]:
        total = gt[idx].sum()
        return {"MOTA": 100.0 * (fn_b[idx].sum() - fn_a[idx].sum()) / total}  # MOTA_A - MOTA_B
    return statistic


def test_sequence_bootstrap_covers_the_true_difference() -> None:
    """30 sequences of varied size and difficulty; B misses 5 points more on average: MOTA_A - MOTA_B = 5."""
    covered = 0
    for rep in range(REPETITIONS):
        rng = np.random.default_rng(1000 + rep)
        gt = rng.integers(50, 300, size=30)
        p_a = rng.uniform(0.1, 0.4, size=30)
        p_b = p_a + 0.05 + rng.uniform(-0.05, 0.05, size=30)  # independent of size: the truth is exactly 5.0
        fn_a, fn_b = rng.binomial(gt, p_a), rng.binomial(gt, p_b)
        interval = paired_bootstrap([0] * 30, _mota_difference(gt, fn_a, fn_b), REPLICATES, seed=rep)["MOTA"]
        covered += interval.covers(5.0)
    assert 0.88 * REPETITIONS <= covered <= 0.99 * REPETITIONS, covered / REPETITIONS


def _regimes(rng: np.random.Generator, frames: int, stay: float) -> np.ndarray:
    """A two-state Markov chain (easy 0 / hard 1), each state kept with probability ``stay``: correlated frames."""
    state = np.empty(frames, int)
    state[0] = rng.integers(2)
    flips = rng.random(frames) > stay
    for t in range(1, frames):
        state[t] = state[t - 1] ^ flips[t]
    return state


def test_block_bootstrap_covers_the_true_difference_on_one_long_sequence() -> None:
    """One sequence, 2000 frames, 6 objects a frame, difficulty that persists ~10 frames; blocks of 50 frames.

    Miss probability: A 0.1 (easy) / 0.4 (hard), B 0.2 / 0.45.  The chain is
    symmetric, so each regime holds half the frames: the truth is
    100 * ((0.2 + 0.45) - (0.1 + 0.4)) / 2 = 7.5.
    """
    frames, objects, block = 2000, 6, 50
    covered = 0
    for rep in range(REPETITIONS):
        rng = np.random.default_rng(5000 + rep)
        hard = _regimes(rng, frames, stay=0.9)
        fn_a = rng.binomial(objects, np.where(hard, 0.4, 0.1))
        fn_b = rng.binomial(objects, np.where(hard, 0.45, 0.2))
        per_block = lambda x: x.reshape(-1, block).sum(axis=1)  # noqa: E731
        gt = np.full(frames // block, objects * block)
        interval = paired_bootstrap([0] * len(gt), _mota_difference(gt, per_block(fn_a), per_block(fn_b)),
                                    REPLICATES, seed=rep)["MOTA"]
        covered += interval.covers(7.5)
    assert 0.88 * REPETITIONS <= covered <= 0.99 * REPETITIONS, covered / REPETITIONS


def test_resampling_stays_inside_strata_and_is_seeded() -> None:
    strata = np.array([0, 0, 0, 1, 1, 2])
    draw = resample(strata, np.random.default_rng(3))
    assert sorted(strata[draw].tolist()) == strata.tolist()  # every stratum keeps its size
    again = resample(strata, np.random.default_rng(3))
    assert draw.tolist() == again.tolist()


def test_shift_centres_the_interval_on_the_given_point() -> None:
    values = np.arange(10.0)
    stat = lambda idx: {"m": float(values[idx].mean())}  # noqa: E731
    plain = paired_bootstrap([0] * 10, stat, 200, seed=1)["m"]
    shifted = paired_bootstrap([0] * 10, stat, 200, seed=1, point={"m": 14.5})["m"]
    assert plain.estimate == pytest.approx(4.5)
    assert (shifted.low - plain.low, shifted.high - plain.high) == pytest.approx((10.0, 10.0))

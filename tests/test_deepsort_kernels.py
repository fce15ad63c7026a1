"""Deep SORT's compiled kernels equal the NumPy definitions they repeat, bit for bit.

The definitions: ``motion``'s noise, ``kalman``'s filter and Mahalanobis distance,
``Galleries.distance``, ``cascade.combined_cost`` + ``gate_costs``, ``cascade.gated_cascade``,
``cascade.iou_costs``, and the life-cycle rules the tracker applied with NumPy before
(``TrackStore.tick`` / ``mark_updated``).  Inputs are random, with the edge cases mixed in:
values on the gates, ties, empty galleries, levels outside ``1..max_age``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from trackbench.trackers.core import kalman
from trackbench.trackers.core.assignment import gate_costs, solve_gated
from trackbench.trackers.deepsort import cascade, kernels
from trackbench.trackers.core import deepsort_motion as motion
from trackbench.trackers.deepsort.appearance import Galleries
from trackbench.trackers.deepsort.tracker import _Q_NOISE, _R_ASPECT

RNG = np.random.default_rng(14)
G = motion.GATING_THRESHOLD


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b)


def _states(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plausible (u, v, a, h) states with velocities, covariances and counters."""
    x = np.empty((k, 8))
    x[:, :2] = RNG.uniform(0, 1900, (k, 2))
    x[:, 2] = RNG.uniform(0.3, 0.6, k)
    x[:, 3] = RNG.uniform(20, 300, k)
    x[:, 4:] = RNG.normal(0, 2, (k, 4))
    P = np.abs(RNG.normal(0, 20, (k, 3, 4))) + 1.0
    counters = RNG.integers(0, 40, (k, 4))
    return x, P, counters


def _detections_near(x: np.ndarray, n: int) -> np.ndarray:
    """Measurements (n, 4), some right at a track, some a little or far off."""
    z = np.empty((n, 4))
    src = RNG.integers(0, max(len(x), 1), n)
    base = x[src, :4] if len(x) else np.array([[500, 500, 0.4, 100.0]]).repeat(n, 0)
    z[:] = base + RNG.normal(0, 1, (n, 4)) * np.array([5, 5, 0.02, 5]) * RNG.choice([0.0, 1.0, 8.0], (n, 1))
    return z


def test_predict_equals_the_batched_filter() -> None:
    x, P, counters = _states(9)
    want_x, want_P = x.copy(), P.copy()
    kalman.predict_inplace(want_x, want_P, *motion.process_noise(want_x))
    want_c = counters.copy()
    want_c[:, 2:] += 1  # TrackStore.tick: age and time since update
    for count_frame in (True, False):
        got_x, got_P, got_c = x.copy(), P.copy(), counters.copy()
        kernels.predict(got_x, got_P, got_c, count_frame, _Q_NOISE)
        _same(want_x, got_x)
        _same(want_P, got_P)
        _same(want_c if count_frame else counters, got_c)


@pytest.mark.parametrize("k,n", [(0, 4), (5, 0), (1, 1), (12, 9), (30, 40)])
def test_gate_equals_projected_mahalanobis(k: int, n: int) -> None:
    x, P, _ = _states(k)
    z = _detections_near(x, n)
    confirmed = np.sort(RNG.choice(k, size=k // 2 + (k > 0), replace=False)) if k else np.zeros(0, np.int64)
    xc = x[confirmed]
    maha = kalman.squared_mahalanobis(*kalman.project(xc, P[confirmed], motion.measurement_noise(xc)), z)
    pr, pd = np.nonzero(maha <= G)
    got_r, got_d, got_m = kernels.gate(x, P, confirmed, z, motion.STD_WEIGHT_POSITION, _R_ASPECT, G)
    _same(pr.astype(np.int64), got_r)
    _same(pd.astype(np.int64), got_d)
    _same(maha[pr, pd], got_m)  # the einsum's sum order over the four axes, repeated exactly


def test_mahalanobis_sum_order_on_many_values() -> None:
    """Every distance, not only those inside the gate: a wide threshold keeps them all."""
    x, P, _ = _states(40)
    z = _detections_near(x, 50) + RNG.normal(0, 30, (50, 4))
    maha = kalman.squared_mahalanobis(*kalman.project(x, P, motion.measurement_noise(x)), z)
    _, _, got = kernels.gate(x, P, np.arange(40), z, motion.STD_WEIGHT_POSITION, _R_ASPECT, np.inf)
    _same(maha.ravel(), got)


@pytest.mark.parametrize("budget", [1, 3, None])
def test_pair_distance_equals_gallery_distance(budget: int | None) -> None:
    """The kernel's per-pair BLAS products equal ``Galleries.pair_distance``'s batched ``matmul``
    (empty galleries: +inf), in both of its ways (pairs track by track: the in-place pool product;
    unsorted: gathered galleries).  ``Galleries.distance`` (one matrix-matrix product) may differ
    from both in the last bit of float32: BLAS sums a matrix-vector product in another order."""
    g = Galleries(budget)
    dim = 128
    unit = lambda n: (lambda v: v / np.linalg.norm(v, axis=1, keepdims=True))(  # noqa: E731
        RNG.normal(size=(n, dim)).astype(np.float32))
    g.add(unit(6))
    g.add(2)  # two galleries without vectors
    for _ in range(5):
        tracks = np.sort(RNG.choice(6, size=4, replace=False))
        g.append(tracks, unit(4))
    g.keep(np.array([True, False, True, True, True, True, True, True]))  # a row to reuse
    g.add(unit(1))
    features = unit(7)
    tracks, dets = np.divmod(np.arange(len(g) * 7), 7)
    for order in (np.arange(len(tracks)), RNG.permutation(len(tracks))):
        t, d = tracks[order], dets[order]
        got = kernels.pair_distance(g.pool, g.rows, g.count, -1 if budget is None else budget, t, features, d)
        _same(g.pair_distance(t, features[d], saturate=False), got)
    np.testing.assert_allclose(g.distance(np.arange(len(g)), features)[tracks, dets], got[np.argsort(order)],
                               rtol=0, atol=1e-6)
    for _ in range(30):  # subsets: the product's shape (the widest gallery among the pairs) varies
        pick = np.sort(RNG.choice(len(tracks), size=int(RNG.integers(1, 9)), replace=False))
        t, d = tracks[pick], dets[pick]
        got = kernels.pair_distance(g.pool, g.rows, g.count, -1 if budget is None else budget, t, features, d)
        _same(g.pair_distance(t, features[d], saturate=False), got)


@given(lam=st.sampled_from([0.0, 0.3, 0.5, 1.0]), form=st.sampled_from(cascade.COSTS),
       mcd=st.sampled_from([0.2, 0.5, 1.5]), seed=st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
def test_cascade_matrix_equals_combined_cost_gated(lam: float, form: str, mcd: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 8)), int(rng.integers(1, 8))
    pr, pd = np.nonzero(rng.random((rows, cols)) < 0.5)
    maha = rng.choice([0.0, 1.0, G, 5.0, 9.48, 9.49], len(pr)) * rng.choice([1.0, 1.0, rng.random()], len(pr))
    appearance = rng.choice([0.0, 0.1, 0.2, mcd, 0.5, 1.0, np.inf], len(pr)) * rng.choice([1.0, rng.random()], len(pr))
    cost, admissible, threshold = cascade.combined_cost(maha, appearance, lam, mcd, form)
    full_cost = np.full((rows, cols), np.inf)
    full_ok = np.zeros((rows, cols), bool)
    full_cost[pr, pd], full_ok[pr, pd] = cost, admissible
    want = gate_costs(full_cost, threshold, full_ok)
    t, scale = cascade.cost_threshold(lam, mcd, form)
    assert t == threshold
    got = kernels.cascade_matrix(rows, cols, pr, pd, maha, appearance, lam, mcd, scale, G, t, t + 1e-5)
    _same(want, got)


def test_levels_without_admissible_pairs_rotate_the_detections_as_the_solver_does() -> None:
    """scipy's solver on a constant matrix assigns row i to column i, for every shape the kernel handles."""
    for rows in range(1, kernels.ROTATION_CHECKED + 1):
        for cols in range(1, kernels.ROTATION_CHECKED + 1):
            r, c = linear_sum_assignment(np.full((rows, cols), 0.2 + 1e-5))
            m = min(rows, cols)
            assert np.array_equal(r, np.arange(m)) and np.array_equal(c, np.arange(m)), (rows, cols)
    free = np.array([4, 0, 7, 2, 9])
    lo, hi = np.array([0, 2]), np.array([2, 9])
    level, left = kernels.skip_levels(lo, hi, np.array([False, False]), free, 0)
    assert level == 2
    want = solve_gated(np.full((7, 5), 1.0), 0.5, solve_gated(np.full((2, 5), 1.0), 0.5, free)[2])[2]
    _same(want, left)


@given(seed=st.integers(0, 2**31), max_age=st.sampled_from([1, 3, 30]))
@settings(max_examples=80, deadline=None)
def test_compiled_cascade_equals_gated_cascade(seed: int, max_age: int) -> None:
    """Matches and leftover order, level by level, with ties, gated entries and levels out of range."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    threshold = 0.2
    cost = np.round(rng.random((rows, cols + 3)) * 0.3, 2)  # ties, and about a third above the threshold
    cost[rng.random(cost.shape) < rng.random()] = np.inf
    gated = gate_costs(cost, threshold)
    since = rng.choice([0, 1, 1, 2, 3, 5, 31, 40], rows).astype(np.int64)
    free = rng.permutation(cols + 3)[:cols]  # detections some earlier step left, in its order
    want = cascade.gated_cascade(gated, since, max_age, threshold, free)
    got = cascade.compiled_cascade(gated, since, max_age, threshold, free)
    _same(want[0], got[0])
    _same(want[1], got[1])


def test_iou_stage_equals_iou_costs_gated() -> None:
    x, _, counters = _states(14)
    counters[:, 3] = RNG.choice([1, 1, 2], 14)
    confirmed = RNG.random(14) < 0.6
    matched = np.flatnonzero(confirmed)[:2]
    boxes = motion.xyah_to_boxes(_detections_near(x, 10))
    free = np.array([7, 1, 3, 9, 0])
    recent = confirmed & (counters[:, 3] == 1)
    recent[matched] = False
    want_c = np.concatenate([np.flatnonzero(~confirmed), np.flatnonzero(recent)])
    want = gate_costs(cascade.iou_costs(motion.xyah_to_boxes(x[want_c]), boxes[free]), 0.7)
    got_c, got = kernels.iou_stage(x, confirmed, counters, np.stack([matched, [3, 4]], 1), boxes, free, 0.7)
    _same(want_c, got_c)
    _same(want, got)


def test_correct_equals_kalman_update_and_life_cycle() -> None:
    x, P, counters = _states(10)
    confirmed = RNG.random(10) < 0.5
    z = _detections_near(x, 6)
    matches = np.array([[3, 5], [0, 1], [8, 0]])
    k, d = matches[:, 0], matches[:, 1]
    want_x, want_P, want_c, want_conf = x.copy(), P.copy(), counters.copy(), confirmed.copy()
    want_dead = (counters[:, 3] > 30) | ~confirmed
    xk, Pk = want_x[k], want_P[k]
    kalman.update_inplace(xk, Pk, z[d], motion.measurement_noise(xk))
    want_x[k], want_P[k] = xk, Pk
    want_c[k, 3] = 0
    want_c[k, :2] += 1
    want_conf[k] |= want_c[k, 0] >= 3
    want_dead[k] = False
    dead = kernels.correct(x, P, counters, confirmed, matches, z, motion.STD_WEIGHT_POSITION, _R_ASPECT, 3, 30)
    for want, got in [(want_x, x), (want_P, P), (want_c, counters), (want_conf, confirmed), (want_dead, dead)]:
        _same(want, got)


def test_report_equals_confirmed_recent_boxes() -> None:
    x, _, counters = _states(12)
    x[2, 3] = -1.0  # a height shrunk past zero
    x[5, 3] = np.nan
    confirmed = RNG.random(12) < 0.7
    confirmed[[2, 5]] = True
    counters[[2, 5], 3] = 1
    shown = confirmed & (counters[:, 3] <= 1) & (x[:, 3] > 0)
    got_i, got_b = kernels.report(x, confirmed, counters)
    _same(np.flatnonzero(shown), got_i)
    _same(motion.xyah_to_boxes(x[shown]), got_b)

"""Deep SORT's compiled kernels against the paper's formulas, written out here.

What Deep SORT must do is defined by the authors' code: whole-tracker equality with the port
``tests/oracles/deepsort_ref.py`` on real sequences is in ``test_deepsort.py``.  These tests
pin the pieces each frame is built from — the Kalman step with height-scaled noise, the
Mahalanobis gate, the nearest-neighbour cosine distance, the cascade's cost and gates, the
IoU stage and the life cycle — each against its formula, so a broken piece is named directly.
"""

from __future__ import annotations

import numpy as np
import pytest
import textbook
from scipy.optimize import linear_sum_assignment

from trackbench.trackers.core.assignment import solve_gated
from trackbench.trackers.core import deepsort_motion as motion
from trackbench.trackers.deepsort import cascade, kernels
from trackbench.trackers.deepsort.appearance import Galleries
from trackbench.trackers.deepsort.tracker import _Q_NOISE, _R_ASPECT

RNG = np.random.default_rng(14)
G = motion.GATING_THRESHOLD  # χ²₀.₉₅ with 4 degrees of freedom
W_POS, W_VEL = 1 / 20, 1 / 160  # the paper's noise weights of position and velocity (relative to the height)


def _q(h: float) -> tuple[np.ndarray, np.ndarray]:
    """Process noise of a track of height ``h``: std w·h on u, v, h; 1e-2 (position) and 1e-5 (velocity) on a."""
    return (np.array([W_POS * h, W_POS * h, 1e-2, W_POS * h]) ** 2,
            np.array([W_VEL * h, W_VEL * h, 1e-5, W_VEL * h]) ** 2)


def _r(h: float) -> np.ndarray:
    """Measurement noise at predicted height ``h``: std w_pos·h on u, v, h and 1e-1 on a."""
    return np.array([W_POS * h, W_POS * h, 1e-1, W_POS * h]) ** 2


def _states(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plausible (u, v, a, h) states with velocities, per-axis covariances and counters."""
    x = np.empty((k, 8))
    x[:, :2] = RNG.uniform(0, 1900, (k, 2))
    x[:, 2] = RNG.uniform(0.3, 0.6, k)
    x[:, 3] = RNG.uniform(20, 300, k)
    x[:, 4:] = RNG.normal(0, 2, (k, 4))
    var_pos, var_vel = RNG.uniform(1, 400, (k, 4)), RNG.uniform(1, 400, (k, 4))
    P = np.stack([var_pos, RNG.uniform(-0.9, 0.9, (k, 4)) * np.sqrt(var_pos * var_vel), var_vel], axis=1)
    counters = RNG.integers(0, 40, (k, 4))
    return x, P, counters


def _detections_near(x: np.ndarray, n: int) -> np.ndarray:
    """Measurements (n, 4), some right at a track, some a little or far off."""
    src = RNG.integers(0, len(x), n)
    scale = np.array([5, 5, 0.02, 5]) * RNG.choice([0.0, 1.0, 8.0], (n, 1))
    return x[src, :4] + RNG.normal(0, 1, (n, 4)) * scale


def test_predict_is_f_p_ft_plus_q_with_height_scaled_noise() -> None:
    x, P, counters = _states(9)
    for count_frame in (True, False):
        got_x, got_P, got_c = x.copy(), P.copy(), counters.copy()
        kernels.predict(got_x, got_P, got_c, count_frame, _Q_NOISE)
        for i in range(9):
            want_x, want_P = textbook.predict(x[i], textbook.full_covariance(P[i]), *_q(x[i, 3]))
            np.testing.assert_allclose(got_x[i], want_x, rtol=1e-12)
            np.testing.assert_allclose(textbook.full_covariance(got_P[i]), want_P, rtol=1e-12, atol=1e-9)
        want_c = counters.copy()
        if count_frame:
            want_c[:, 2:] += 1  # age and frames since the last match; hits and streak untouched
        np.testing.assert_array_equal(got_c, want_c)


@pytest.mark.parametrize("k,n", [(0, 4), (5, 0), (1, 1), (12, 9), (30, 40)])
def test_gate_is_the_squared_mahalanobis_distance(k: int, n: int) -> None:
    """Pairs (row of ``confirmed``, detection) with ``(z - Hx)ᵀ S⁻¹ (z - Hx) <= 9.4877``, row-major."""
    x, P, _ = _states(max(k, 1))
    z = _detections_near(x, n)
    confirmed = np.sort(RNG.choice(k, size=k // 2 + (k > 0), replace=False)) if k else np.zeros(0, np.int64)
    want = np.array([[textbook.squared_mahalanobis(x[i], textbook.full_covariance(P[i]), z[j], _r(x[i, 3]))
                      for j in range(n)] for i in confirmed]).reshape(len(confirmed), n)
    # Every distance (a gate of +inf keeps them all), in row-major order.
    _, _, every = kernels.gate(x, P, confirmed, z, motion.STD_WEIGHT_POSITION, _R_ASPECT, np.inf)
    np.testing.assert_allclose(every, want.ravel(), rtol=1e-9)
    rows, dets, dist = kernels.gate(x, P, confirmed, z, motion.STD_WEIGHT_POSITION, _R_ASPECT, G)
    inside = np.argwhere(want <= G)
    assert np.array_equal(np.stack([rows, dets], axis=1), inside.reshape(-1, 2))
    np.testing.assert_allclose(dist, want[want <= G], rtol=1e-9)


def _unit(*values: float) -> np.ndarray:
    v = np.zeros(4, np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def _pair_distance(g: Galleries, tracks, features: np.ndarray, dets) -> np.ndarray:
    return kernels.pair_distance(g.pool, g.rows, g.count, -1 if g.budget is None else g.budget,
                                 np.asarray(tracks, np.int64), features, np.asarray(dets, np.int64))


def test_pair_distance_is_the_nearest_cosine_distance() -> None:
    """``min over the gallery of 1 - <g, f>``; +inf for an empty gallery; a full ring drops its oldest."""
    e1, e2, e3, diag = _unit(1), _unit(0, 1), _unit(0, 0, 1), _unit(1, 1)
    g = Galleries(2)
    g.add(np.stack([e1, e1]))  # tracks 0 and 1
    g.add(1)  # track 2: no vector
    g.append(np.array([0, 1]), np.stack([diag, e2]))
    g.append(np.array([1]), e3[None])  # track 1 held e1, e2: e1 is overwritten
    features = np.stack([e1, e2, e3])
    got = _pair_distance(g, [0, 0, 0, 1, 1, 1, 2], features, [0, 1, 2, 0, 1, 2, 0])
    np.testing.assert_allclose(got[:6], [0.0, 1 - 1 / np.sqrt(2), 1.0, 1.0, 0.0, 0.0], atol=1e-6)
    assert got[6] == np.inf


@pytest.mark.parametrize("form", cascade.COSTS)
@pytest.mark.parametrize("lam", [0.0, 0.3, 0.5, 1.0])
def test_cascade_matrix_is_the_papers_cost_where_both_gates_pass(lam: float, form: str) -> None:
    """``c = λ·d⁽¹⁾ + (1-λ)·d⁽²⁾`` (d⁽¹⁾ the raw d², or d²·mcd/9.4877 for ``normalised``) where
    ``d² <= 9.4877`` and ``d⁽²⁾ <= max_cosine_distance``; every other entry is priced just above the
    threshold ``λ·gate⁽¹⁾ + (1-λ)·mcd``, the largest cost an admissible pair can have."""
    mcd = 0.2
    maha = [0.0, 1.0, 5.0, G, 9.49, 1.0, 3.0, 9.0, 20.0]
    app = [0.0, 0.1, 0.15, 0.2, 0.1, 0.21, np.inf, 0.19, 0.0]
    pr, pd = np.divmod(np.arange(9), 3)  # a 3 x 3 matrix, one pair per entry
    motion_gate = G if form == "paper" else mcd
    threshold = mcd if lam == 0 else lam * motion_gate + (1 - lam) * mcd
    got_threshold, scale = cascade.cost_threshold(lam, mcd, form)
    assert got_threshold == pytest.approx(threshold, rel=1e-12)
    got = kernels.cascade_matrix(3, 3, pr, pd, np.array(maha), np.array(app), lam, mcd, scale, G, got_threshold,
                                 got_threshold + 1e-5)
    for q in range(9):
        d1 = maha[q] if form == "paper" else maha[q] * (mcd / G)  # normalised: in the appearance term's units
        c = (1 - lam) * app[q] + lam * d1 if 0 < lam < 1 else (app[q] if lam == 0 else d1)
        admissible = maha[q] <= G and app[q] <= mcd
        want = c if admissible and c <= got_threshold else got_threshold + 1e-5
        assert got[pr[q], pd[q]] == pytest.approx(want, rel=1e-12), (q, maha[q], app[q])
    # Both gates apply at every λ: a pair past either gate is never admissible.
    assert got[1, 1] > got_threshold and got[1, 2] > got_threshold and got[2, 2] > got_threshold


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
    np.testing.assert_array_equal(want, left)


def test_iou_stage_takes_tentative_then_recently_missed_tracks_at_one_minus_iou() -> None:
    """Candidates: tentative tracks, then confirmed ones missed only this frame and not matched by the
    cascade; cost ``1 - IoU`` against the free detections, above ``max_iou_distance`` gated."""
    x = np.zeros((5, 8))
    x[:, :4] = [5.0, 5.0, 1.0, 10.0]  # box [0, 0, 10, 10]
    x[4, :4] = [4.0, 4.0, 1.0, 4.0]  # box [2, 2, 6, 6]
    confirmed = np.array([False, True, True, True, False])
    counters = np.zeros((5, 4), np.int64)
    counters[:, 3] = [1, 1, 1, 2, 1]  # frames since the last match
    matches = np.array([[2, 1]])  # track 2 was matched by the cascade
    boxes = np.array([[5.0, 0.0, 15.0, 10.0], [0.0, 0.0, 1.0, 1.0], [20.0, 20.0, 30.0, 30.0]])
    candidates, cost = kernels.iou_stage(x, confirmed, counters, matches, boxes, np.array([2, 0]), 0.7)
    assert candidates.tolist() == [0, 4, 1]
    gated = 0.7 + 1e-5
    # [0, 0, 10, 10] vs [5, 0, 15, 10]: IoU 50 / 150; [2, 2, 6, 6] vs it: 4 / 112 (gated).
    np.testing.assert_allclose(cost, [[gated, 1 - 50 / 150], [gated, gated], [gated, 1 - 50 / 150]], rtol=1e-12)


def test_correct_is_the_kalman_update_and_the_life_cycle() -> None:
    """Matched tracks: ``x + K (z - Hx)``, ``(I - K H) P`` with R from the predicted height; one more
    hit, confirmed at ``n_init`` hits.  Deleted: unmatched tentative tracks and those missed past ``max_age``."""
    x, P, counters = _states(10)
    confirmed = RNG.random(10) < 0.5
    counters[:, 0] = RNG.integers(1, 4, 10)
    z = _detections_near(x, 6)
    matches = np.array([[3, 5], [0, 1], [8, 0]])
    got_x, got_P, got_c, got_conf = x.copy(), P.copy(), counters.copy(), confirmed.copy()
    dead = kernels.correct(got_x, got_P, got_c, got_conf, matches, z, motion.STD_WEIGHT_POSITION, _R_ASPECT, 3, 30)
    matched = np.zeros(10, bool)
    matched[matches[:, 0]] = True
    for i, d in matches:
        want_x, want_P = textbook.update(x[i], textbook.full_covariance(P[i]), z[d], _r(x[i, 3]))
        np.testing.assert_allclose(got_x[i], want_x, rtol=1e-9)
        np.testing.assert_allclose(textbook.full_covariance(got_P[i]), want_P, rtol=1e-9, atol=1e-9)
        assert got_c[i].tolist() == [counters[i, 0] + 1, counters[i, 1] + 1, counters[i, 2], 0]
        assert got_conf[i] == (confirmed[i] or counters[i, 0] + 1 >= 3)
    np.testing.assert_array_equal(got_x[~matched], x[~matched])
    np.testing.assert_array_equal(got_c[~matched], counters[~matched])
    np.testing.assert_array_equal(dead, ~matched & (~confirmed | (counters[:, 3] > 30)))


def test_report_shows_confirmed_tracks_seen_this_or_last_frame() -> None:
    x, _, counters = _states(12)
    x[2, 3] = -1.0  # a height shrunk past zero
    x[5, 3] = np.nan
    confirmed = RNG.random(12) < 0.7
    confirmed[[2, 5]] = True
    counters[[2, 5], 3] = 1
    shown = confirmed & (counters[:, 3] <= 1) & (x[:, 3] > 0)
    got_i, got_b = kernels.report(x, confirmed, counters)
    np.testing.assert_array_equal(np.flatnonzero(shown), got_i)
    u, v, a, h = x[shown, :4].T
    np.testing.assert_allclose(got_b, np.stack([u - a * h / 2, v - h / 2, u + a * h / 2, v + h / 2], axis=1),
                               rtol=1e-12)

"""The compiled pieces of ByteTrack and OC-SORT against formulas written out here.

What the trackers must do is defined by the authors' code: whole-tracker equality with the
ports in ``tests/oracles/`` on real sequences is in ``test_bytetrack.py`` and
``test_ocsort.py``.  These tests pin the pieces those runs are built from, each against the
formula as a paper or textbook writes it (IoU of hand-computed boxes, one Kalman step in full
matrices, the matchers' rules, OC-SORT's momentum term), so a broken piece is named directly.
"""

from __future__ import annotations

import numpy as np
import pytest
import textbook
from scipy.optimize import linear_sum_assignment

from trackbench.trackers.core import jit, kalman
from trackbench.trackers.bytetrack import kernels as bt
from trackbench.trackers.ocsort import kernels as oc

RNG = np.random.default_rng(7)

# Hand-computed IoUs of corner boxes against A = [0, 0, 10, 10] (area 100).
A = [0.0, 0.0, 10.0, 10.0]
IOU_WITH_A = [
    ([5.0, 0.0, 15.0, 10.0], 50 / 150),  # half overlap: 50 / (100 + 100 - 50)
    ([2.0, 2.0, 6.0, 6.0], 16 / 100),  # contained
    ([20.0, 20.0, 30.0, 30.0], 0.0),  # apart
    ([10.0, 0.0, 20.0, 10.0], 0.0),  # touching edges
    ([3.0, 3.0, 3.0, 3.0], 0.0),  # empty box
    (A, 1.0),
]
# The same with inclusive pixel extents (+1 on the far corners, as cython_bbox): A is 11 x 11.
INCLUSIVE_IOU_WITH_A = [
    ([5.0, 0.0, 15.0, 10.0], 66 / (121 + 121 - 66)),  # overlap 6 x 11
    ([2.0, 2.0, 6.0, 6.0], 25 / 121),
    ([10.0, 0.0, 20.0, 10.0], 11 / (121 + 121 - 11)),  # a shared pixel column
    (A, 1.0),
]


def _boxes(rows) -> np.ndarray:
    return np.array(rows, float).reshape(-1, 4)


@pytest.mark.parametrize("inclusive, cases", [(False, IOU_WITH_A), (True, INCLUSIVE_IOU_WITH_A)])
def test_iou_of_hand_computed_boxes(inclusive: bool, cases) -> None:
    others = _boxes([b for b, _ in cases])
    want = np.array([v for _, v in cases])
    a = _boxes([A])
    n = len(others)
    np.testing.assert_allclose(1.0 - bt.cost_matrix(a, np.arange(1), others, np.arange(n), np.ones(n), False,
                                                    inclusive)[0], want, rtol=0, atol=1e-12)
    if not inclusive:
        np.testing.assert_allclose(oc.iou_rows(others, np.arange(n), a, np.arange(1))[:, 0], want, rtol=0, atol=1e-12)
        for box, value in cases:
            assert jit.iou(*A, *box) == pytest.approx(value, abs=1e-12)


def test_fused_cost_is_one_minus_iou_times_score() -> None:
    """ByteTrack's first round: ``1 - IoU · score``; selected tracks and detections by index."""
    tracks = _boxes([[100, 100, 110, 110], A])
    dets = _boxes([[50, 50, 60, 60], [5, 0, 15, 10], [2, 2, 6, 6]])
    scores = np.array([0.9, 0.5, 0.8])
    cost = bt.cost_matrix(tracks, np.array([1]), dets, np.array([2, 1]), scores, True, False)
    np.testing.assert_allclose(cost, [[1 - 0.16 * 0.8, 1 - (1 / 3) * 0.5]], rtol=0, atol=1e-12)


# --- Kalman filter -------------------------------------------------------------------


def _states(k: int, m: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """States (K, 2m) and per-axis covariances (K, 3, m) that are positive definite per axis."""
    x = RNG.normal(size=(k, 2 * m)) * 50
    var_pos, var_vel = RNG.uniform(1, 20, (k, m)), RNG.uniform(1, 20, (k, m))
    cov = RNG.uniform(-0.9, 0.9, (k, m)) * np.sqrt(var_pos * var_vel)
    return x, np.stack([var_pos, cov, var_vel], axis=1)


def _per_axis(step, x: np.ndarray, P: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A kernel's one-track, one-axis step applied to every track and axis of copies of (x, P)."""
    x, P = x.copy(), P.copy()
    for i in range(len(x)):
        for k in range(P.shape[2]):
            step(x, P, i, k, a[i, k], b[i, k])
    return x, P


def _assert_textbook(got_x: np.ndarray, got_P: np.ndarray, want) -> None:
    for i, (wx, wP) in enumerate(want):
        np.testing.assert_allclose(got_x[i], wx, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(textbook.full_covariance(got_P[i]), wP, rtol=1e-12, atol=1e-9)


def test_kalman_predict_is_f_p_ft_plus_q() -> None:
    """The per-axis filter (NumPy, and the kernels' one-axis step) equals ``F x``, ``F P Fᵀ + Q``."""
    x, P = _states(6)
    q_pos, q_vel = RNG.uniform(0, 5, (6, 4)), RNG.uniform(0, 5, (6, 4))
    want = [textbook.predict(x[i], textbook.full_covariance(P[i]), q_pos[i], q_vel[i]) for i in range(6)]
    _assert_textbook(*kalman.predict(x, P, q_pos, q_vel), want)
    _assert_textbook(*_per_axis(jit.predict_axis, x, P, q_pos, q_vel), want)


def test_kalman_update_is_the_gain_formula() -> None:
    """The per-axis correction equals ``x + K (z - H x)``, ``(I - K H) P`` with ``K = P Hᵀ (H P Hᵀ + R)⁻¹``."""
    x, P = _states(6)
    z = x[:, :4] + RNG.normal(size=(6, 4)) * 5
    r = RNG.uniform(0.5, 10, (6, 4))
    want = [textbook.update(x[i], textbook.full_covariance(P[i]), z[i], r[i]) for i in range(6)]
    _assert_textbook(*kalman.update(x, P, z, r), want)
    _assert_textbook(*_per_axis(jit.update_axis, x, P, z, r), want)


# --- matchers' bookkeeping --------------------------------------------------------------


def _matrices():
    for rows, cols in [(0, 4), (3, 0), (1, 1), (5, 7), (9, 6), (25, 30)]:
        for density in (0.05, 0.3, 0.9):
            m = np.round(RNG.random((rows, cols)), 2)
            m[RNG.random((rows, cols)) > density] = 0.0
            yield m  # IoU-like: mostly 0, some overlaps, ties from rounding


def _complement(size: int, taken) -> list[int]:
    return [i for i in range(size) if i not in set(taken)]


def test_shortcut_gives_the_only_admissible_pairs() -> None:
    """When every row and column has at most one admissible entry the assignment is those entries
    (no solver); otherwise the shortcut declines."""
    for iou in _matrices():
        for above, m, t in ((True, iou, 0.3), (False, 1.0 - iou, 0.8)):
            admissible = m > t if above else m <= t
            ok, matches, free_rows, free_cols = jit.unique_pairs(m, t, above)
            unique = (admissible.sum(axis=1) <= 1).all() and (admissible.sum(axis=0) <= 1).all()
            assert ok == bool(unique)
            if ok:
                assert matches.tolist() == np.argwhere(admissible).tolist()  # row order
                assert free_rows.tolist() == _complement(m.shape[0], matches[:, 0])
                assert free_cols.tolist() == _complement(m.shape[1], matches[:, 1])


def test_cost_limited_assignment_keeps_the_solvers_pairs_within_the_limit() -> None:
    """ByteTrack's rounds (lap's ``cost_limit``): entries above the limit cost the limit in the solver;
    the solver's pairs above it are dropped; free rows and columns ascending."""
    limit = 0.8
    for iou in _matrices():
        cost = 1.0 - iou
        cost[RNG.random(cost.shape) < 0.05] = np.inf
        gated = jit.gated(cost, limit)
        np.testing.assert_array_equal(gated, np.where(np.isfinite(cost) & (cost <= limit), cost, limit))
        r, c = linear_sum_assignment(gated)
        matches, free_rows, free_cols = jit.limited_pairs(r, c, cost, limit)
        kept = [(i, j) for i, j in zip(r, c) if cost[i, j] <= limit]
        assert matches.tolist() == [list(p) for p in kept]
        assert free_rows.tolist() == _complement(cost.shape[0], [i for i, _ in kept])
        assert free_cols.tolist() == _complement(cost.shape[1], [j for _, j in kept])


def test_iou_assignment_lists_unmatched_in_the_references_order() -> None:
    """OC-SORT's solver step: pairs under the threshold are rejected; unmatched rows and columns are
    the never-assigned ones ascending, then the rejected ones in assignment order (which decides ids)."""
    for iou in _matrices():
        r, c = linear_sum_assignment(-iou)
        matches, free_rows, free_cols = jit.iou_pairs(r, c, iou, 0.3)
        low = iou[r, c] < 0.3
        assert matches.tolist() == np.stack([r[~low], c[~low]], axis=1).tolist()
        assert free_rows.tolist() == _complement(iou.shape[0], r) + r[low].tolist()
        assert free_cols.tolist() == _complement(iou.shape[1], c) + c[low].tolist()


# --- OC-SORT ---------------------------------------------------------------------------


def test_ocsort_momentum_term_is_the_papers() -> None:
    """OCM adds ``inertia · score · (π/2 - θ) / π``, θ the angle between the track's direction and the
    one from its earlier observation to the detection: ½·inertia·score along the motion (θ = 0), 0
    across it (θ = π/2), -½·inertia·score against it (θ = π); 0 for a track without an observation."""
    inertia = 0.2
    previous = np.array([[0.0, 0.0, 10.0, 10.0, 0.9],  # centre (5, 5), moving right: direction (dy, dx) = (0, 1)
                         [0.0, 0.0, 10.0, 10.0, -1.0]])  # no observation yet (the reference's placeholder)
    velocity = np.array([[0.0, 1.0], [0.0, 1.0]])
    dets = _boxes([[20, 0, 30, 10], [0, 40, 10, 50], [-30, 0, -20, 10]])  # right of, below, left of (5, 5)
    scores = np.array([0.5, 0.8, 1.0])
    iou = np.array([[0.1, 0.2], [0.3, 0.0], [0.0, 0.4]])  # (detections, tracks)
    cos = oc.momentum_cos(dets, np.arange(3), previous, velocity)
    np.testing.assert_allclose(cos[0], [1.0, 0.0, -1.0], atol=1e-6)
    got = oc.negated_gain(iou, np.arccos(cos), previous, scores, np.arange(3), inertia)
    gain = inertia * scores * np.array([0.5, 0.0, -0.5])  # (π/2 - θ) / π for θ = 0, π/2, π
    # The reference's 1e-6 added to the norm leaves cos just under ±1, where arccos is steep: θ ≈ 3e-4 here.
    np.testing.assert_allclose(got, -(iou + np.stack([gain, np.zeros(3)], axis=1)), atol=1e-4)


def test_ocsort_prediction_is_sorts_filter_step() -> None:
    """SORT's step on (u, v, s, r): an area that would turn negative loses its velocity first; then
    ``F P Fᵀ + Q`` with SORT's noise, the counters, and boxes ``w = √(s·r)``, ``h = s / w``."""
    from trackbench.trackers.core.sort_motion import Q_POS, Q_VEL

    x, P = _states(5)
    x[:, 2], x[:, 3] = RNG.uniform(500, 5000, 5), RNG.uniform(0.3, 0.6, 5)
    x[:, 7] = 0.0  # the aspect ratio has no velocity
    x[0, 6] = -x[0, 2] - 1.0  # this area would turn negative
    counters = np.array([[3, 2, 5, 0], [3, 2, 5, 1], [1, 0, 1, 0], [4, 4, 9, 0], [2, 1, 7, 3]])
    want_in = x.copy()
    want_in[0, 6] = 0.0
    want = [textbook.predict(want_in[i], textbook.full_covariance(P[i]), Q_POS, Q_VEL) for i in range(5)]
    want_counters = counters.copy()
    want_counters[counters[:, 3] > 0, 1] = 0  # a missed track's streak restarts
    want_counters[:, 2:] += 1  # age, frames since the last match
    got_x, got_P, got_c = x.copy(), P.copy(), counters.copy()
    boxes, finite = oc.predict(got_x, got_P, got_c, True, Q_POS, Q_VEL)
    assert finite
    _assert_textbook(got_x, got_P, want)
    np.testing.assert_array_equal(got_c, want_counters)
    u, v, s, r = (np.array([w[0][k] for w in want]) for k in range(4))
    w = np.sqrt(s * r)
    np.testing.assert_allclose(boxes, np.stack([u - w / 2, v - s / w / 2, u + w / 2, v + s / w / 2], axis=1),
                               rtol=1e-12)
    got_c = counters.copy()
    oc.predict(x.copy(), P.copy(), got_c, False, Q_POS, Q_VEL)
    np.testing.assert_array_equal(got_c, counters)  # no detector run: counters stay


# --- ByteTrack -------------------------------------------------------------------------


def test_bytetrack_prediction_is_deep_sorts_filter_step() -> None:
    """ByteTrack's first kernel predicts its pool (tracked tracks, then lost ones, in list order) with
    ``F P Fᵀ + Q``, Q Deep SORT's height-scaled noise from the state before the step; a lost track's
    height velocity is zeroed first.  Boxes: ``w = a·h``, corners around (u, v)."""
    from trackbench.trackers.core import deepsort_motion as motion

    w_pos, w_vel = motion.STD_WEIGHT_POSITION, motion.STD_WEIGHT_VELOCITY
    x, P = _states(6)
    x[:, :2] = RNG.uniform(0, 600, (6, 2))
    x[:, 2], x[:, 3] = RNG.uniform(0.3, 0.6, 6), RNG.uniform(40, 300, 6)
    lost = np.array([False, True, False, True, False, False])
    want_in = x.copy()
    want_in[lost, 7] = 0.0
    want = []
    for i in range(6):
        h = want_in[i, 3]
        q_pos = np.array([(w_pos * h) ** 2, (w_pos * h) ** 2, 1e-2 ** 2, (w_pos * h) ** 2])
        q_vel = np.array([(w_vel * h) ** 2, (w_vel * h) ** 2, 1e-5 ** 2, (w_vel * h) ** 2])
        want.append(textbook.predict(want_in[i], textbook.full_covariance(P[i]), q_pos, q_vel))
    noise = (w_pos, w_vel, motion.ASPECT_STD_Q_POS, motion.ASPECT_STD_Q_VEL, motion.ASPECT_STD_R)
    got_x, got_P = x.copy(), P.copy()
    pool, _, _, pool_boxes, *_ = bt.first_round(got_x, got_P, np.ones(6, bool), lost, np.arange(6), np.zeros((0, 4)),
                                                np.zeros(0), 0.6, True, True, 0.9, noise)
    assert pool.tolist() == [0, 2, 4, 5, 1, 3]  # tracked ones, then lost ones, in list order
    _assert_textbook(got_x, got_P, want)
    u, v, a, h = (np.array([want[i][0][k] for i in pool]) for k in range(4))
    np.testing.assert_allclose(pool_boxes, np.stack([u - a * h / 2, v - h / 2, u + a * h / 2, v + h / 2], axis=1),
                               rtol=1e-12)

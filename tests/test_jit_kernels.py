"""The compiled kernels of ByteTrack and OC-SORT equal the NumPy definitions they repeat, bit for bit.

The NumPy functions (``iou_matrix``, the per-axis Kalman filter, the shared matchers,
OC-SORT's ``momentum_gain``) stay the definitions; the kernels in ``trackers/core/jit.py``
and the trackers' ``kernels.py`` repeat their arithmetic.  Inputs are random boxes and
states with the degenerate cases mixed in (empty boxes, ties, no candidate at all).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from trackbench.datasets.boxes import iou_matrix
from trackbench.trackers.core import jit, kalman
from trackbench.trackers.core.assignment import cost_limited_matching, max_iou_matching
from trackbench.trackers.bytetrack import kernels as bt
from trackbench.trackers.ocsort import kernels as oc
from trackbench.trackers.ocsort.tracker import momentum_gain

RNG = np.random.default_rng(7)


def _boxes(n: int) -> np.ndarray:
    xy = RNG.uniform(-20, 200, (n, 2))
    wh = RNG.uniform(0, 60, (n, 2))
    wh[RNG.random(n) < 0.1] = 0.0  # empty boxes
    boxes = np.concatenate([xy, xy + wh], axis=1)
    if n > 2:
        boxes[1] = boxes[0]  # an exact duplicate
    return np.round(boxes, 1)  # coarse values make equal overlaps (ties) likely


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("inclusive", [False, True])
def test_iou_equals_iou_matrix(inclusive: bool) -> None:
    for n, m in [(0, 3), (4, 0), (7, 9), (20, 30)]:
        a, b = _boxes(n), _boxes(m)
        want = iou_matrix(a, b, pixel_inclusive=inclusive)
        cost = bt.cost_matrix(a, np.arange(n), b, np.arange(m), np.ones(m), False, inclusive)
        _same(1.0 - want, cost)
        if not inclusive:
            _same(want, oc.iou_rows(b, np.arange(m), a, np.arange(n)).T)


def _per_axis(step, x: np.ndarray, P: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A kernel's one-track, one-axis step applied to every track and axis of copies of (x, P)."""
    x, P = x.copy(), P.copy()
    for i in range(len(x)):
        for k in range(P.shape[2]):
            step(x, P, i, k, a[i, k], b[i, k])
    return x, P


def test_kalman_steps_equal_the_batched_filter() -> None:
    x, P = RNG.normal(size=(6, 8)) * 50, np.abs(RNG.normal(size=(6, 3, 4))) * 10
    q_pos, q_vel, r, z = (np.abs(RNG.normal(size=(6, 4))) for _ in range(4))
    for want, got in zip(kalman.predict(x, P, q_pos, q_vel), _per_axis(jit.predict_axis, x, P, q_pos, q_vel)):
        _same(want, got)
    for want, got in zip(kalman.update(x, P, z, r), _per_axis(jit.update_axis, x, P, z, r)):
        _same(want, got)


def _matrices():
    for rows, cols in [(0, 4), (3, 0), (1, 1), (5, 7), (9, 6), (25, 30)]:
        for density in (0.05, 0.3, 0.9):
            m = np.round(RNG.random((rows, cols)), 2)
            m[RNG.random((rows, cols)) > density] = 1.0
            yield 1.0 - m  # IoU-like: mostly 0, some overlaps, ties from rounding


def test_cost_limited_matching_equals_the_shared_matcher() -> None:
    for iou in _matrices():
        cost = 1.0 - iou
        want = cost_limited_matching(cost, 0.8)
        ok, matches, free_rows, free_cols = jit.unique_pairs(cost, 0.8, False)
        if not ok:
            r, c = linear_sum_assignment(jit.gated(cost, 0.8))
            matches, free_rows, free_cols = jit.limited_pairs(r, c, cost, 0.8)
        for w, g in zip(want, (matches, free_rows, free_cols)):
            _same(np.asarray(w, np.int64).reshape(g.shape), g)


def test_max_iou_matching_equals_the_shared_matcher() -> None:
    for iou in _matrices():
        want = max_iou_matching(iou, 0.3)
        ok, matches, free_rows, free_cols = jit.unique_pairs(iou, 0.3, True)
        if not (ok and len(matches)):
            if iou.size == 0:
                continue  # the trackers call the shared matcher for empty matrices
            r, c = linear_sum_assignment(-iou)
            matches, free_rows, free_cols = jit.iou_pairs(r, c, iou, 0.3)
        for w, g in zip(want, (matches, free_rows, free_cols)):
            _same(np.asarray(w, np.int64).reshape(g.shape), g)


def test_ocsort_solver_input_equals_iou_plus_momentum_gain() -> None:
    for n, k in [(1, 1), (6, 4), (12, 20)]:
        boxes = _boxes(n)
        scores = RNG.random(n)
        previous = np.concatenate([_boxes(k), RNG.random((k, 1))], axis=1)
        previous[RNG.random(k) < 0.3] = -1.0  # tracks without an observation
        velocity = RNG.normal(size=(k, 2))
        velocity /= np.linalg.norm(velocity, axis=1, keepdims=True)
        velocity[0] = 0.0
        iou = iou_matrix(boxes, _boxes(k))
        dets = np.concatenate([boxes, scores[:, None]], axis=1)
        want = -(iou + momentum_gain(dets, scores, previous, velocity, 0.2))
        arccos = np.arccos(oc.momentum_cos(boxes, np.arange(n), previous, velocity))
        _same(want, oc.negated_gain(iou, arccos, previous, scores, np.arange(n), 0.2))


def test_ocsort_prediction_equals_sort_motion() -> None:
    """The OC-SORT kernel's step equals ``sort_motion.predict_tracks`` (area clamp, counters, boxes)."""
    from trackbench.trackers.core.sort_motion import Q_POS, Q_VEL, initiate, predict_tracks
    from trackbench.trackers.core.tracks import TrackStore

    want, got = TrackStore(4), TrackStore(4)
    start = _boxes(8) + [0.0, 0.0, 5.0, 5.0]
    for store in (want, got):
        store.add(*initiate(start))
    velocity = RNG.normal(size=(8, 4)) * [3.0, 3.0, 400.0, 0.0]
    velocity[0, 2] = -1e6  # an area that would turn negative: the clamp
    for store in (want, got):
        store.x[:, 4:] = velocity
        store.time_since_update[::2] = 1
        store.hit_streak[:] = 2
    boxes = predict_tracks(want)
    got_boxes, finite = oc.predict(got.x, got.P, got.counters, True, Q_POS, Q_VEL)
    assert finite
    _same(boxes, got_boxes)
    _same(want.x, got.x)
    _same(want.P, got.P)
    _same(want.counters, got.counters)


def test_bytetrack_prediction_equals_deepsort_motion() -> None:
    """ByteTrack's first kernel predicts its pool as ``kalman.predict`` with Deep SORT's height-scaled noise."""
    from trackbench.trackers.core import deepsort_motion as motion

    z = motion.boxes_to_xyah(_boxes(6) + [0.0, 0.0, 5.0, 5.0])
    x, P = kalman.initiate(z, *motion.initial_variance(z))
    x[:, 4:] = RNG.normal(size=(6, 4))
    lost = np.array([False, True, False, True, False, False])
    want_in = x.copy()
    want_in[lost, 7] = 0.0  # a lost track's height velocity is zeroed first
    want_x, want_P = kalman.predict(want_in, P, *motion.process_noise(want_in))
    noise = (motion.STD_WEIGHT_POSITION, motion.STD_WEIGHT_VELOCITY, motion.ASPECT_STD_Q_POS, motion.ASPECT_STD_Q_VEL,
             motion.ASPECT_STD_R)
    got_x, got_P = x.copy(), P.copy()
    pool, _, _, pool_boxes, *_ = bt.first_round(got_x, got_P, np.ones(6, bool), lost, np.arange(6), np.zeros((0, 4)),
                                                np.zeros(0), 0.6, True, True, 0.9, noise)
    assert pool.tolist() == [0, 2, 4, 5, 1, 3]  # tracked ones, then lost ones, in list order
    _same(want_x, got_x)
    _same(want_P, got_P)
    _same(motion.xyah_to_boxes(want_x[pool]), pool_boxes)

"""Deep SORT's batched steps equal their one-at-a-time definitions on generated cases.

The cascade runs every level on one gated matrix, the solver step skips
work :func:`gated_matching` does, and appearance is computed only at the
pairs inside the motion gate; each is checked here against the plain form
(the oracle's per-level matching, ``gated_matching``, the full distance
matrix), ties and gated entries included, so the order of leftover detections
(which decides new track ids) is covered too.
"""

from __future__ import annotations

import numpy as np
import pytest

from oracles.deepsort_ref import min_cost_matching
from trackbench.trackers.core.assignment import gate_costs, gated_matching, solve_gated
from trackbench.trackers.deepsort import cascade
from trackbench.trackers.deepsort.appearance import Galleries

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra: pip install trackbench[test]")
from hypothesis import given, settings, strategies as st  # noqa: E402

THRESHOLD = 0.2
#: Few distinct values, so the solver meets ties; 0.25 and 1e5 are above the threshold (gated).
VALUES = st.sampled_from([0.0, 0.05, 0.1, 0.1, 0.15, 0.2, 0.25, 1e5])


@st.composite
def problems(draw) -> tuple[np.ndarray, np.ndarray]:
    k, n = draw(st.integers(1, 6)), draw(st.integers(1, 7))
    cost = np.array(draw(st.lists(VALUES, min_size=k * n, max_size=k * n))).reshape(k, n)
    levels = np.array(draw(st.lists(st.integers(1, 4), min_size=k, max_size=k)))
    return cost, levels


@settings(max_examples=300, deadline=None)
@given(problems())
def test_cascade_equals_the_reference_level_by_level(problem) -> None:
    cost, since = problem
    k, n = cost.shape
    max_age = 3  # level 4 is past max_age: never matched
    free, expected = list(range(n)), []
    for level in range(1, max_age + 1):
        if not free:
            break
        rows = [i for i in range(k) if since[i] == level]
        if not rows:
            continue
        found, _, free = min_cost_matching(cost[np.ix_(rows, free)], THRESHOLD, rows, free)
        expected += found
    matches, left = cascade.matching_cascade(cost, np.ones(cost.shape, bool), since, max_age, THRESHOLD, np.arange(n))
    assert [tuple(m) for m in matches.tolist()] == [(int(a), int(b)) for a, b in expected]
    assert left.tolist() == [int(d) for d in free]


@settings(max_examples=300, deadline=None)
@given(problems(), st.data())
def test_solve_gated_equals_gated_matching(problem, data) -> None:
    cost, _ = problem
    k, n = cost.shape
    admissible = np.array(data.draw(st.lists(st.booleans(), min_size=k * n, max_size=k * n))).reshape(k, n)
    labels = np.array(data.draw(st.permutations(range(100, 100 + n))))
    matches, _, unmatched = gated_matching(cost, THRESHOLD, admissible)
    rows, cols, left = solve_gated(gate_costs(cost, THRESHOLD, admissible), THRESHOLD, labels)
    assert rows.tolist() == matches[:, 0].tolist()
    assert cols.tolist() == labels[matches[:, 1]].tolist()
    assert left.tolist() == labels[unmatched].tolist()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 3, None]))
def test_pair_distance_equals_the_full_matrix_at_each_pair(seed, budget) -> None:
    """Galleries of every fill (empty of vectors past a track's size, reused rows, full ring buffers)."""
    rng = np.random.default_rng(seed)

    def vectors(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 16)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    g, live = Galleries(budget), 0
    for _ in range(int(rng.integers(1, 15))):
        action = int(rng.integers(3))
        if action == 0 or live == 0:
            n = int(rng.integers(1, 4))
            g.add(vectors(n))
            live += n
        elif action == 1:
            tracks = rng.choice(live, size=int(rng.integers(1, live + 1)), replace=False)
            g.append(tracks, vectors(len(tracks)))
        else:
            keep = rng.random(live) < 0.7
            g.keep(keep)
            live = int(keep.sum())
    if live == 0:
        g.add(vectors(1))
        live = 1
    queries = vectors(5)
    full = g.distance(np.arange(live), queries)
    tracks, dets = rng.integers(0, live, 25), rng.integers(0, 5, 25)
    np.testing.assert_allclose(g.pair_distance(tracks, queries[dets]), full[tracks, dets], rtol=0, atol=1e-6)
    # Pairs listed track by track, as the cascade lists them (a crowd's in-place product over the pool).
    order = np.argsort(tracks, kind="stable")
    np.testing.assert_allclose(g.pair_distance(tracks[order], queries[dets[order]]), full[tracks[order], dets[order]],
                               rtol=0, atol=1e-6)
    # Saturated: distances up to 1 unchanged, those above 1 may read 1 (never less, never more than exact).
    saturated, exact = g.pair_distance(tracks, queries[dets], saturate=True), full[tracks, dets]
    np.testing.assert_allclose(np.minimum(saturated, 1.0), np.minimum(exact, 1.0), rtol=0, atol=1e-6)
    assert (saturated <= exact + 1e-6).all()

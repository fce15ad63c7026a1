"""Deep SORT's batched association equals the reference's one-at-a-time form on generated cases.

The cascade runs every level on one gated matrix (with compiled level planning), each
solve goes through ``solve_gated``, and appearance is computed only at the pairs inside the
motion gate; each is checked here against the plain form — the oracle's per-level
``min_cost_matching`` and the nearest-neighbour cosine distance written out — ties, gated
entries and levels outside ``1..max_age`` included, so the order of leftover detections
(which decides new track ids) is covered too.
"""

from __future__ import annotations

import numpy as np
import pytest

from oracles.deepsort_ref import min_cost_matching
from trackbench.trackers.core.assignment import solve_gated
from trackbench.trackers.deepsort import cascade, kernels
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
    levels = np.array(draw(st.lists(st.integers(0, 5), min_size=k, max_size=k)))
    return cost, levels


@settings(max_examples=300, deadline=None)
@given(problems(), st.data())
def test_cascade_equals_the_reference_level_by_level(problem, data) -> None:
    cost, since = problem
    k, n = cost.shape
    max_age = 3  # levels 0, 4 and 5 are outside 1..max_age: never matched
    # Columns (detections) some earlier step left, in its order: a permutation of some of them.
    labels = data.draw(st.permutations(range(n)))[: data.draw(st.integers(1, n))]
    free, expected = list(labels), []
    for level in range(1, max_age + 1):
        if not free:
            break
        rows = [i for i in range(k) if since[i] == level]
        if not rows:
            continue
        found, _, free = min_cost_matching(cost[np.ix_(rows, free)], THRESHOLD, rows, free)
        expected += found
    gated = np.where(cost <= THRESHOLD, cost, THRESHOLD + 1e-5)  # the reference's pricing of gated entries
    matches, left = cascade.matching_cascade(gated, since.astype(np.int64), max_age, THRESHOLD,
                                             np.array(labels, np.int64))
    assert [tuple(m) for m in matches.tolist()] == [(int(a), int(b)) for a, b in expected]
    assert left.tolist() == [int(d) for d in free]


@settings(max_examples=300, deadline=None)
@given(problems(), st.data())
def test_solve_gated_equals_the_reference_matching(problem, data) -> None:
    cost, _ = problem
    k, n = cost.shape
    admissible = np.array(data.draw(st.lists(st.booleans(), min_size=k * n, max_size=k * n))).reshape(k, n)
    labels = data.draw(st.permutations(range(100, 100 + n)))
    want, _, want_left = min_cost_matching(np.where(admissible, cost, 1e5), THRESHOLD, list(range(k)), labels)
    gated = np.where(admissible & (cost <= THRESHOLD), cost, THRESHOLD + 1e-5)
    rows, cols, left = solve_gated(gated, THRESHOLD, np.array(labels))
    assert list(zip(rows.tolist(), cols.tolist())) == want
    assert left.tolist() == want_left


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 3, None]))
def test_pair_distance_is_the_nearest_cosine_distance_at_each_pair(seed, budget) -> None:
    """Galleries of every fill (empty of vectors past a track's size, reused rows, full ring buffers)
    against ``min over the gallery's last nn_budget vectors of 1 - <g, f>``, kept in a plain list here."""
    rng = np.random.default_rng(seed)

    def vectors(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 16)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    g, plain = Galleries(budget), []  # plain: each live track's vectors, oldest first
    for _ in range(int(rng.integers(1, 15))):
        action = int(rng.integers(3))
        if action == 0 or not plain:
            new = vectors(int(rng.integers(1, 4)))
            g.add(new)
            plain += [[v] for v in new]
        elif action == 1:
            tracks = rng.choice(len(plain), size=int(rng.integers(1, len(plain) + 1)), replace=False)
            new = vectors(len(tracks))
            g.append(tracks, new)
            for t, v in zip(tracks, new):
                plain[t].append(v)
        else:
            keep = rng.random(len(plain)) < 0.7
            g.keep(keep)
            plain = [vs for vs, kept in zip(plain, keep) if kept]
    if not plain:
        g.add(vectors(1))
        plain = [[g.pool[g.rows[0], 0].copy()]]
    queries = vectors(5)
    tracks, dets = rng.integers(0, len(plain), 25), rng.integers(0, 5, 25)
    want = [min(1.0 - float(v @ queries[d]) for v in plain[t][-budget if budget else 0:]) for t, d in zip(tracks, dets)]
    for order in (np.arange(25), np.argsort(tracks, kind="stable")):  # any order, and track by track as the cascade
        got = kernels.pair_distance(g.pool, g.rows, g.count, -1 if budget is None else budget, tracks[order],
                                    queries, dets[order])
        np.testing.assert_allclose(got, np.array(want)[order], rtol=0, atol=1e-6)

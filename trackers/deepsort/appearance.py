"""Appearance galleries for Deep SORT's nearest-neighbour cosine distance.

Each track keeps the appearance vectors of the detections it was built from,
at most the last ``nn_budget`` of them (None: all).  The distance of a track
to a detection is the smallest cosine distance ``1 - <g, f>`` over the
track's gallery, with vectors L2-normalised (the embedders' contract).

All galleries live in one padded pool ``(R, capacity, D)``; each track holds
one pool row, a ring buffer, so adding a vector to a full gallery overwrites
its oldest, and slots not yet filled hold zero vectors.  The capacity grows by
doubling up to ``nn_budget``, so short tracks cost little.  This module only
stores the vectors: the distance is taken by the compiled
:func:`trackbench.trackers.deepsort.kernels.pair_distance`, and only at the
(track, detection) pairs inside the motion gate, straight from the pool's
arrays (``pool``, ``rows``, ``count``).

Which vectors count matches the reference implementation: a tentative track
collects vectors from its first detection on and, once confirmed, matches on
the latest ``nn_budget`` of them; only confirmed tracks are ever compared.
"""

from __future__ import annotations

import numpy as np


class Galleries:
    """Ring buffers of appearance vectors, one per track, aligned with the track store.

    Galleries live in a pool of rows ``(R, capacity, D)``; a track holds one
    row (``rows``), and a deleted track's row is reused by a later one, so
    starting and deleting tracks copies no vectors.
    """

    def __init__(self, budget: int | None) -> None:
        if budget is not None and budget < 1:
            raise ValueError("nn_budget must be >= 1 or None")
        self.budget = budget
        self.pool: np.ndarray | None = None  # (R, capacity, D) float32, allocated at the first vector
        self.count = np.zeros(0, np.int64)  # vectors ever added, per pool row
        self.rows = np.zeros(0, np.int64)  # pool row of each track
        self._free: list[int] = []  # pool rows not in use

    def _grow(self, dim: int | None, capacity: int, rows: int) -> None:
        """Make room for ``rows`` pool rows of ``capacity`` vectors of length ``dim``."""
        if rows > len(self.count):
            self.count = np.concatenate([self.count, np.zeros(rows - len(self.count), np.int64)])
        if dim is None:
            if self.pool is None:
                return
            dim = self.pool.shape[2]
        if self.pool is None:
            self.pool = np.zeros((len(self.count), max(capacity, 1), dim), np.float32)
            return
        if self.pool.shape[2] != dim:
            raise ValueError(f"appearance vectors changed length: {self.pool.shape[2]} -> {dim}")
        have_rows, have_cap = self.pool.shape[:2]
        if capacity > have_cap:
            capacity = max(capacity, 2 * have_cap)
            if self.budget is not None:
                capacity = min(capacity, self.budget)
        else:
            capacity = have_cap
        if capacity > have_cap or len(self.count) > have_rows:
            bigger = np.zeros((len(self.count), capacity, dim), np.float32)
            bigger[:have_rows, :have_cap] = self.pool
            self.pool = bigger

    def add(self, features: np.ndarray | int) -> None:
        """Galleries for new tracks (appended), each holding its first detection's vector.

        An int adds that many empty galleries (detections without vectors).
        """
        k = features if isinstance(features, int) else len(features)
        if k == 0:
            return
        shortfall = k - len(self._free)
        if shortfall > 0:
            start = len(self.count)
            total = max(start + shortfall, 2 * start)
            self._free.extend(range(total - 1, start - 1, -1))
            self._grow(None, 1, total)
        new = np.array(self._free[-k:][::-1], np.int64)  # the same rows k pops would give, in one slice
        del self._free[-k:]
        self.rows = np.concatenate([self.rows, new])
        if self.pool is not None:
            self.pool[new] = 0.0  # a reused row forgets its last owner: unfilled slots are zero vectors
        if isinstance(features, int):
            self.count[new] = 0
            return
        self._grow(features.shape[1], 1, len(self.count))
        self.pool[new, 0] = features
        self.count[new] = 1

    def append(self, tracks: np.ndarray, features: np.ndarray) -> None:
        """One more vector for each of ``tracks`` (distinct), replacing the oldest when full."""
        if len(tracks) == 0:
            return
        rows = self.rows[tracks]
        count = self.count[rows]
        if self.budget is None or self.pool is None or self.pool.shape[1] < self.budget:
            self._grow(features.shape[1], int(count.max()) + 1, len(self.count))
            slot = count if self.budget is None else count % self.budget
        else:  # the usual case once any gallery filled: full capacity already, nothing to grow
            if self.pool.shape[2] != features.shape[1]:
                raise ValueError(f"appearance vectors changed length: {self.pool.shape[2]} -> {features.shape[1]}")
            slot = count % self.budget
        self.pool[rows, slot] = features
        self.count[rows] = count + 1

    def keep(self, mask: np.ndarray) -> None:
        """Drop the galleries of deleted tracks (their rows are reused)."""
        if mask.all():
            return
        self._free.extend(self.rows[~mask].tolist())
        self.rows = self.rows[mask]

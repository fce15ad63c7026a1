"""Appearance galleries and Deep SORT's nearest-neighbour cosine distance.

Each track keeps the appearance vectors of the detections it was built from,
at most the last ``nn_budget`` of them (None: all).  The distance of a track
to a detection is the smallest cosine distance ``1 - <g, f>`` over the
track's gallery, with vectors L2-normalised (the embedders' contract).

All galleries live in one padded pool ``(R, capacity, D)``; each track holds
one pool row, a ring buffer, so adding a vector to a full gallery overwrites
its oldest, and slots not yet filled hold zero vectors.  The capacity grows by
doubling up to ``nn_budget``, so short tracks cost little.  The tracker asks
for distances only at the (track, detection) pairs inside the motion gate
(:meth:`Galleries.pair_distance`: one batched matrix product over those
galleries, no loop over tracks or pairs); :meth:`Galleries.distance` gives the
full tracks x detections matrix, the definition the pair-wise form is tested
against.

Which vectors count matches the reference implementation: a tentative track
collects vectors from its first detection on and, once confirmed, matches on
the latest ``nn_budget`` of them; only confirmed tracks are ever compared.
"""

from __future__ import annotations

import numpy as np


#: Largest matrix product (rows × detections × dimensions) done in one call.
#: OpenBLAS spreads larger products over threads, which for products this
#: small costs more than it saves (and a great deal on a busy machine), so a
#: bigger gallery is processed in a few chunks of this size instead.
_CHUNK = 1 << 18


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
        self._scratch = np.zeros((0, 0, 0), np.float32)  # reused for gathered galleries (see pair_distance)

    def __len__(self) -> int:
        return len(self.rows)

    def sizes(self, tracks: np.ndarray | None = None) -> np.ndarray:
        """How many vectors the galleries of ``tracks`` (default: all) hold now."""
        count = self.count[self.rows if tracks is None else self.rows[tracks]]
        return count if self.budget is None else np.minimum(count, self.budget)

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

    def vectors(self, track: int) -> np.ndarray:
        """The vectors one track's gallery holds (any order)."""
        if self.pool is None:
            return np.zeros((0, 0), np.float32)
        row = self.rows[track]
        return self.pool[row, : int(self.sizes(np.array([track]))[0])].copy()

    def pair_distance(self, tracks: np.ndarray, features: np.ndarray, saturate: bool = False) -> np.ndarray:
        """Nearest-neighbour cosine distance (P,) of the gallery of ``tracks[p]`` to ``features[p]``, pair by pair.

        The cascade needs the distance only where the motion gate passes (about one
        or two detections per track in a crowd), so this gathers one gallery per
        pair and takes one dot product per gallery vector: against all
        detections (:meth:`distance`) the work grows with tracks x detections.
        An empty gallery is at distance +inf.  Equals :meth:`distance` at those
        pairs (both are float32 dot products of the same vectors).

        ``saturate=True`` reports any distance above 1 (a gallery pointing away
        from the vector) as 1, which spares masking the unfilled slots of short
        galleries (they hold zero vectors, at distance 1 from everything): a
        caller whose gate lies below 1 rejects both values alike.
        """
        p = len(tracks)
        if p == 0 or self.pool is None:
            return np.full(p, np.inf)
        rows = self.rows[tracks]
        count = self.count[rows]
        sizes = count if self.budget is None else np.minimum(count, self.budget)
        width = int(sizes.max())
        if width == 0:
            return np.full(p, np.inf)
        sims = self._pair_similarities(tracks, rows, np.asarray(features, np.float32), width)  # (P, width)
        shortest = int(sizes.min())
        if shortest < width and not (saturate and shortest > 0):
            sims[np.arange(width) >= sizes[:, None]] = -np.inf  # unfilled slots never win
        return (1.0 - sims.max(axis=1)).astype(np.float64)  # float32 difference, as the reference's

    def _pair_similarities(self, tracks: np.ndarray, rows: np.ndarray, features: np.ndarray, width: int) -> np.ndarray:
        """Dot products (P, width) of the first ``width`` slots of pool row ``rows[p]`` with ``features[p]``.

        Two ways, by which moves less memory.  Copying each pair's gallery out of
        the pool and multiplying it reads and writes it about three times; when
        the pool has not many more rows than the pairs have galleries (a crowd:
        most live tracks have a detection in their gates), one batched product
        over the whole pool in place, each row against (at most) one of its
        detections, reads each gallery once; a gallery's further detections
        then take the copying way.
        """
        p = len(rows)
        sorted_tracks = p < 2 or bool((tracks[1:] >= tracks[:-1]).all())
        if sorted_tracks and len(self.pool) <= 2 * p:
            first = np.empty(p, bool)  # the first pair of each gallery (pairs come track by track)
            first[0] = True
            np.not_equal(tracks[1:], tracks[:-1], out=first[1:])
            if 2 * np.count_nonzero(first) >= len(self.pool):
                queries = np.zeros((len(self.pool), features.shape[1], 1), np.float32)
                queries[rows[first], :, 0] = features[first]
                sims = np.matmul(self.pool[:, :width], queries)[rows, :, 0]  # rows without pairs: wasted, not read back
                if not first.all():
                    extra = (~first).nonzero()[0]
                    sims[extra] = np.matmul(self._gather(rows[extra])[:, :width], features[extra, :, None])[:, :, 0]
                return sims
        return np.matmul(self._gather(rows)[:, :width], features[:, :, None])[:, :, 0]

    def _gather(self, rows: np.ndarray) -> np.ndarray:
        """``pool[rows]`` copied into a buffer kept between frames.

        A fresh array of this size (megabytes in a crowd) comes from new,
        untouched memory pages every frame; reusing one buffer saves those
        page faults, about a third of the copy's time.  The view is valid
        until the next call.
        """
        shape = (len(rows), *self.pool.shape[1:])
        if self._scratch.shape[0] < shape[0] or self._scratch.shape[1:] != shape[1:]:
            self._scratch = np.empty((max(shape[0], 2 * self._scratch.shape[0]), *shape[1:]), np.float32)
        out = self._scratch[: shape[0]]
        np.take(self.pool, rows, axis=0, out=out, mode="clip")  # rows are valid; "clip" skips take's own buffer
        return out

    def distance(self, tracks: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Nearest-neighbour cosine distance (len(tracks), N) of the galleries of ``tracks`` to ``features``.

        An empty gallery is at distance +inf from everything.
        """
        n = len(features)
        if len(tracks) == 0 or n == 0 or self.pool is None:
            return np.full((len(tracks), n), np.inf)
        sizes = self.sizes(tracks)
        width = int(sizes.max())
        if width == 0:
            return np.full((len(tracks), n), np.inf)
        gallery = self.pool[self.rows[tracks], :width]  # (K, width, D), only the filled part
        k, _, dim = gallery.shape
        flat = gallery.reshape(k * width, dim)
        queries = np.ascontiguousarray(np.asarray(features, np.float32).T)
        step = max(1, _CHUNK // (n * dim))
        if len(flat) <= step:
            sims = flat @ queries
        else:
            sims = np.concatenate([flat[i : i + step] @ queries for i in range(0, len(flat), step)])
        sims = sims.reshape(k, width, n)
        if (sizes == width).all():
            best = sims.max(axis=1)
        else:
            # The best similarity over each gallery; unfilled slots can never win.
            filled = np.arange(width)[None, :] < sizes[:, None]
            best = np.where(filled[:, :, None], sims, -np.inf).max(axis=1)
        return (1.0 - best).astype(np.float64)

"""The track life cycle, stored column-wise so all tracks step together.

A :class:`TrackStore` holds every live track of a sequence as parallel arrays:
the Kalman state (``x`` (K, 2m), ``P`` (K, 3, m), see
:mod:`trackers.core.kalman`), the id, and the counters the papers' life-cycle
rules read (``hits``, ``hit_streak``, ``age``, ``time_since_update``,
``confirmed``).  Trackers apply their own rules (SORT's min_hits/max_age,
Deep SORT's n_init/max_age) through the same few operations, so the
bookkeeping is written once.  Per-track Python objects that a tracker needs
(appearance galleries, colour models) live in ``extras`` lists kept aligned.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class TrackStore:
    """Columnar store of live tracks; indices are positions, ids are stable."""

    def __init__(self, axes: int) -> None:
        self.axes = axes
        self.next_id = 1
        self.ids = np.zeros(0, np.int64)
        self.x = np.zeros((0, 2 * axes))
        self.P = np.zeros((0, 3, axes))
        self.hits = np.zeros(0, np.int64)
        self.hit_streak = np.zeros(0, np.int64)
        self.age = np.zeros(0, np.int64)
        self.time_since_update = np.zeros(0, np.int64)
        self.confirmed = np.zeros(0, bool)
        self.extras: list[Any] = []

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, x: np.ndarray, P: np.ndarray, extras: list[Any] | None = None, confirmed: bool = False) -> np.ndarray:
        """Start tracks from initial states; returns their indices.  Ids are given in order."""
        k = len(x)
        new_ids = np.arange(self.next_id, self.next_id + k, dtype=np.int64)
        self.next_id += k
        start = len(self.ids)
        self.ids = np.concatenate([self.ids, new_ids])
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        self.hits = np.concatenate([self.hits, np.ones(k, np.int64)])
        self.hit_streak = np.concatenate([self.hit_streak, np.zeros(k, np.int64)])
        self.age = np.concatenate([self.age, np.ones(k, np.int64)])
        self.time_since_update = np.concatenate([self.time_since_update, np.zeros(k, np.int64)])
        self.confirmed = np.concatenate([self.confirmed, np.full(k, confirmed)])
        self.extras.extend(extras if extras is not None else [None] * k)
        return np.arange(start, start + k)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the tracks where ``mask`` is False (deleted tracks)."""
        if mask.all():
            return
        self.ids = self.ids[mask]
        self.x = self.x[mask]
        self.P = self.P[mask]
        self.hits = self.hits[mask]
        self.hit_streak = self.hit_streak[mask]
        self.age = self.age[mask]
        self.time_since_update = self.time_since_update[mask]
        self.confirmed = self.confirmed[mask]
        self.extras = [e for e, k in zip(self.extras, mask) if k]

    def mark_predicted(self) -> None:
        """Counters after a prediction step: one frame older, one frame since update."""
        self.age += 1
        self.hit_streak[self.time_since_update > 0] = 0
        self.time_since_update += 1

    def mark_updated(self, idx: np.ndarray) -> None:
        """Counters of tracks that were matched to a detection this frame."""
        self.time_since_update[idx] = 0
        self.hits[idx] += 1
        self.hit_streak[idx] += 1

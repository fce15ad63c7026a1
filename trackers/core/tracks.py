"""The track life cycle, stored column-wise so all tracks step together.

A :class:`TrackStore` holds every live track of a sequence as parallel arrays:
the Kalman state (``x`` (K, 2m), ``P`` (K, 3, m), see
:mod:`trackbench.trackers.core.kalman`), the id, and the counters the papers' life-cycle
rules read (``hits``, ``hit_streak``, ``age``, ``time_since_update``,
``confirmed``).  Trackers apply their own rules (SORT's min_hits/max_age,
Deep SORT's n_init/max_age) through the same few operations, so the
bookkeeping is written once.  Per-track Python objects that a tracker needs
(appearance galleries, colour models) live in ``extras`` lists kept aligned;
numeric per-track state that only one tracker reads (ByteTrack's lost flag,
OC-SORT's last observation) lives in named ``columns`` arrays, also kept aligned.

The four integer counters share one (K, 4) array and are exposed as column
views: starting, deleting and stepping tracks then touch one array instead of
four, which matters when a tracker runs at thousands of frames per second.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

_HITS, _STREAK, _AGE, _SINCE = range(4)


def _column(index: int, doc: str) -> property:
    """A read/write view of one counter column (``t.age += 1`` works in place)."""

    def get(self: "TrackStore") -> np.ndarray:
        return self._counters[:, index]

    def set(self: "TrackStore", value: np.ndarray) -> None:
        self._counters[:, index] = value

    return property(get, set, doc=doc)


class TrackStore:
    """Columnar store of live tracks; indices are positions, ids are stable."""

    hits = _column(_HITS, "matches since the track started")
    hit_streak = _column(_STREAK, "consecutive matches up to the last update")
    age = _column(_AGE, "frames since the track started")
    time_since_update = _column(_SINCE, "frames since the last match")

    def __init__(self, axes: int, columns: Mapping[str, Any] | None = None) -> None:
        """``columns`` names extra per-track arrays and their dtype (or ``(dtype, (width,))``)."""
        self.next_id = 1
        self.ids = np.zeros(0, np.int64)
        self.x = np.zeros((0, 2 * axes))
        self.P = np.zeros((0, 3, axes))
        self._counters = np.zeros((0, 4), np.int64)
        self.confirmed = np.zeros(0, bool)
        self.extras: list[Any] = []
        self.columns: dict[str, np.ndarray] = {}
        for name, spec in (columns or {}).items():
            dtype, shape = spec if isinstance(spec, tuple) else (spec, ())
            self.columns[name] = np.zeros((0, *shape), dtype)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def counters(self) -> np.ndarray:
        """The (K, 4) array behind ``hits``, ``hit_streak``, ``age``, ``time_since_update`` (columns in
        that order), for compiled kernels that step the counters themselves."""
        return self._counters

    def add(self, x: np.ndarray, P: np.ndarray, extras: list[Any] | None = None, confirmed: bool = False,
            **values: Any) -> np.ndarray:
        """Start tracks from initial states; returns their indices.  Ids are given in order.

        A new track counts one hit and an age of one frame (Deep SORT's
        convention); its streak starts at zero (SORT's).  ``values`` set the
        named columns (a scalar or one row per track; zero where not given).
        """
        k = len(x)
        start = len(self.ids)
        self.ids = np.concatenate([self.ids, np.arange(self.next_id, self.next_id + k, dtype=np.int64)])
        self.next_id += k
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        fresh = np.zeros((k, 4), np.int64)
        fresh[:, _HITS] = 1
        fresh[:, _AGE] = 1
        self._counters = np.concatenate([self._counters, fresh])
        self.confirmed = np.concatenate([self.confirmed, np.full(k, confirmed)])
        self.extras.extend(extras if extras is not None else [None] * k)
        for name, col in self.columns.items():
            fresh_col = np.zeros((k, *col.shape[1:]), col.dtype)
            if name in values:
                fresh_col[...] = values[name]
            self.columns[name] = np.concatenate([col, fresh_col])
        return np.arange(start, start + k)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the tracks where ``mask`` is False (deleted tracks)."""
        if mask.all():
            return
        idx = np.flatnonzero(mask)
        self.ids = self.ids[idx]
        self.x = self.x[idx]
        self.P = self.P[idx]
        self._counters = self._counters[idx]
        self.confirmed = self.confirmed[idx]
        self.extras = [self.extras[i] for i in idx]
        for name, col in self.columns.items():
            self.columns[name] = col[idx]

    def mark_predicted(self) -> None:
        """Counters after a prediction step: one frame older, one frame since update."""
        c = self._counters
        c[c[:, _SINCE] > 0, _STREAK] = 0
        c[:, _AGE:] += 1  # age and time_since_update together

    def mark_updated(self, idx: np.ndarray | slice) -> None:
        """Counters of tracks that were matched to a detection this frame."""
        c = self._counters
        c[idx, _SINCE] = 0
        c[idx, _HITS:_AGE] += 1  # hits and hit_streak together

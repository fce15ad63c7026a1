"""Fragmentations (motmetrics' ``num_fragmentations``) counted in one vectorised pass.

motmetrics counts, per object, the switches from tracked to not tracked with a
loop of pandas filters per object, which dominated its metric time.  Both the
motmetrics backend (on the event log) and the fast engine (on per-detection
arrays) count with this one function; tests check it against motmetrics' own.
"""

from __future__ import annotations

import numpy as np


def fragmentations(oids: np.ndarray, miss: np.ndarray) -> int:
    """motmetrics' ``num_fragmentations`` from per-detection arrays in frame order.

    Per object, within the span from its first to its last tracked detection,
    count the misses that directly follow a tracked detection.
    """
    if len(oids) < 2:
        return 0
    order = np.argsort(oids, kind="stable")  # group by object, frames stay in order
    oids, miss = oids[order], miss[order]
    group = np.concatenate(([0], np.cumsum(oids[1:] != oids[:-1])))
    tracked = np.flatnonzero(~miss)
    last_tracked = np.full(group[-1] + 1, -1)
    np.maximum.at(last_tracked, group[tracked], tracked)
    k = np.arange(1, len(oids))
    starts = miss[1:] & ~miss[:-1] & (group[1:] == group[:-1]) & (k < last_tracked[group[1:]])
    return int(starts.sum())

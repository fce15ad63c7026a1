"""motmetrics' accumulator of a sequence, built once and shared by the CLEAR and identity families.

Under the motmetrics definition both CLEAR and identity metrics are computed
from one event log, motmetrics' :class:`~motmetrics.MOTAccumulator`, so it is
built once per sequence and cached on the
:class:`~trackbench.harness.metrics.preprocess.SeqData`.  It is fed
precomputed distance matrices (``1 - IoU``, NaN where IoU < 0.5, exactly what
``motmetrics.distances.iou_matrix(max_iou=0.5)`` returns) so motmetrics' own
IoU code, which needs NumPy < 2, is never called.

Metric values come from a motmetrics :class:`~motmetrics.metrics.MetricsHost`:
:func:`compute` for one sequence (asking only for the metrics a family needs)
and :func:`compute_overall` to merge values across sequences with motmetrics'
own merge rules (sums of counts, ratios recomputed from the sums).  A family
may pass its own host (CLEAR does, to count fragmentations faster); the
default is motmetrics' own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

import motmetrics as mm
import numpy as np

from trackbench.harness.metrics.preprocess import SeqData

#: Largest distance (1 - IoU) motmetrics may pair: IoU >= 0.5.
MAX_DISTANCE = 0.5
_CACHE_KEY = "motmetrics_accumulator"
_EMPTY = np.empty((0, 0))


@lru_cache(maxsize=1)
def default_host() -> mm.metrics.MetricsHost:
    """motmetrics' default metrics host (created once)."""
    return mm.metrics.create()


def iou_to_distance(iou: np.ndarray) -> np.ndarray:
    """motmetrics' IoU distance: ``1 - IoU``, NaN (do-not-pair) above ``MAX_DISTANCE``."""
    dist = 1.0 - iou
    dist[dist > MAX_DISTANCE] = np.nan
    return dist


def accumulator(seq: SeqData) -> mm.MOTAccumulator:
    """The sequence's motmetrics accumulator, built on first use and cached on ``seq``."""
    acc = seq.cache.get(_CACHE_KEY)
    if acc is None:
        acc = build_accumulator(seq)
        seq.cache[_CACHE_KEY] = acc
    return acc


def build_accumulator(seq: SeqData) -> mm.MOTAccumulator:
    """Feed every frame (1-based frame ids) into a fresh accumulator.

    Every frame is fed, even empty ones, so motmetrics' ``num_frames`` is the
    sequence length.  Ids are the contiguous ones of :class:`SeqData`; the
    relabelling preserves order, so motmetrics breaks ties exactly as it would
    on the original ids.
    """
    acc = mm.MOTAccumulator()
    update = acc.update
    for t in range(seq.num_frames):
        oids = seq.gt_ids[t]
        hids = seq.tracker_ids[t]
        dist = iou_to_distance(seq.similarity[t]) if len(oids) and len(hids) else _EMPTY
        update(oids, hids, dist, frameid=t + 1)
    return acc


def compute(seq: SeqData, metrics: Iterable[str], host: mm.metrics.MetricsHost | None = None) -> dict[str, Any]:
    """Compute the named motmetrics metrics for one sequence (only those and their deps)."""
    host = default_host() if host is None else host
    res = host.compute(accumulator(seq), metrics=list(metrics), return_dataframe=False)
    return {name: _plain(value) for name, value in res.items()}


def compute_overall(partials: list[dict[str, Any]], metrics: Iterable[str],
                    host: mm.metrics.MetricsHost | None = None) -> dict[str, Any]:
    """Merge per-sequence values with motmetrics' merge functions (``*_m``)."""
    host = default_host() if host is None else host
    res = host.compute_overall(partials, metrics=list(metrics), return_dataframe=False)
    return {name: _plain(value) for name, value in res.items()}


def _plain(value: Any) -> Any:
    """numpy scalars to Python numbers, so counts compare, print and pickle simply."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value

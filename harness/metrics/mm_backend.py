"""The motmetrics side of the metrics layer: one accumulator per sequence, shared.

CLEAR and identity metrics both come from motmetrics' event log, so the
:class:`motmetrics.MOTAccumulator` of a sequence is built once and cached on the
:class:`~trackbench.harness.metrics.preprocess.SeqData`.  It is fed precomputed distance
matrices (``1 - IoU``, NaN where IoU < 0.5, exactly what
``motmetrics.distances.iou_matrix(max_iou=0.5)`` returns) so motmetrics' own IoU
code, which needs NumPy < 2, is never called and no pandas ``groupby`` is needed.

Metric values come from a motmetrics :class:`~motmetrics.metrics.MetricsHost`:
``compute`` for one sequence (asking only for the metrics a family needs) and
``compute_overall`` to merge counts across sequences with motmetrics' own merge
rules (sums of counts, ratios recomputed from the sums).  The host is
motmetrics' default one with a single substitution: ``num_fragmentations`` is
counted in one vectorised pass over the event log instead of motmetrics' loop
of pandas filters per object (which dominated the metric time); it counts the
same thing, as the tests check against motmetrics' own function.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

import motmetrics as mm
import numpy as np

from trackbench.harness.metrics.fragmentation import fragmentations
from trackbench.harness.metrics.preprocess import SeqData

#: Largest distance (1 - IoU) motmetrics may pair: IoU >= 0.5.
MAX_DISTANCE = 0.5
_ACC_KEY = "motmetrics_accumulator"


@lru_cache(maxsize=1)
def metrics_host() -> mm.metrics.MetricsHost:
    """motmetrics' default host with the fast fragmentation count (created once)."""
    host = mm.metrics.create()
    host.register(
        num_fragmentations,
        deps=[],
        name="num_fragmentations",
        fnc_m=mm.metrics.num_fragmentations_m,
        deps_m=[],
    )
    return host


def num_fragmentations(df: Any) -> int:
    """Total number of switches from tracked to not tracked (motmetrics' definition).

    Per object, within the span from its first to its last non-MISS event,
    count the MISS events that directly follow a non-MISS event, exactly as
    ``motmetrics.metrics.num_fragmentations``, but for all objects at once.
    """
    noraw = df.noraw
    oids = noraw["OId"].to_numpy(dtype=float)
    present = ~np.isnan(oids)
    miss = (noraw["Type"] == "MISS").to_numpy(dtype=bool)
    return fragmentations(oids[present], miss[present])


def iou_to_distance(iou: np.ndarray) -> np.ndarray:
    """motmetrics' IoU distance: ``1 - IoU``, NaN (do-not-pair) above ``MAX_DISTANCE``."""
    dist = 1.0 - iou
    dist[dist > MAX_DISTANCE] = np.nan
    return dist


def accumulator(seq: SeqData) -> mm.MOTAccumulator:
    """The sequence's motmetrics accumulator, built on first use and cached on ``seq``."""
    acc = seq.cache.get(_ACC_KEY)
    if acc is None:
        acc = build_accumulator(seq)
        seq.cache[_ACC_KEY] = acc
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


_EMPTY = np.empty((0, 0))


def compute(seq: SeqData, metrics: Iterable[str]) -> dict[str, Any]:
    """Compute the named motmetrics metrics for one sequence (only those and their deps)."""
    res = metrics_host().compute(accumulator(seq), metrics=list(metrics), return_dataframe=False)
    return {name: _plain(value) for name, value in res.items()}


def compute_overall(partials: list[dict[str, Any]], metrics: Iterable[str]) -> dict[str, Any]:
    """Merge per-sequence values with motmetrics' merge functions (``*_m``)."""
    res = metrics_host().compute_overall(partials, metrics=list(metrics), return_dataframe=False)
    return {name: _plain(value) for name, value in res.items()}


def _plain(value: Any) -> Any:
    """numpy scalars to Python numbers, so counts compare, print and pickle simply."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value

"""CLEAR MOT counts under motmetrics' definitions, counted without motmetrics' per-frame event log.

The default engine's CLEAR family (``engine="fast"``).  motmetrics stays the
definition: the counts are the very dict :mod:`.clear` gets from a
``MOTAccumulator`` (same keys, same values; ``tests/test_fast_metrics.py``
checks every shared sequence and randomised cases), and :func:`combine` /
:func:`finalize` are :mod:`.clear`'s, i.e. motmetrics' merge rules.

Why it is faster: ``MOTAccumulator.update`` appends every event (RAW pairs
included) to Python lists that become a pandas frame, and the metrics are then
pandas queries over it.  The only thing that really has to go frame by frame is
motmetrics' matching, because it carries state (each object's last partner)
from frame to frame.  :func:`match` does exactly that matching on the few
pairs within IoU 0.5 of each frame and records only what the metrics need:

1. **Continuation**: an object whose last partner (from *any* earlier frame) is
   present and still within distance 0.5 keeps it; objects are visited in
   frame order, so when two objects claim the same partner the first wins.
2. **New pairs**: the remaining pairs are solved with motmetrics' own
   ``linear_sum_assignment`` on the very matrix motmetrics builds (masked
   rows and columns NaN).  The solver is skipped only when no remaining row or
   column has two candidate pairs: then every optimum, motmetrics' included,
   takes all of them (its solver maximises the number of pairs first).  A pair
   whose object had another partner before is a SWITCH.

Every gt box that is not paired is a MISS, every tracker box not paired a FP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from motmetrics.lap import linear_sum_assignment  # motmetrics' solver choice, as its accumulator uses

from trackbench.harness.metrics import clear, mm_backend
from trackbench.harness.metrics.fragmentation import fragmentations
from trackbench.harness.metrics.pairs import FlatPairs, flat_pairs, one_per_row_and_column, pairs_at
from trackbench.harness.metrics.preprocess import SeqData

NAME = clear.NAME
FIELDS = clear.FIELDS
combine = clear.combine
finalize = clear.finalize

_CACHE_KEY = "clear_fast_matching"


@dataclass(frozen=True)
class Matching:
    """What motmetrics' event log would say, per detection."""

    tracked: np.ndarray  # (G,) bool: gt detection paired (MATCH or SWITCH)
    switches: int
    distance_sum: float  # sum of 1 - IoU over the paired detections (motmetrics' MOTP numerator)


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence CLEAR counts, the same dict :func:`trackbench.harness.metrics.clear.evaluate` returns."""
    flat = flat_pairs(seq)
    found = matching(seq)
    detections = int(found.tracked.sum())
    freq = flat.gt_count
    hit = np.bincount(flat.gt_id[found.tracked], minlength=seq.num_gt_ids)
    present = freq > 0
    ratio = hit[present] / freq[present]
    with np.errstate(invalid="ignore", divide="ignore"):
        motp = float(np.true_divide(found.distance_sum, detections))
    return {
        "num_frames": seq.num_frames,
        "num_objects": seq.num_gt_dets,
        "num_predictions": seq.num_tracker_dets,
        "num_matches": detections - found.switches,
        "num_switches": found.switches,
        "num_false_positives": seq.num_tracker_dets - detections,
        "num_misses": seq.num_gt_dets - detections,
        "num_detections": detections,
        "num_fragmentations": fragmentations(flat.gt_id, ~found.tracked),
        "num_unique_objects": int(present.sum()),
        "mostly_tracked": int((ratio >= 0.8).sum()),
        "partially_tracked": int(((ratio >= 0.2) & (ratio < 0.8)).sum()),
        "mostly_lost": int((ratio < 0.2).sum()),
        "motp": motp,
    }


def matching(seq: SeqData) -> Matching:
    """motmetrics' frame-by-frame matching of the sequence, computed once and cached on ``seq``."""
    found = seq.cache.get(_CACHE_KEY)
    if found is None:
        found = match(seq, flat_pairs(seq))
        seq.cache[_CACHE_KEY] = found
    return found


def match(seq: SeqData, flat: FlatPairs) -> Matching:
    """Run the matching (module docstring) over the pairs within distance 0.5."""
    distance = 1.0 - flat.pair_iou
    near = np.flatnonzero(distance <= mm_backend.MAX_DISTANCE)
    rows, cols, dist = flat.pair_gt[near], flat.pair_trk[near], distance[near]
    oids, hids = flat.gt_id[rows], flat.trk_id[cols]
    start = np.searchsorted(flat.pair_frame[near], np.arange(seq.num_frames + 1))
    partner = np.full(seq.num_gt_ids, -1, np.int64)  # motmetrics' ``m``: object -> last hypothesis
    row_used = np.zeros(len(flat.gt_id), bool)
    col_used = np.zeros(len(flat.trk_id), bool)
    paired = np.zeros(len(near), bool)
    switches = 0
    for t in np.flatnonzero(np.diff(start)):
        a, b = start[t], start[t + 1]
        o, h = oids[a:b], hids[a:b]
        kept = np.flatnonzero(partner[o] == h)
        if len(kept):
            kept = kept[np.unique(h[kept], return_index=True)[1]]  # first object (in frame order) per partner
            row_used[rows[a + kept]] = True
            col_used[cols[a + kept]] = True
            paired[a + kept] = True
        rest = np.flatnonzero(~row_used[rows[a:b]] & ~col_used[cols[a:b]])
        if not len(rest):
            continue
        new = _new_pairs(seq, flat, t, rows[a:b], cols[a:b], rest)
        o, h = o[new], h[new]
        before = partner[o]
        switches += int(((before >= 0) & (before != h)).sum())
        partner[o] = h
        row_used[rows[a + new]] = True
        col_used[cols[a + new]] = True
        paired[a + new] = True
    tracked = np.zeros(len(flat.gt_id), bool)
    tracked[rows[paired]] = True
    return Matching(tracked, switches, float(dist[paired].sum()))


def _new_pairs(seq: SeqData, flat: FlatPairs, t: int, rows: np.ndarray, cols: np.ndarray,
               rest: np.ndarray) -> np.ndarray:
    """Indices (into the frame's near pairs) that motmetrics' assignment step pairs."""
    r, c = rows[rest], cols[rest]
    if one_per_row_and_column(r, c):
        return rest
    g0, h0 = flat.gt_start[t], flat.trk_start[t]
    dist = mm_backend.iou_to_distance(seq.similarity[t])
    free_rows = np.zeros(dist.shape[0], bool)
    free_rows[r - g0] = True
    free_cols = np.zeros(dist.shape[1], bool)
    free_cols[c - h0] = True
    dist[~free_rows, :] = np.nan  # what motmetrics masks after continuation: used rows and columns
    dist[:, ~free_cols] = np.nan
    rid, cid = linear_sum_assignment(dist)
    ok = np.isfinite(dist[rid, cid])
    return np.sort(rest[pairs_at(dist.shape, r - g0, c - h0, rid[ok], cid[ok])])

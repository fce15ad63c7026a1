"""Identity counts (IDTP, IDFP, IDFN) under TrackEval's definition, without its frame loop.

The fast engine's identity family for ``--clear-backend trackeval``: the record
is the dict ``trackeval.metrics.Identity().eval_sequence`` returns, and
:func:`combine` / :func:`finalize` are :mod:`.identity_trackeval`'s.  TrackEval
counts, per (gt id, tracker id) pair, the frames with IoU >= 0.5, then solves
a min-cost assignment on a square matrix of false negatives plus false
positives in which every id may stay unmatched; its optimum is fixed by the
largest co-occurrence total a one-to-one id matching collects, which
:func:`~trackbench.harness.metrics.identity_fast.best_id_matching` finds on the
co-occurring ids alone (see :mod:`.identity_fast`).
"""

from __future__ import annotations

from typing import Any

from trackbench.harness.metrics import identity_trackeval
from trackbench.harness.metrics.identity_fast import best_id_matching
from trackbench.harness.metrics.pairs import flat_pairs
from trackbench.harness.metrics.preprocess import SeqData

NAME = identity_trackeval.NAME
combine = identity_trackeval.combine
finalize = identity_trackeval.finalize


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence Identity record, the dict TrackEval's ``Identity.eval_sequence`` returns."""
    metric = identity_trackeval.metric()
    if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
        return metric.eval_sequence(seq.trackeval_data())  # TrackEval's constant early return
    flat = flat_pairs(seq)
    idtp = best_id_matching(seq, flat.pair_iou >= metric.threshold)
    res = {field: 0 for field in metric.fields}
    res["IDTP"] = idtp
    res["IDFN"] = seq.num_gt_dets - idtp
    res["IDFP"] = seq.num_tracker_dets - idtp
    return metric._compute_final_fields(res)

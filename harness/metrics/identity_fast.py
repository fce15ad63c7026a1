"""Identity counts (IDTP, IDFP, IDFN) under motmetrics' definitions, without its event log.

The default engine's identity family (``engine="fast"``); :func:`combine` and
:func:`finalize` are :mod:`.identity`'s (motmetrics' merge rules).

motmetrics' ``id_global_assignment`` counts, for every (object, hypothesis)
pair, the frames in which the two are within distance 0.5 (IoU >= 0.5), then
solves a min-cost assignment on a square ``(objects + hypotheses)`` matrix of
false negatives plus false positives in which any id may also stay unmatched.
Its optimum is fixed by one number, the largest total of co-occurrence counts
that a one-to-one id matching can collect (``IDTP``): ``IDFN = objects' dets -
IDTP`` and ``IDFP = hypotheses' dets - IDTP``.  Here that matching is solved
directly, as a maximum-weight assignment between only the ids that co-occur at
all, which gives the same optimum on a far smaller matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.harness.metrics import identity, mm_backend
from trackbench.harness.metrics.pairs import flat_pairs
from trackbench.harness.metrics.preprocess import SeqData

NAME = identity.NAME
FIELDS = identity.FIELDS
combine = identity.combine
finalize = identity.finalize


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence identity counts, the same dict :func:`trackbench.harness.metrics.identity.evaluate` returns."""
    flat = flat_pairs(seq)
    idtp = float(best_id_matching(seq, (1.0 - flat.pair_iou) <= mm_backend.MAX_DISTANCE))
    return {
        "idtp": idtp,
        "idfp": float(seq.num_tracker_dets) - idtp,
        "idfn": float(seq.num_gt_dets) - idtp,
        "num_objects": seq.num_gt_dets,
        "num_predictions": seq.num_tracker_dets,
    }


def best_id_matching(seq: SeqData, near: np.ndarray) -> int:
    """Largest number of co-occurrences a one-to-one matching of gt to tracker ids collects.

    ``near`` marks the pairs of :func:`flat_pairs` that count as co-occurring (the
    library's IoU threshold test, which differs slightly between motmetrics and TrackEval).
    """
    flat = flat_pairs(seq)
    if not near.any():
        return 0
    key = flat.gt_id[flat.pair_gt[near]] * seq.num_tracker_ids + flat.trk_id[flat.pair_trk[near]]
    pairs, counts = np.unique(key, return_counts=True)
    gt_ids, row = np.unique(pairs // seq.num_tracker_ids, return_inverse=True)
    trk_ids, col = np.unique(pairs % seq.num_tracker_ids, return_inverse=True)
    weight = np.zeros((len(gt_ids), len(trk_ids)), np.int64)
    weight[row, col] = counts
    r, c = linear_sum_assignment(weight, maximize=True)
    return int(weight[r, c].sum())

"""Identity metrics (IDF1, IDP, IDR, IDTP, IDFP, IDFN) under motmetrics' and TrackEval's definitions.

The same four classes as :mod:`.clear` (the table there): :class:`Motmetrics`
and :class:`TrackEval` are the definitions, counted by the libraries' own code;
:class:`MotmetricsFast` and :class:`TrackEvalFast` give the same counts and
inherit ``combine`` / ``finalize`` from them.  Combining sums IDTP, IDFP,
IDFN, gt and tracker detections and recomputes the ratios from the sums;
``finalize`` reports IDF1/IDP/IDR in percent.

**motmetrics**: ``id_global_assignment`` on the accumulator shared with CLEAR
(:mod:`.motmetrics_accumulator`), pairs within distance ``1 - IoU <= 0.5``
co-occur.  **TrackEval**: ``trackeval.metrics.Identity`` (threshold 0.5),
pairs with ``IoU >= 0.5`` co-occur.  Both count, per (gt id, tracker id) pair,
the frames in which the two co-occur, then solve a min-cost assignment on a
square ``(gt ids + tracker ids)`` matrix of false negatives plus false
positives in which any id may also stay unmatched.

**Fast engine.**  That optimum is fixed by one number, the largest total of
co-occurrence counts a one-to-one id matching can collect (``IDTP``): then
``IDFN = gt dets - IDTP`` and ``IDFP = tracker dets - IDTP``.
:func:`best_id_matching` solves that matching directly, as a maximum-weight
assignment between only the ids that co-occur at all, which gives the same
optimum on a far smaller matrix.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import trackeval

from trackbench.harness.metrics import motmetrics_accumulator as mm_acc
from trackbench.harness.metrics.component_matching import max_weight_total
from trackbench.harness.metrics.pairs import flat_pairs
from trackbench.harness.metrics.preprocess import SeqData
from trackbench.harness.metrics.trackeval_records import OneMetricDefinition

NAME = "Identity"


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
    _, row = np.unique(pairs // seq.num_tracker_ids, return_inverse=True)
    _, col = np.unique(pairs % seq.num_tracker_ids, return_inverse=True)
    # Not one dense (gt ids x tracker ids) matrix: 100,000 ids a side would be 75 GiB (component_matching.py).
    return max_weight_total(row, col, counts, f"{seq.name}: " if seq.name else "")


# --------------------------------------------------------------------------- motmetrics' definition

#: motmetrics' identity counts (all merged by summing).
FIELDS = ("idtp", "idfp", "idfn", "num_objects", "num_predictions")
_RATIOS = ("idf1", "idp", "idr")


class Motmetrics:
    """Identity as motmetrics defines it, counted by motmetrics' accumulator and metrics host."""

    NAME = NAME

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence identity counts from the sequence's motmetrics accumulator."""
        return mm_acc.compute(seq, FIELDS)

    @staticmethod
    def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
        """Sum the identity counts of several sequences (motmetrics ``compute_overall``)."""
        return mm_acc.compute_overall(list(all_counts), FIELDS)

    @staticmethod
    def finalize(counts: dict[str, Any]) -> dict[str, float]:
        """IDF1/IDP/IDR in percent and the ID counts as integers."""
        ratios = mm_acc.compute_overall([counts], _RATIOS)
        return {
            "IDF1": 100.0 * ratios["idf1"],
            "IDP": 100.0 * ratios["idp"],
            "IDR": 100.0 * ratios["idr"],
            "IDTP": int(round(counts["idtp"])),
            "IDFP": int(round(counts["idfp"])),
            "IDFN": int(round(counts["idfn"])),
        }


class MotmetricsFast(Motmetrics):
    """Identity as motmetrics defines it, counted by :func:`best_id_matching` without the event log."""

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence identity counts, the same dict :meth:`Motmetrics.evaluate` returns."""
        flat = flat_pairs(seq)
        idtp = float(best_id_matching(seq, (1.0 - flat.pair_iou) <= mm_acc.MAX_DISTANCE))
        return {
            "idtp": idtp,
            "idfp": float(seq.num_tracker_dets) - idtp,
            "idfn": float(seq.num_gt_dets) - idtp,
            "num_objects": seq.num_gt_dets,
            "num_predictions": seq.num_tracker_dets,
        }


# --------------------------------------------------------------------------- TrackEval's definition


@lru_cache(maxsize=1)
def trackeval_metric() -> trackeval.metrics.Identity:
    """TrackEval's Identity metric (IoU threshold 0.5, its default), made once."""
    return trackeval.metrics.Identity({"THRESHOLD": 0.5, "PRINT_CONFIG": False})


class TrackEval(OneMetricDefinition):
    """Identity as TrackEval defines it, counted by ``trackeval.metrics.Identity``."""

    NAME = NAME
    metric = staticmethod(trackeval_metric)

    @staticmethod
    def finalize(counts: dict[str, Any]) -> dict[str, float]:
        """IDF1/IDP/IDR in percent and the ID counts as integers."""
        return {
            "IDF1": 100.0 * float(counts["IDF1"]),
            "IDP": 100.0 * float(counts["IDP"]),
            "IDR": 100.0 * float(counts["IDR"]),
            "IDTP": int(counts["IDTP"]),
            "IDFP": int(counts["IDFP"]),
            "IDFN": int(counts["IDFN"]),
        }


class TrackEvalFast(TrackEval):
    """Identity as TrackEval defines it, counted by :func:`best_id_matching` without TrackEval's frame loop."""

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence Identity record, the dict :meth:`TrackEval.evaluate` returns."""
        if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
            return TrackEval.evaluate(seq)  # TrackEval's constant early return: no loop to save
        metric = trackeval_metric()
        flat = flat_pairs(seq)
        idtp = best_id_matching(seq, flat.pair_iou >= metric.threshold)
        res = {field: 0 for field in metric.fields}
        res["IDTP"] = idtp
        res["IDFN"] = seq.num_gt_dets - idtp
        res["IDFP"] = seq.num_tracker_dets - idtp
        return metric._compute_final_fields(res)


#: The identity family per (CLEAR backend, engine).
DEFINITIONS: dict[tuple[str, str], type[Motmetrics] | type[TrackEval]] = {
    ("motmetrics", "library"): Motmetrics,
    ("motmetrics", "fast"): MotmetricsFast,
    ("trackeval", "library"): TrackEval,
    ("trackeval", "fast"): TrackEvalFast,
}

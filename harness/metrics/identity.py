"""Identity metrics (IDF1, IDP, IDR, IDTP, IDFP, IDFN) computed by motmetrics.

Same interface as :mod:`trackbench.harness.metrics.clear`.  The global min-cost id
assignment is motmetrics' ``id_global_assignment`` on the same accumulator as
CLEAR (IoU >= 0.5 pairs count as true positives).  Combining sums IDTP, IDFP,
IDFN, gt and predicted detections and recomputes the ratios from those sums
(motmetrics' ``idf1_m`` & co.); ``finalize`` reports IDF1/IDP/IDR in percent.
"""

from __future__ import annotations

from typing import Any

from trackbench.harness.metrics import mm_backend
from trackbench.harness.metrics.preprocess import SeqData

NAME = "Identity"

FIELDS = ("idtp", "idfp", "idfn", "num_objects", "num_predictions")
_RATIOS = ("idf1", "idp", "idr")


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence identity counts from the sequence's motmetrics accumulator."""
    return mm_backend.compute(seq, FIELDS)


def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum the identity counts of several sequences (motmetrics ``compute_overall``)."""
    return mm_backend.compute_overall(list(all_counts), FIELDS)


def finalize(counts: dict[str, Any]) -> dict[str, float]:
    """IDF1/IDP/IDR in percent and the ID counts as integers."""
    ratios = mm_backend.compute_overall([counts], _RATIOS)
    return {
        "IDF1": 100.0 * ratios["idf1"],
        "IDP": 100.0 * ratios["idp"],
        "IDR": 100.0 * ratios["idr"],
        "IDTP": int(round(counts["idtp"])),
        "IDFP": int(round(counts["idfp"])),
        "IDFN": int(round(counts["idfn"])),
    }

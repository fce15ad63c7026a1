"""CLEAR MOT metrics computed by TrackEval's own ``trackeval.metrics.CLEAR``: MOTChallenge's published numbers.

The ``trackeval`` CLEAR backend (``--clear-backend trackeval``).  Same interface
and output columns as :mod:`trackbench.harness.metrics.clear` (the motmetrics
backend), on the same preprocessed arrays: ``evaluate`` is TrackEval's
``CLEAR.eval_sequence`` plus its ``Count`` metric (gt ids and detections);
``combine`` is their ``combine_sequences`` (integer fields and ``MOTP_sum``
summed, ratios recomputed); ``finalize`` gives MOTA, MOTP (mean IoU of
matches), Recall and Precision in percent.  Where and why the counts differ
from motmetrics' is listed in :mod:`trackbench.harness.metrics.clear`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import trackeval

from trackbench.harness.metrics.preprocess import SeqData

NAME = "CLEAR"


@lru_cache(maxsize=1)
def metrics() -> tuple[trackeval.metrics.CLEAR, trackeval.metrics.Count]:
    """TrackEval's CLEAR (IoU threshold 0.5, its default) and Count metric objects, made once."""
    return trackeval.metrics.CLEAR({"THRESHOLD": 0.5, "PRINT_CONFIG": False}), trackeval.metrics.Count()


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence record: {"clear": TrackEval CLEAR result, "count": TrackEval Count result}."""
    clear, count = metrics()
    data = seq.trackeval_data()
    return {"clear": clear.eval_sequence(data), "count": count.eval_sequence(data)}


def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
    """TrackEval's ``combine_sequences`` of both metrics over several sequences' records."""
    clear, count = metrics()
    return {
        "clear": clear.combine_sequences({str(i): c["clear"] for i, c in enumerate(all_counts)}),
        "count": count.combine_sequences({str(i): c["count"] for i, c in enumerate(all_counts)}),
    }


def finalize(counts: dict[str, Any]) -> dict[str, float]:
    """CLEAR metrics under trackbench names; ratios in percent, counts as ints."""
    c, n = counts["clear"], counts["count"]
    return {
        "MOTA": 100.0 * float(c["MOTA"]),
        "MOTP": 100.0 * float(c["MOTP"]),
        "Recall": 100.0 * float(c["CLR_Re"]),
        "Precision": 100.0 * float(c["CLR_Pr"]),
        "FP": int(c["CLR_FP"]),
        "FN": int(c["CLR_FN"]),
        "IDsw": int(c["IDSW"]),
        "Frag": int(c["Frag"]),
        "MT": int(c["MT"]),
        "PT": int(c["PT"]),
        "ML": int(c["ML"]),
        "GT_IDs": int(n["GT_IDs"]),
        "Frames": int(c["CLR_Frames"]),
        "TP": int(c["CLR_TP"]),
        "GT_Dets": int(n["GT_Dets"]),
        "Dets": int(n["Dets"]),
    }

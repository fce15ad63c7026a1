"""HOTA metrics (HOTA, DetA, AssA, LocA, DetRe, DetPr, AssRe, AssPr) computed by TrackEval.

Same interface as :mod:`trackbench.harness.metrics.clear`.  ``evaluate`` runs
``trackeval.metrics.HOTA().eval_sequence`` on the preprocessed arrays (ids
relabelled to 0-based, similarity = IoU); its result, with the per-alpha
``HOTA_TP/FN/FP`` arrays, is the count record.  ``combine`` is TrackEval's own
``combine_sequences`` (sums TP/FN/FP per alpha, weights AssA/AssRe/AssPr/LocA by
TP).  ``finalize`` reports, as TrackEval's summaries do, each score as its mean
over the 19 alpha thresholds 0.05..0.95, in percent; ``HOTA(0)`` and ``LocA(0)``
are the values at the lowest alpha.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import trackeval

from trackbench.harness.metrics.preprocess import SeqData

NAME = "HOTA"

_SCORES = ("HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "AssRe", "AssPr")


@lru_cache(maxsize=1)
def metric() -> trackeval.metrics.HOTA:
    """One TrackEval HOTA metric object (stateless between calls)."""
    return trackeval.metrics.HOTA()


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence HOTA record from TrackEval."""
    return metric().eval_sequence(seq.trackeval_data())


def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
    """TrackEval's ``combine_sequences`` over several sequences' records."""
    return metric().combine_sequences({str(i): res for i, res in enumerate(all_counts)})


def finalize(counts: dict[str, Any]) -> dict[str, float]:
    """Alpha-averaged HOTA scores in percent."""
    out = {name: 100.0 * float(np.mean(counts[name])) for name in _SCORES}
    out["HOTA(0)"] = 100.0 * float(counts["HOTA(0)"])
    out["LocA(0)"] = 100.0 * float(counts["LocA(0)"])
    return out

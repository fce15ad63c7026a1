"""Identity metrics (IDF1, IDP, IDR, IDTP, IDFP, IDFN) computed by TrackEval's own ``trackeval.metrics.Identity``.

The ``trackeval`` backend's counterpart of :mod:`trackbench.harness.metrics.identity`:
``evaluate`` is ``Identity.eval_sequence`` on the preprocessed arrays,
``combine`` its ``combine_sequences`` (IDTP/IDFP/IDFN summed, ratios
recomputed), ``finalize`` IDF1/IDP/IDR in percent.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import trackeval

from trackbench.harness.metrics.preprocess import SeqData

NAME = "Identity"


@lru_cache(maxsize=1)
def metric() -> trackeval.metrics.Identity:
    """TrackEval's Identity metric (IoU threshold 0.5, its default), made once."""
    return trackeval.metrics.Identity({"THRESHOLD": 0.5, "PRINT_CONFIG": False})


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence Identity record from TrackEval."""
    return metric().eval_sequence(seq.trackeval_data())


def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
    """TrackEval's ``combine_sequences`` over several sequences' records."""
    return metric().combine_sequences({str(i): c for i, c in enumerate(all_counts)})


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

"""Tracking metrics: CLEAR and identity (motmetrics or TrackEval), HOTA (TrackEval), MOTChallenge preprocessing.

Entry points (see :mod:`trackbench.harness.metrics.evaluate` for conventions: percentages,
MOTP as mean IoU):

* ``evaluate_sequence(gt, result, spec, num_frames) -> dict[str, float]``
* ``count_sequence(...) -> SequenceCounts``, ``combine(counts) -> dict``,
  ``combine_counts(counts) -> SequenceCounts``, ``finalize(counts) -> dict``
* ``evaluate_folders(gt_root, results_root, ...) -> pandas.DataFrame``
* ``ensure_motmetrics_numpy2()``: lets motmetrics' own IoU helpers run on NumPy 2

Names are resolved lazily so that importing a submodule (e.g. ``compat``)
does not pull in motmetrics, TrackEval and pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "evaluate_sequence": "evaluate",
    "count_sequence": "evaluate",
    "count_sequences": "evaluate",
    "count_preprocessed": "evaluate",
    "combine": "evaluate",
    "combine_counts": "evaluate",
    "finalize": "evaluate",
    "evaluate_folders": "evaluate",
    "SequenceCounts": "evaluate",
    "SequenceJob": "evaluate",
    "COLUMNS": "evaluate",
    "CLEAR_BACKENDS": "evaluate",
    "preprocess": "preprocess",
    "SeqData": "preprocess",
    "spec_for_benchmark": "preprocess",
    "ensure_motmetrics_numpy2": "compat",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)

"""CLEAR MOT metrics (MOTA, MOTP, FP, FN, IDsw, Frag, MT/PT/ML, ...) computed by motmetrics.

TrackEval metric-class style: ``evaluate(seq) -> counts``, ``combine([counts])
-> counts``, ``finalize(counts) -> metrics``.  Counts are motmetrics' own
per-sequence metric values under motmetrics' names; ``combine`` merges them
with motmetrics' merge rules (``compute_overall``: counts summed, MOTP weighted
by detections), so combined numbers come from summed counts, never from
averaged percentages.

Matching: motmetrics' CLEAR matching on distance ``1 - IoU`` with pairs allowed
at IoU >= 0.5 (``iou_matrix(max_iou=0.5)``).  ``finalize`` reports MOTA,
Recall and Precision in percent and MOTP as *mean IoU of matches in percent*,
i.e. ``100 * (1 - motmetrics motp)`` (motmetrics' MOTP is a mean distance).

motmetrics vs TrackEval's CLEAR (why the numbers can differ slightly on the
same preprocessed data, e.g. MOT17-02 with a perturbed result: FP 1327 vs
1322, IDsw 19 vs 22; on TUD and MOT17-05 they agree exactly):

* continuation: motmetrics first keeps every object's last pairing from *any*
  earlier frame if it is still within IoU 0.5, then solves the rest; TrackEval
  only favours the pairing of the *previous* frame (a +1000 bonus inside one
  global Hungarian), so after a gap it can choose a better overall matching.
* assignment objective: motmetrics maximises the number of matches, then
  minimises the summed distance; TrackEval maximises the summed IoU.
* threshold: motmetrics pairs when ``1 - IoU <= 0.5``, TrackEval when
  ``IoU >= 0.5 - eps`` (differs only at IoU == 0.5 up to rounding).
* Frag: motmetrics counts tracked->missed transitions while the object is
  annotated; TrackEval counts every re-start of tracking, also after frames in
  which the object is not annotated at all.
* MT: motmetrics uses tracked ratio >= 0.8, TrackEval > 0.8.
"""

from __future__ import annotations

from typing import Any

from trackbench.harness.metrics import mm_backend
from trackbench.harness.metrics.preprocess import SeqData

NAME = "CLEAR"

#: motmetrics metrics that are plain counts: merged by summing.
COUNT_FIELDS = (
    "num_frames",
    "num_objects",
    "num_predictions",
    "num_matches",
    "num_switches",
    "num_false_positives",
    "num_misses",
    "num_detections",
    "num_fragmentations",
    "num_unique_objects",
    "mostly_tracked",
    "partially_tracked",
    "mostly_lost",
)
#: ``motp`` is carried too: motmetrics merges it weighted by ``num_detections``.
FIELDS = COUNT_FIELDS + ("motp",)
_RATIOS = ("mota", "motp", "precision", "recall")

#: trackbench column -> motmetrics count, for the integer columns.
_COUNT_COLUMNS = {
    "FP": "num_false_positives",
    "FN": "num_misses",
    "IDsw": "num_switches",
    "Frag": "num_fragmentations",
    "MT": "mostly_tracked",
    "PT": "partially_tracked",
    "ML": "mostly_lost",
    "GT_IDs": "num_unique_objects",
    "Frames": "num_frames",
    "TP": "num_detections",
    "GT_Dets": "num_objects",
    "Dets": "num_predictions",
}


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence CLEAR counts from the sequence's motmetrics accumulator."""
    return mm_backend.compute(seq, FIELDS)


def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge counts of several sequences (motmetrics ``compute_overall``)."""
    return mm_backend.compute_overall(list(all_counts), FIELDS)


def finalize(counts: dict[str, Any]) -> dict[str, float]:
    """CLEAR metrics under trackbench names; ratios in percent (see module docstring)."""
    ratios = mm_backend.compute_overall([counts], _RATIOS)
    out = {
        "MOTA": 100.0 * ratios["mota"],
        "MOTP": 100.0 * (1.0 - ratios["motp"]),
        "Recall": 100.0 * ratios["recall"],
        "Precision": 100.0 * ratios["precision"],
    }
    out.update({column: counts[field] for column, field in _COUNT_COLUMNS.items()})
    return out

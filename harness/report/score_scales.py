"""Score scales: say so when a tracker's score thresholds meet detections that are not scored in [0, 1].

Trackers with score thresholds (ByteTrack's ``track_thresh``, OC-SORT's
``det_thresh``…) publish defaults chosen for detectors whose scores are
probabilities.  DPM detections (about −0.5…3.4 on MOT17) or KITTI's
PointRCNN raw scores (−0.85…15.5) are not, so a threshold of 0.6 keeps
nearly everything, or nothing, and the leaderboard row measures the mismatch
rather than the tracker.  Nothing is changed; the leaderboard says it, next
to the numbers, so no reader takes such a row at face value.

A parameter counts as a score threshold when its tunable range is bounded by
the detection scores (``SCORES`` in :mod:`trackbench.trackers.space`), or
when it is one of the known thresholds of the adapters (which declare no
ranges).  It is noted only while its value is a finite number in [0, 1]:
SORT's ``min_confidence`` of −inf thresholds nothing and is not noted.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Iterable, Sequence as Seq

#: Score thresholds of trackers that declare no search space (the adapters), by tracker name.
KNOWN_SCORE_THRESHOLDS: dict[str, tuple[str, ...]] = {
    "rf.sort": ("track_activation_threshold",),
    "rf.bytetrack": ("track_activation_threshold", "high_conf_det_threshold"),
    "rf.ocsort": ("high_conf_det_threshold",),
    "rf.botsort": ("track_activation_threshold", "high_conf_det_threshold"),
    "rf.cbiou": ("track_activation_threshold", "high_conf_det_threshold"),
    "rf.mcbyte": ("track_activation_threshold", "high_conf_det_threshold"),
    "boxmot.bytetrack": ("track_thresh", "min_conf"),
    "boxmot.ocsort": ("det_thresh", "min_conf"),
    "boxmot.botsort": ("track_high_thresh", "track_low_thresh", "new_track_thresh"),
}
#: Scores this far outside [0, 1] still count as inside (float noise of a probability).
TOLERANCE = 1e-6


def threshold_fields(tracker: str) -> tuple[str, ...]:
    """The score-threshold parameters of ``tracker`` (declared with ``SCORES``, or known); () if it cannot load."""
    from trackbench.trackers import tracker_class
    from trackbench.trackers.space import declared_space

    try:
        params_cls = tracker_class(tracker).Params
        declared = [n for n, d in declared_space(params_cls).items() if d.depends_on_scores()]
        names = {f.name for f in dataclasses.fields(params_cls)}
    except Exception:  # a tracker this machine cannot load has no note, never a failed leaderboard
        return ()
    known = [n for n in KNOWN_SCORE_THRESHOLDS.get(tracker, ()) if n in names]
    return tuple(dict.fromkeys(declared + known))


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def unit_interval_thresholds(tracker: str, overrides: dict[str, Any]) -> dict[str, float]:
    """Each score threshold of ``tracker`` whose value (override, else default) lies in [0, 1]."""
    from trackbench.trackers import tracker_class
    from trackbench.trackers.space import defaults

    fields = threshold_fields(tracker)
    if not fields:
        return {}
    values = {**defaults(tracker_class(tracker).Params), **overrides}
    found = {}
    for name in fields:
        number = _number(values.get(name))
        if number is not None and 0.0 <= number <= 1.0:
            found[name] = number
    return found


def score_range(sequences: Iterable[Any], min_score: float | None = None) -> tuple[float, float] | None:
    """(lowest, highest) detection score the trackers see (after ``--min-score``); None without detections."""
    low, high = math.inf, -math.inf
    for sequence in sequences:
        scores = sequence.detections.scores
        if min_score is not None:
            scores = scores[scores >= min_score]
        if len(scores):
            low, high = min(low, float(scores.min())), max(high, float(scores.max()))
    return (low, high) if low <= high else None


def outside_unit_interval(low: float, high: float) -> bool:
    return low < -TOLERANCE or high > 1.0 + TOLERANCE


def _values_text(values: list[float]) -> str:
    return "/".join(f"{v:g}" for v in dict.fromkeys(values))


def _score_text(value: float) -> str:
    """``−0.50`` (a true minus sign, as the tables print negative differences)."""
    return f"{value:.2f}".replace("-", "\u2212")


def score_scale_notes(settings: Seq[tuple[str, dict[str, Any]]], sequences: Iterable[Any],
                      min_score: float | None = None) -> list[str]:
    """One note per tracker whose [0, 1] score thresholds meet detections scored outside [0, 1].

    ``settings`` are (tracker name, parameter overrides) pairs, one per variant;
    several variants of one tracker give one note listing each value.
    """
    found = score_range(sequences, min_score)
    if found is None or not outside_unit_interval(*found):
        return []
    low, high = found
    per_tracker: dict[str, dict[str, list[float]]] = {}
    for tracker, overrides in settings:
        for name, value in unit_interval_thresholds(tracker, dict(overrides)).items():
            per_tracker.setdefault(tracker, {}).setdefault(name, []).append(value)
    notes = []
    for tracker, thresholds in per_tracker.items():
        listed = ", ".join(f"{name} {_values_text(values)}" for name, values in thresholds.items())
        notes.append(f"{tracker}'s score thresholds ({listed}) assume scores in [0, 1]; "
                     f"these detections score {_score_text(low)}…{_score_text(high)}")
    return notes

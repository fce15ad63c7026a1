"""Two trackers on one sequence: the errors A makes and B does not, and what accounts for the metric gap.

Both results are matched against the *same* scored gt detections (gt
preprocessing does not depend on the result), so a gt detection is the common
ground:

* a ``missed`` run of A is shared when B also misses at least half of its
  detections; the FN gap splits exactly into detections only A misses minus
  detections only B misses;
* a ``false_positive`` run of A is shared when B has unmatched boxes at IoU >=
  0.5 with at least half of its boxes (tracker ids of A and B mean nothing to
  each other, so only places can be compared);
* a ``switch``, ``fragmentation`` or ``merge`` of A is shared when B has one of
  the same kind on the same gt object(s) within ``slack`` frames.

The MOTA gap is exactly ``-(dFN + dFP + dIDsw) / GT detections``; the summary
lists each term, so a reader sees which kind of error carries the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.harness.inspect.events import KINDS, Event
from trackbench.harness.inspect.matching import SequenceMatch

#: Frames by which two trackers' switches / fragmentations / merges may differ and still count as one.
SLACK = 10
#: Share of a run's detections the other tracker must get wrong the same way for the run to be shared.
SHARED = 0.5


@dataclass(frozen=True)
class Difference:
    """Per event of each side, whether the other side errs the same way; plus the count gaps."""

    only_a: list[Event]
    only_b: list[Event]
    missed_only_a: int  # gt detections A misses and B matches
    missed_only_b: int
    rows: list[tuple[str, float, float]]  # (metric, A, B), in the order shown


def compare_events(a: SequenceMatch, b: SequenceMatch, events_a: list[Event], events_b: list[Event],
                   slack: int = SLACK) -> Difference:
    """Events of A that B does not share and the reverse (module docstring), and the metric rows compared."""
    if len(a.gt_id) != len(b.gt_id) or not np.array_equal(a.gt_frame, b.gt_frame):
        raise ValueError("the two results were scored against different ground truth")
    fp_a, fp_b = _fp_shared(a, b), _fp_shared(b, a)
    only_a = [e for e in events_a if not _shared(e, b, events_b, fp_a, slack)]
    only_b = [e for e in events_b if not _shared(e, a, events_a, fp_b, slack)]
    miss_a, miss_b = a.clear_partner < 0, b.clear_partner < 0
    metrics = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "FN", "FP", "IDsw", "Frag")
    rows = [(name, float(a.metrics[name]), float(b.metrics[name])) for name in metrics]
    return Difference(only_a, only_b, int((miss_a & ~miss_b).sum()), int((miss_b & ~miss_a).sum()), rows)


def mota_terms(a: SequenceMatch, b: SequenceMatch) -> list[tuple[str, int, float]]:
    """(count, A - B, MOTA points it costs A relative to B) for FN, FP and IDsw; they sum to the MOTA gap."""
    total = max(len(a.gt_id), 1)
    return [(name, int(a.metrics[name] - b.metrics[name]), -100.0 * (a.metrics[name] - b.metrics[name]) / total)
            for name in ("FN", "FP", "IDsw")]


def _shared(event: Event, other: SequenceMatch, other_events: list[Event], fp_shared: np.ndarray,
            slack: int) -> bool:
    if event.kind == "missed":
        return bool((other.clear_partner[event.dets] < 0).mean() >= SHARED)
    if event.kind == "false_positive":
        return bool(fp_shared[event.dets].mean() >= SHARED)
    return any(o.kind == event.kind and set(o.gt) == set(event.gt)
               and o.first - slack <= event.last and event.first <= o.last + slack for o in other_events)


def _fp_shared(mine: SequenceMatch, other: SequenceMatch) -> np.ndarray:
    """(H,) bool per tracker detection of ``mine``: unmatched, and ``other`` has an unmatched box at IoU >= 0.5."""
    out = np.zeros(len(mine.trk_id), bool)
    own = np.flatnonzero(mine.trk_partner < 0)
    theirs = np.flatnonzero(other.trk_partner < 0)
    if not len(own) or not len(theirs):
        return out
    their_frames = other.trk_frame[theirs]
    for frame in np.unique(mine.trk_frame[own]):
        here = own[mine.trk_frame[own] == frame]
        there = theirs[their_frames == frame]
        if len(there):
            out[here] = (iou_matrix(mine.trk_box[here], other.trk_box[there]) >= 0.5).any(axis=1)
    return out


def kind_counts(events: list[Event]) -> dict[str, tuple[int, int]]:
    """Per kind: (events, summed size)."""
    out = {kind: (0, 0) for kind in KINDS}
    for event in events:
        n, size = out[event.kind]
        out[event.kind] = (n + 1, size + event.size)
    return out

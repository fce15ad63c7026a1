"""Error events of one tracker on one sequence, read off the matching the scores were counted with.

Each kind adds up to a scored count, which is what makes the page trustworthy
(``tests/test_inspect.py`` checks every equality on real and synthetic data):

* ``switch``: a gt object matched to a tracker id other than the one it was
  last matched to (any earlier frame).  That is IDsw under both CLEAR
  backends: motmetrics and TrackEval both compare with the *last* partner.
* ``fragmentation``: the object's tracking resumes after an interruption.
  motmetrics counts interruptions over the object's *annotated* frames (a
  tracked -> missed step followed by more tracking); TrackEval counts every
  restart after the first, over the frames that hold both gt and tracker boxes,
  so a frame where the object is not annotated interrupts it too.  Their sum
  is Frag under the run's backend.
* ``missed``: a run of consecutive annotated frames in which the object is not
  matched; the lengths sum to FN.
* ``false_positive``: a run of consecutive frames in which a tracker id's boxes
  match nothing; the lengths sum to FP.
* ``merge``: a track that moves from one gt object to another (the tracker-side
  mirror of a switch: two objects merged into one track).  No CLEAR count
  corresponds; it explains IDF1 and AssPr losses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trackbench.harness.inspect.matching import SequenceMatch

#: Event kinds in the order pages list them.
KINDS = ("switch", "fragmentation", "missed", "false_positive", "merge")
#: The scored count each kind adds up to (``merge`` has none).
SCORED = {"switch": "IDsw", "fragmentation": "Frag", "missed": "FN", "false_positive": "FP"}


@dataclass(frozen=True)
class Event:
    """One error: ``before``/``after`` are the frames that show it (e.g. last frame tracked, first frame resumed)."""

    kind: str
    first: int  # first frame the event spans
    last: int  # last frame
    gt: tuple[int, ...]  # gt ids involved (as in the gt file)
    tracks: tuple[int, ...]  # tracker ids involved (as in the result file)
    size: int  # what it adds to its scored count: 1, or the frames of a missed / false-positive run
    before: int
    after: int
    # detections it concerns: tracker detections for false_positive and merge, gt detections for the others
    dets: np.ndarray = field(compare=False, repr=False)


def find_events(match: SequenceMatch) -> list[Event]:
    """Every event of ``match``, in frame order (then kind)."""
    events = (_switches(match) + _fragmentations(match) + _missed(match) + _false_positives(match)
              + _merges(match))
    return sorted(events, key=lambda e: (e.first, KINDS.index(e.kind), e.gt, e.tracks))


def counts(events: list[Event]) -> dict[str, int]:
    """Summed size per kind: comparable with the scored IDsw, Frag, FN, FP (and the number of merges)."""
    out = {kind: 0 for kind in KINDS}
    for event in events:
        out[event.kind] += event.size
    return out


def _by_object(match: SequenceMatch) -> np.ndarray:
    """gt detections grouped by object, frames ascending within each."""
    return np.lexsort((match.gt_frame, match.gt_id))


def _same_as_previous(values: np.ndarray) -> np.ndarray:
    """(n,) bool: element k equals element k - 1 (False at 0)."""
    return np.concatenate(([False], values[1:] == values[:-1])) if len(values) else np.zeros(0, bool)


def _switches(match: SequenceMatch) -> list[Event]:
    order = _by_object(match)
    paired = order[match.clear_partner[order] >= 0]
    gid, frame = match.gt_id[paired], match.gt_frame[paired]
    tid = match.trk_id[match.clear_partner[paired]]
    at = np.flatnonzero(_same_as_previous(gid) & ~_same_as_previous(tid))
    return [Event("switch", int(frame[k - 1]), int(frame[k]), (int(gid[k]),), (int(tid[k - 1]), int(tid[k])), 1,
                  int(frame[k - 1]), int(frame[k]), paired[k - 1:k + 1]) for k in at]


def _fragmentations(match: SequenceMatch) -> list[Event]:
    """Resumptions of tracking, under the backend's definition (module docstring)."""
    order = _by_object(match)
    if match.backend == "trackeval":
        order = order[match.clear_partner[order] >= 0]  # restarts among the matched frames only
        step = np.cumsum(match.both_frames) - 1  # index of each frame among the frames with both sides
        s = step[match.gt_frame[order] - 1]
        resumed = _same_as_previous(match.gt_id[order]) & ~_same_as_previous(s - np.arange(len(s)))
        at = np.flatnonzero(resumed)
        prev = at - 1
    else:
        tracked = match.clear_partner[order] >= 0
        n = len(order)
        same = _same_as_previous(match.gt_id[order])
        tracked_before = np.concatenate(([0], np.cumsum(tracked)))  # [k]: tracked among positions < k
        group_start = np.maximum.accumulate(np.where(same, 0, np.arange(n))) if n else np.zeros(0, np.int64)
        earlier = tracked_before[:n] > tracked_before[group_start]  # the object was tracked before position k
        after_miss = np.concatenate(([False], ~tracked[:-1])) if n else np.zeros(0, bool)
        at = np.flatnonzero(tracked & after_miss & same & earlier)
        last_tracked = np.maximum.accumulate(np.where(tracked, np.arange(n), -1)) if n else np.zeros(0, np.int64)
        prev = last_tracked[at - 1]
    out = []
    for k, p in zip(at, prev):
        a, b = order[p], order[k]
        tracks = (int(match.trk_id[match.clear_partner[a]]), int(match.trk_id[match.clear_partner[b]]))
        out.append(Event("fragmentation", int(match.gt_frame[a]), int(match.gt_frame[b]), (int(match.gt_id[b]),),
                         tracks, 1, int(match.gt_frame[a]), int(match.gt_frame[b]), np.array([a, b])))
    return out


def runs(ids: np.ndarray, frames: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) positions of runs where ``mask`` holds over consecutive frames of one id.

    ``ids``/``frames`` are sorted by id, then frame.
    """
    continues = _same_as_previous(ids) & np.concatenate(([False], np.diff(frames) == 1)) & _same_as_previous(mask)
    starts = np.flatnonzero(mask & ~continues)
    ends = np.flatnonzero(mask & ~np.concatenate((continues[1:], [False])))
    return list(zip(starts.tolist(), (ends + 1).tolist()))


def _missed(match: SequenceMatch) -> list[Event]:
    order = _by_object(match)
    frames = match.gt_frame[order]
    out = []
    for a, b in runs(match.gt_id[order], frames, match.clear_partner[order] < 0):
        first, last = int(frames[a]), int(frames[b - 1])
        out.append(Event("missed", first, last, (int(match.gt_id[order[a]]),), (), b - a, first, last, order[a:b]))
    return out


def _false_positives(match: SequenceMatch) -> list[Event]:
    order = np.lexsort((match.trk_frame, match.trk_id))
    frames = match.trk_frame[order]
    out = []
    for a, b in runs(match.trk_id[order], frames, match.trk_partner[order] < 0):
        first, last = int(frames[a]), int(frames[b - 1])
        out.append(Event("false_positive", first, last, (), (int(match.trk_id[order[a]]),), b - a, first, last,
                         order[a:b]))
    return out


def _merges(match: SequenceMatch) -> list[Event]:
    partner = match.trk_partner
    order = np.lexsort((match.trk_frame, match.trk_id))
    order = order[partner[order] >= 0]
    tid, frame = match.trk_id[order], match.trk_frame[order]
    gid = match.gt_id[partner[order]]
    at = np.flatnonzero(_same_as_previous(tid) & ~_same_as_previous(gid))
    return [Event("merge", int(frame[k - 1]), int(frame[k]), (int(gid[k - 1]), int(gid[k])), (int(tid[k]),), 1,
                  int(frame[k - 1]), int(frame[k]), order[k - 1:k + 1]) for k in at]

"""What an inspect page shows, as plain JSON-ready data (the page's script draws it).

Compact on purpose, so a 1,000-frame MOT17 sequence with two trackers stays
around a megabyte: per gt object its annotated frames (delta-encoded) and, per
tracker, the index of the track matched in each of those frames under CLEAR
and HOTA (alpha = 0.5) with the IoU in percent.  Nothing is decimated here:
every detection and every event is in the data; the script decides what is
worth drawing at the current zoom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trackbench.harness.inspect.diff import Difference, kind_counts, mota_terms
from trackbench.harness.inspect.events import KINDS, SCORED, Event, counts
from trackbench.harness.inspect.matching import SequenceMatch
from trackbench.harness.inspect.objects import ObjectScore, unowned_fp

#: Scores shown in the page's header table.
HEADLINE = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDsw", "Frag", "FN", "FP")


@dataclass
class TrackerView:
    """One tracker's material for a page."""

    name: str
    match: SequenceMatch
    events: list[Event]
    objects: list[ObjectScore]
    crops: dict[int, list[dict[str, Any]]]  # event index -> crops
    clips: dict[int, dict[str, Any]] = field(default_factory=dict)  # event index -> clip (``bench inspect --video``)


def page_data(sequence: str, views: list[TrackerView], difference: Difference | None,
              has_images: bool, notes: list[str], video: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole page's data (see module docstring); ``video`` is :meth:`.clips.ClipSet.page_info` with ``--video``."""
    first = views[0].match
    ids, inverse = np.unique(first.gt_id, return_inverse=True)
    starts = np.full(len(ids), np.iinfo(np.int64).max)
    np.minimum.at(starts, inverse, first.gt_frame)
    order = np.lexsort((ids, starts))
    rows = [np.flatnonzero(inverse == k) for k in order]  # gt detections of each row, frames ascending
    return {
        "sequence": sequence,
        "frames": int(first.num_frames),
        "backend": first.backend,
        "images": has_images,
        "notes": notes,
        "kinds": list(KINDS),
        "scored": SCORED,
        "gt": [{"id": int(ids[k]), "f": _deltas(first.gt_frame[r])} for k, r in zip(order, rows)],
        "trackers": [_tracker(view, rows) for view in views],
        "diff": _difference(views, difference) if difference is not None else None,
        "video": video,
    }


def _deltas(frames: np.ndarray) -> list[int]:
    """``[first, d1, d2, ...]``: frames as differences (mostly 1s, short in JSON)."""
    return np.diff(frames, prepend=0).astype(int).tolist()


def _tracker(view: TrackerView, rows: list[np.ndarray]) -> dict[str, Any]:
    match = view.match
    tracks, track_index = np.unique(match.trk_id, return_inverse=True)

    def lane(partner: np.ndarray, iou: np.ndarray, r: np.ndarray) -> dict[str, list[int]]:
        p = partner[r]
        return {"t": np.where(p >= 0, track_index[np.maximum(p, 0)], -1).tolist(),
                "i": np.rint(100 * iou[r]).astype(int).tolist()}

    found = counts(view.events)
    return {
        "name": view.name,
        "tracks": tracks.astype(int).tolist(),
        "metrics": {k: _number(match.metrics[k]) for k in HEADLINE},
        "counts": found,
        "check": {kind: [found[kind], int(match.metrics[col])] for kind, col in SCORED.items()},
        "clear": [lane(match.clear_partner, match.clear_iou, r) for r in rows],
        "hota": [lane(match.hota_partner, match.hota_iou, r) for r in rows],
        "events": [_event(e, view.crops.get(i, []), view.clips.get(i)) for i, e in enumerate(view.events)],
        "fp_tracks": _fp_tracks(view.events),
        "objects": [_object(o) for o in view.objects],
        "totals": {"IDsw": int(match.metrics["IDsw"]), "FN": int(match.metrics["FN"]),
                   "FP": int(match.metrics["FP"]), "unowned_fp": unowned_fp(match, view.objects)},
    }


def _number(value: Any) -> float | int | None:
    value = float(value)
    if not np.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) > 1.5 else round(value, 3)


def _event(event: Event, crops: list[dict[str, Any]], clip: dict[str, Any] | None) -> dict[str, Any]:
    out = {"k": event.kind, "a": event.first, "b": event.last, "g": list(event.gt), "t": list(event.tracks),
           "n": event.size}
    if crops:
        out["c"] = crops
    if clip:
        out["v"] = clip
    return out


def _fp_tracks(events: list[Event]) -> list[dict[str, Any]]:
    """Per tracker id with false-positive runs: its runs ``[first, last]``, tracks ordered by first run."""
    runs: dict[int, list[list[int]]] = {}
    for event in events:
        if event.kind == "false_positive":
            runs.setdefault(event.tracks[0], []).append([event.first, event.last])
    return [{"id": t, "r": r} for t, r in sorted(runs.items(), key=lambda item: (item[1][0][0], item[0]))]


def _object(o: ObjectScore) -> dict[str, Any]:
    return {"gt": o.gt, "n": o.detections, "a": o.first, "b": o.last, "dr": round(o.det_re, 4),
            "ar": round(o.ass_re, 4), "ap": round(o.ass_pr, 4), "idsw": o.idsw, "fn": o.fn, "fp": o.fp}


def _difference(views: list[TrackerView], difference: Difference) -> dict[str, Any]:
    a, b = views[0], views[1]
    index_a = {id(e): i for i, e in enumerate(a.events)}
    index_b = {id(e): i for i, e in enumerate(b.events)}
    return {
        "only": [[index_a[id(e)] for e in difference.only_a], [index_b[id(e)] for e in difference.only_b]],
        "only_counts": [kind_counts(difference.only_a), kind_counts(difference.only_b)],
        "rows": [[name, _number(x), _number(y)] for name, x, y in difference.rows],
        "mota": [[name, d, round(points, 3)] for name, d, points in mota_terms(a.match, b.match)],
        "missed_only": [difference.missed_only_a, difference.missed_only_b],
        "gt_dets": int(len(a.match.gt_id)),
    }

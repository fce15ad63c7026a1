"""Where the metric goes: each gt object's part of HOTA (at alpha = 0.5) and of IDsw, FN and FP.

HOTA's own decomposition, restricted to one object ``i`` (TrackEval's sums,
split by gt id): with ``c_ih`` the true positives at alpha = 0.5 between ``i``
and tracker id ``h``, ``TP_i = sum_h c_ih``, ``n_i`` the object's detections and
``m_h`` the track's,

* ``DetRe_i = TP_i / n_i``,
* ``AssRe_i = sum_h c_ih * c_ih / n_i / TP_i``,
* ``AssPr_i = sum_h c_ih * c_ih / m_h / TP_i``,

so that the sequence's DetRe is the detection-weighted mean of ``DetRe_i`` and
its AssRe/AssPr the TP-weighted means (a test checks both against TrackEval's
values at alpha = 0.5).  IDsw and FN belong to the object they happen to; an
FP detection belongs to the object its track is matched to most often (the
track drifted off it), or to no object when the track never matched anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.harness.inspect.events import Event
from trackbench.harness.inspect.matching import SequenceMatch


@dataclass(frozen=True)
class ObjectScore:
    """One gt object's share of the sequence's errors and its HOTA terms at alpha = 0.5."""

    gt: int
    detections: int
    first: int
    last: int
    det_re: float
    ass_re: float
    ass_pr: float
    idsw: int
    fn: int
    fp: int  # FP detections of the tracks this object's matching owns

    @property
    def errors(self) -> int:
        return self.idsw + self.fn + self.fp


def object_scores(match: SequenceMatch, events: list[Event]) -> list[ObjectScore]:
    """One :class:`ObjectScore` per gt object, worst first (most IDsw + FN + FP, then lowest DetRe x AssRe)."""
    ids, inverse = np.unique(match.gt_id, return_inverse=True)
    n = np.bincount(inverse, minlength=len(ids))
    det_re, ass_re, ass_pr = _hota_terms(match, inverse, len(ids))
    idsw = np.zeros(len(ids), np.int64)
    fn = np.zeros(len(ids), np.int64)
    index = {int(g): k for k, g in enumerate(ids)}
    for event in events:
        if event.kind == "switch":
            idsw[index[event.gt[0]]] += 1
        elif event.kind == "missed":
            fn[index[event.gt[0]]] += event.size
    fp = _fp_owners(match, inverse, len(ids))
    first = np.full(len(ids), np.iinfo(np.int64).max)
    last = np.zeros(len(ids), np.int64)
    np.minimum.at(first, inverse, match.gt_frame)
    np.maximum.at(last, inverse, match.gt_frame)
    rows = [ObjectScore(int(ids[k]), int(n[k]), int(first[k]), int(last[k]), float(det_re[k]), float(ass_re[k]),
                        float(ass_pr[k]), int(idsw[k]), int(fn[k]), int(fp[k])) for k in range(len(ids))]
    return sorted(rows, key=lambda r: (-r.errors, r.det_re * r.ass_re, r.gt))


def _hota_terms(match: SequenceMatch, inverse: np.ndarray, n_obj: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per object DetRe, AssRe, AssPr at alpha = 0.5 (module docstring); 0 where the object has no TP."""
    n = np.bincount(inverse, minlength=n_obj).astype(float)
    tp_rows = np.flatnonzero(match.hota_partner >= 0)
    obj = inverse[tp_rows]
    _, track = np.unique(match.trk_id, return_inverse=True)
    m = np.bincount(track).astype(float) if len(track) else np.zeros(0)
    trk = track[match.hota_partner[tp_rows]]
    width = max(len(m), 1)
    pair, c = np.unique(obj * width + trk, return_counts=True)
    p_obj, p_trk = pair // width, pair % width
    tp = np.bincount(obj, minlength=n_obj).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        det_re = tp / n
        ass_re = np.bincount(p_obj, weights=c * c / n[p_obj], minlength=n_obj) / tp
        ass_pr = np.bincount(p_obj, weights=c * c / m[p_trk], minlength=n_obj) / tp
    return det_re, np.nan_to_num(ass_re), np.nan_to_num(ass_pr)


def _fp_owners(match: SequenceMatch, inverse: np.ndarray, n_obj: int) -> np.ndarray:
    """FP detections per object, each given to the object its track matched most often (none if never matched)."""
    partner = match.trk_partner
    tracks, track = np.unique(match.trk_id, return_inverse=True)
    matched = partner >= 0
    owner = np.full(len(tracks), -1, np.int64)
    if matched.any():
        width = n_obj
        pair, c = np.unique(track[matched] * width + inverse[partner[matched]], return_counts=True)
        best = np.lexsort((-c, pair // width))  # per track, the most frequent object first
        first_of_track = best[np.concatenate(([True], np.diff((pair // width)[best]) != 0))]
        owner[pair[first_of_track] // width] = pair[first_of_track] % width
    fp_owner = owner[track[~matched]]
    return np.bincount(fp_owner[fp_owner >= 0], minlength=n_obj)


def unowned_fp(match: SequenceMatch, scores: list[ObjectScore]) -> int:
    """FP detections of tracks that never matched any object (the false-positive tracks)."""
    return int((match.trk_partner < 0).sum()) - sum(s.fp for s in scores)

"""HOTA metrics (HOTA, DetA, AssA, LocA, DetRe, DetPr, AssRe, AssPr) under TrackEval's definition.

HOTA has one definition, TrackEval's, whatever the CLEAR backend; two classes
with the interface of :mod:`.clear`'s count it.  :class:`TrackEval` runs
``trackeval.metrics.HOTA().eval_sequence`` on the preprocessed arrays (ids
relabelled to 0-based, similarity = IoU); its result, with the per-alpha
``HOTA_TP/FN/FP`` arrays, is the count record.  ``combine`` is TrackEval's
``combine_sequences`` (sums TP/FN/FP per alpha, weights AssA/AssRe/AssPr/LocA
by TP).  ``finalize`` reports, as TrackEval's summaries do, each score as its
mean over the 19 alpha thresholds 0.05..0.95, in percent; ``HOTA(0)`` and
``LocA(0)`` are the values at the lowest alpha.

:class:`TrackEvalFast` returns the same record (counts equal, ratios equal to
rounding) from whole-sequence arrays instead of TrackEval's two frame loops
(the second with an inner loop over the 19 alphas):

1. The global alignment score of every co-occurring (gt id, tracker id) pair
   comes from the flat pair arrays (:mod:`.pairs`): each pair's
   ``IoU / (row sum + column sum - IoU)`` is accumulated per id pair in frame
   order, the same additions in the same order as TrackEval's.
2. Per frame TrackEval solves a Hungarian assignment maximising
   ``alignment score x IoU``.  Only pairs with a positive score can count
   (a match needs IoU >= alpha >= 0.05), so where no row and no column of a
   frame holds two positive pairs every optimum takes exactly those pairs and
   no solver is needed.  The other frames are solved with scipy's
   ``linear_sum_assignment`` on the very matrix TrackEval builds.
3. The alpha loop is one comparison of the matched IoUs with all 19
   thresholds; association counts per id pair are bincounts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import trackeval
from scipy.optimize import linear_sum_assignment

from trackbench.harness.metrics.pairs import FlatPairs, flat_pairs, pairs_at
from trackbench.harness.metrics.preprocess import EPS, SeqData
from trackbench.harness.metrics.trackeval_records import OneMetricDefinition

NAME = "HOTA"

_SCORES = ("HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "AssRe", "AssPr")


@lru_cache(maxsize=1)
def trackeval_metric() -> trackeval.metrics.HOTA:
    """One TrackEval HOTA metric object (stateless between calls)."""
    return trackeval.metrics.HOTA()


class TrackEval(OneMetricDefinition):
    """HOTA as TrackEval defines it, counted by ``trackeval.metrics.HOTA``."""

    NAME = NAME
    metric = staticmethod(trackeval_metric)

    @staticmethod
    def finalize(counts: dict[str, Any]) -> dict[str, float]:
        """Alpha-averaged HOTA scores in percent."""
        out = {name: 100.0 * float(np.mean(counts[name])) for name in _SCORES}
        out["HOTA(0)"] = 100.0 * float(counts["HOTA(0)"])
        out["LocA(0)"] = 100.0 * float(counts["LocA(0)"])
        return out


class TrackEvalFast(TrackEval):
    """HOTA as TrackEval defines it, computed on whole-sequence arrays (module docstring)."""

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence HOTA record, the dict :meth:`TrackEval.evaluate` returns."""
        if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
            return TrackEval.evaluate(seq)  # TrackEval's constant early return: no loop to save
        metric = trackeval_metric()
        flat = flat_pairs(seq)
        gt_count, trk_count = flat.gt_count.astype(float), flat.trk_count.astype(float)
        iou = flat.pair_iou
        # 1. Global alignment score per co-occurring id pair.
        id_pair, pair_of, score = _alignment(seq, flat)
        pair_g, pair_h = id_pair // seq.num_tracker_ids, id_pair % seq.num_tracker_ids
        # 2. Which pairs the per-frame assignment matches.
        matched = _matched_pairs(seq, flat, score)
        # 3. Counts and association scores for every alpha at once.
        alphas = metric.array_labels
        passes = iou[matched][None, :] >= (alphas - EPS)[:, None]  # (alphas, matched pairs)
        res = {f: np.zeros(len(alphas)) for f in metric.float_array_fields + metric.integer_array_fields}
        res.update({f: 0 for f in metric.float_fields})
        res["HOTA_TP"] = passes.sum(1).astype(float)
        res["HOTA_FN"] = seq.num_gt_dets - res["HOTA_TP"]
        res["HOTA_FP"] = seq.num_tracker_dets - res["HOTA_TP"]
        loca = (passes * iou[matched]).sum(1)
        counts = np.stack([np.bincount(pair_of[matched], weights=p, minlength=len(id_pair)) for p in passes])
        tp = np.maximum(1, res["HOTA_TP"])
        gc, tc = gt_count[pair_g], trk_count[pair_h]
        res["AssA"] = (counts * (counts / np.maximum(1, gc + tc - counts))).sum(1) / tp
        res["AssRe"] = (counts * (counts / np.maximum(1, gc))).sum(1) / tp
        res["AssPr"] = (counts * (counts / np.maximum(1, tc))).sum(1) / tp
        res["LocA"] = np.maximum(1e-10, loca) / np.maximum(1e-10, res["HOTA_TP"])
        return metric._compute_final_fields(res)


def _alignment(seq: SeqData, flat: FlatPairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(co-occurring id pairs as ``g * num_tracker_ids + h``, each flat pair's id pair, each flat pair's
    assignment score ``alignment x IoU``): step 1 of the module docstring."""
    gt_count, trk_count = flat.gt_count.astype(float), flat.trk_count.astype(float)
    iou = flat.pair_iou
    g, h = flat.gt_id[flat.pair_gt], flat.trk_id[flat.pair_trk]
    denom = flat.trk_col_sum[flat.pair_trk] + flat.gt_row_sum[flat.pair_gt] - iou
    sim_iou = np.zeros_like(iou)
    ok = denom > 0 + EPS
    sim_iou[ok] = iou[ok] / denom[ok]
    id_pair, pair_of = np.unique(g * seq.num_tracker_ids + h, return_inverse=True)
    pair_g, pair_h = id_pair // seq.num_tracker_ids, id_pair % seq.num_tracker_ids
    potential = np.zeros(len(id_pair))
    np.add.at(potential, pair_of, sim_iou)
    alignment = potential / (gt_count[pair_g] + trk_count[pair_h] - potential)
    return id_pair, pair_of, alignment[pair_of] * iou


def matched_pairs(seq: SeqData) -> np.ndarray:
    """Indices into :func:`~trackbench.harness.metrics.pairs.flat_pairs`' pairs that HOTA's per-frame assignment
    matches (pairs with IoU > 0); at threshold alpha the true positives are those with IoU >= alpha - eps.

    The same matching :class:`TrackEvalFast` counts with, public so that ``bench inspect`` can show and break
    down exactly what HOTA scored.
    """
    if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
        return np.zeros(0, np.int64)
    flat = flat_pairs(seq)
    return _matched_pairs(seq, flat, _alignment(seq, flat)[2])


def _matched_pairs(seq: SeqData, flat: FlatPairs, score: np.ndarray) -> np.ndarray:
    """Indices of the pairs TrackEval's per-frame Hungarian step matches (among pairs with IoU > 0)."""
    positive = score > 0
    rows, cols = flat.pair_gt[positive], flat.pair_trk[positive]
    crowded = (np.bincount(rows, minlength=len(flat.gt_id)) > 1)[rows]
    crowded |= (np.bincount(cols, minlength=len(flat.trk_id)) > 1)[cols]
    frame = flat.pair_frame
    hard = np.unique(frame[positive][crowded])
    easy = positive & ~np.isin(frame, hard)
    solved = [_solve_frame(seq, flat, score, t) for t in hard]
    return np.sort(np.concatenate([np.flatnonzero(easy), *solved]))


def _solve_frame(seq: SeqData, flat: FlatPairs, score: np.ndarray, t: int) -> np.ndarray:
    """TrackEval's assignment of one frame; the pair indices it matches with IoU > 0."""
    a, b = flat.pair_start[t], flat.pair_start[t + 1]
    r = flat.pair_gt[a:b] - flat.gt_start[t]
    c = flat.pair_trk[a:b] - flat.trk_start[t]
    sim = seq.similarity[t]
    score_mat = np.zeros(sim.shape)
    score_mat[r, c] = score[a:b]
    rid, cid = linear_sum_assignment(-score_mat)
    found = pairs_at(sim.shape, r, c, rid, cid)
    return a + found[found >= 0]


#: The HOTA family per (CLEAR backend, engine): the backend does not change HOTA.
DEFINITIONS: dict[tuple[str, str], type[TrackEval]] = {
    ("motmetrics", "library"): TrackEval,
    ("motmetrics", "fast"): TrackEvalFast,
    ("trackeval", "library"): TrackEval,
    ("trackeval", "fast"): TrackEvalFast,
}

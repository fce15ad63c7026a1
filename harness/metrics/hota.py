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

from trackbench.harness.metrics.pairs import FlatPairs, flat_pairs
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
        counts = _matches_per_id_pair(pair_of[matched], passes, alphas, len(id_pair))
        tp = np.maximum(1, res["HOTA_TP"])
        gc, tc = gt_count[pair_g], trk_count[pair_h]
        res["AssA"] = (counts * (counts / np.maximum(1, gc + tc - counts))).sum(1) / tp
        res["AssRe"] = (counts * (counts / np.maximum(1, gc))).sum(1) / tp
        res["AssPr"] = (counts * (counts / np.maximum(1, tc))).sum(1) / tp
        res["LocA"] = np.maximum(1e-10, loca) / np.maximum(1e-10, res["HOTA_TP"])
        return metric._compute_final_fields(res)


def _matches_per_id_pair(pair_of: np.ndarray, passes: np.ndarray, alphas: np.ndarray, n_pairs: int) -> np.ndarray:
    """(alphas, id pairs) float counts of the matches that pass each alpha, ``bincount(pair_of, passes[a])``
    per alpha, from one bincount (``passes``: (alphas, matches), IoU >= alpha - eps).

    Why it can: the alphas ascend, so a match passes exactly the first ``levels`` of them; one histogram
    of (id pair, levels) summed from the top is every alpha's count (integers, so no rounding differs).
    """
    if not (np.diff(alphas) > 0).all():  # not TrackEval's ascending alphas: count each
        return np.stack([np.bincount(pair_of, weights=p, minlength=n_pairs) for p in passes])
    n_alphas = len(alphas)
    levels = passes.sum(0)
    hist = np.bincount(pair_of * (n_alphas + 1) + levels, minlength=n_pairs * (n_alphas + 1))
    at_least = hist.reshape(n_pairs, n_alphas + 1)[:, ::-1].cumsum(1)[:, ::-1]  # matches with levels >= n
    return np.ascontiguousarray(at_least[:, 1:].T, dtype=float)  # contiguous: row sums add in the same order


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
    id_pair, pair_of = _sorted_unique(g * seq.num_tracker_ids + h, seq.num_gt_ids * seq.num_tracker_ids)
    pair_g, pair_h = id_pair // seq.num_tracker_ids, id_pair % seq.num_tracker_ids
    # bincount adds each pair's weight in input (frame) order from 0.0, as TrackEval's per-frame += does
    potential = np.bincount(pair_of, weights=sim_iou, minlength=len(id_pair))
    alignment = potential / (gt_count[pair_g] + trk_count[pair_h] - potential)
    return id_pair, pair_of, alignment[pair_of] * iou


#: Key ranges up to this size (or four times the number of keys) are tabled rather than sorted.
DENSE_KEY_RANGE = 1 << 16


def _sorted_unique(keys: np.ndarray, key_range: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for keys in ``[0, key_range)``.

    Why: sorting the pairs' id keys was a fifth of HOTA's time.  When the key range is not much larger
    than the number of keys (every real sequence: ids number in the hundreds), one table of the whole
    range gives the same two arrays in linear time; memory stays O(pairs) because a larger range
    falls back to sorting.
    """
    if key_range > max(4 * len(keys), DENSE_KEY_RANGE):
        unique, inverse = np.unique(keys, return_inverse=True)
        return unique, inverse.reshape(-1)
    seen = np.zeros(key_range, bool)
    seen[keys] = True
    unique = np.flatnonzero(seen)
    rank = np.zeros(key_range, np.int64)
    rank[unique] = np.arange(len(unique))
    return unique, rank[keys]


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
    is_hard = np.zeros(seq.num_frames, bool)
    is_hard[frame[positive][crowded]] = True
    easy = np.flatnonzero(positive & ~is_hard[frame])
    # two ascending runs: the stable sort merges them
    return np.sort(np.concatenate([easy, _solve_frames(flat, score, np.flatnonzero(is_hard))]), kind="stable")


#: Solver matrices of consecutive frames are filled together up to this many cells (512 kB of float64, one
#: buffer that stays in the CPU cache); a larger frame is filled alone.  Memory stays O(pairs) +
#: O(max(this, the largest frame)).
CHUNK_CELLS = 1 << 16


def _solve_frames(flat: FlatPairs, score: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """TrackEval's assignment of each of ``frames`` (ascending): the pair indices it matches (cells with
    IoU > 0), ascending.

    Why this shape: the solver takes a few microseconds a frame and the NumPy bookkeeping around it took
    several times that, so the matrices of many frames are filled at once (:func:`_solve_chunks`) and the
    chosen cells of every frame are found among the pairs with one binary search afterwards.
    """
    if not len(frames):
        return np.zeros(0, np.int64)
    n_gt, n_trk = np.diff(flat.gt_start), np.diff(flat.trk_start)
    # Every frame's matrix laid end to end, row-major: a pair's cell position increases in pair order.
    frame_cell0 = np.concatenate(([0], np.cumsum(n_gt * n_trk)))
    pair_cell = (frame_cell0[flat.pair_frame] + (flat.pair_gt - flat.gt_start[flat.pair_frame])
                 * n_trk[flat.pair_frame] + (flat.pair_trk - flat.trk_start[flat.pair_frame]))
    rid, cid = _solve_chunks(flat, -score, frames, frame_cell0, pair_cell)
    per_frame = np.minimum(n_gt, n_trk)[frames]  # the solver assigns min(rows, cols) cells
    cell = frame_cell0[frames].repeat(per_frame) + rid * n_trk[frames].repeat(per_frame) + cid
    found = np.minimum(np.searchsorted(pair_cell, cell), len(pair_cell) - 1)
    return found[pair_cell[found] == cell]


def _solve_chunks(flat: FlatPairs, neg_score: np.ndarray, frames: np.ndarray, frame_cell0: np.ndarray,
                  pair_cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy's assignment (rows, columns, concatenated in frame order) of each of ``frames`` on TrackEval's
    matrix ``-score_mat``: ``-score`` on the frame's pairs and ``-0.0`` elsewhere, bit for bit, so scipy
    breaks ties exactly as it does in TrackEval.  The matrices of consecutive frames are filled together
    in one reused buffer (:data:`CHUNK_CELLS`), the frame loop only calls the solver on views of it."""
    n_gt, n_trk = np.diff(flat.gt_start), np.diff(flat.trk_start)
    chosen_rows, chosen_cols = [], []
    buffer = np.empty(0)
    for lo, hi in _chunks(frame_cell0, frames):
        first, last = int(frames[lo]), int(frames[hi - 1])
        base, end = int(frame_cell0[first]), int(frame_cell0[last + 1])
        if len(buffer) < end - base:
            buffer = np.empty(max(CHUNK_CELLS, end - base))
        cost = buffer[: end - base]
        cost.fill(-0.0)
        a, b = flat.pair_start[first], flat.pair_start[last + 1]
        cost[pair_cell[a:b] - base] = neg_score[a:b]
        part = frames[lo:hi]
        for start, rows, cols in zip((frame_cell0[part] - base).tolist(), n_gt[part].tolist(), n_trk[part].tolist()):
            rid, cid = linear_sum_assignment(cost[start : start + rows * cols].reshape(rows, cols))
            chosen_rows.append(rid)
            chosen_cols.append(cid)
    return np.concatenate(chosen_rows), np.concatenate(chosen_cols)


def _chunks(frame_cell0: np.ndarray, frames: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive runs ``frames[lo:hi]`` whose matrices (with those of any frames between) span at most
    :data:`CHUNK_CELLS` cells, or one frame each where a frame alone is larger."""
    ends = frame_cell0[frames + 1]
    out, lo = [], 0
    while lo < len(frames):
        hi = int(np.searchsorted(ends, frame_cell0[frames[lo]] + CHUNK_CELLS, side="right"))
        out.append((lo, max(hi, lo + 1)))
        lo = out[-1][1]
    return out


#: The HOTA family per (CLEAR backend, engine): the backend does not change HOTA.
DEFINITIONS: dict[tuple[str, str], type[TrackEval]] = {
    ("motmetrics", "library"): TrackEval,
    ("motmetrics", "fast"): TrackEvalFast,
    ("trackeval", "library"): TrackEval,
    ("trackeval", "fast"): TrackEvalFast,
}

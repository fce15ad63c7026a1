"""CLEAR counts under TrackEval's definition, counted on the flat pair arrays instead of TrackEval's frame loop.

The fast engine's CLEAR family for ``--clear-backend trackeval``: the record is
what :mod:`.clear_trackeval` gets from ``trackeval.metrics.CLEAR`` and
``Count`` (``{"clear": ..., "count": ...}``, counts equal, MOTP to rounding;
``tests/test_fast_metrics.py``), and :func:`combine` / :func:`finalize` are
:mod:`.clear_trackeval`'s.

TrackEval's matching, frame by frame over the frames that have both gt and
tracker boxes: pairs with IoU >= 0.5 - eps are admissible; a pair that
continues a match of the *previous such frame* scores 1000 + IoU, any other
IoU; one Hungarian assignment maximises the score.  A matched gt id whose last
partner (from any earlier frame) differs is an ID switch; a gt id matched now
but not in the previous such frame starts a fragment.  Only the admissible
pairs can be matched, so when no row and no column of a frame has two of them,
every optimum takes all of them and the solver is skipped; otherwise scipy
solves the very matrix TrackEval builds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.harness.metrics import clear_trackeval
from trackbench.harness.metrics.pairs import FlatPairs, flat_pairs, one_per_row_and_column
from trackbench.harness.metrics.preprocess import EPS, SeqData

NAME = clear_trackeval.NAME
combine = clear_trackeval.combine
finalize = clear_trackeval.finalize


def evaluate(seq: SeqData) -> dict[str, Any]:
    """Per-sequence record: {"clear": TrackEval CLEAR result, "count": TrackEval Count result}."""
    clear, count = clear_trackeval.metrics()
    data = seq.trackeval_data()
    if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
        return {"clear": clear.eval_sequence(data), "count": count.eval_sequence(data)}  # constant early return
    flat = flat_pairs(seq)
    matched_gt, switches, fragments, motp_sum = _match(seq, flat, clear.threshold - EPS)
    res: dict[str, Any] = {field: 0 for field in clear.fields}
    tp = len(matched_gt)
    res["CLR_TP"] = tp
    res["CLR_FN"] = seq.num_gt_dets - tp
    res["CLR_FP"] = seq.num_tracker_dets - tp
    res["IDSW"] = switches
    gt_count = flat.gt_count
    matched_count = np.bincount(matched_gt, minlength=seq.num_gt_ids)
    ratio = matched_count[gt_count > 0] / gt_count[gt_count > 0]
    res["MT"] = int(np.sum(ratio > 0.8))
    res["PT"] = int(np.sum(ratio >= 0.2)) - res["MT"]
    res["ML"] = seq.num_gt_ids - res["MT"] - res["PT"]
    res["Frag"] = int(np.sum(fragments[fragments > 0] - 1))
    res["MOTP_sum"] = motp_sum
    res["MOTP"] = motp_sum / np.maximum(1.0, tp)
    res["CLR_Frames"] = seq.num_frames
    return {"clear": clear._compute_final_fields(res), "count": count.eval_sequence(data)}


def _match(seq: SeqData, flat: FlatPairs, threshold: float) -> tuple[np.ndarray, int, np.ndarray, float]:
    """(matched gt ids, ID switches, fragments per gt id, summed IoU of matches) of TrackEval's matching."""
    admissible = np.flatnonzero(flat.pair_iou >= threshold)
    rows, cols = flat.pair_gt[admissible], flat.pair_trk[admissible]
    start = np.searchsorted(flat.pair_frame[admissible], np.arange(seq.num_frames + 1))
    both = np.flatnonzero((np.diff(flat.gt_start) > 0) & (np.diff(flat.trk_start) > 0))
    last_partner = np.full(seq.num_gt_ids, -1, np.int64)  # TrackEval's prev_tracker_id (any earlier frame)
    last_step = np.full(seq.num_gt_ids, -2, np.int64)  # index in ``both`` of the frame that last matched the id
    fragments = np.zeros(seq.num_gt_ids, np.int64)
    matched, sims = [], []
    switches = 0
    for k, t in enumerate(both):
        a, b = start[t], start[t + 1]
        if a == b:
            continue  # nothing admissible: nobody is matched in this frame
        r, c = rows[a:b], cols[a:b]
        if one_per_row_and_column(r, c):
            g, h, s = flat.gt_id[r], flat.trk_id[c], flat.pair_iou[admissible[a:b]]
        else:
            g, h, s = _solve(seq, flat, t, k, last_partner, last_step, threshold)
        before = last_partner[g]
        switches += int(((before >= 0) & (before != h)).sum())
        fragments[g] += last_step[g] != k - 1
        last_partner[g] = h
        last_step[g] = k
        matched.append(g)
        sims.append(s)
    motp_sum = float(sum(np.sum(s) for s in sims))
    return (np.concatenate(matched) if matched else np.zeros(0, np.int64)), switches, fragments, motp_sum


def _solve(seq: SeqData, flat: FlatPairs, t: int, k: int, last_partner: np.ndarray, last_step: np.ndarray,
           threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TrackEval's assignment of frame ``t`` (step ``k``) on its own score matrix: matched gt ids, tracker ids, IoUs."""
    gt_ids, trk_ids = seq.gt_ids[t], seq.tracker_ids[t]
    similarity = seq.similarity[t]
    previous = np.where(last_step[gt_ids] == k - 1, last_partner[gt_ids], -1)  # matched in the previous frame
    score = 1000 * (trk_ids[np.newaxis, :] == previous[:, np.newaxis]) + similarity
    score[similarity < threshold] = 0
    rid, cid = linear_sum_assignment(-score)
    ok = score[rid, cid] > 0 + EPS
    rid, cid = rid[ok], cid[ok]
    return gt_ids[rid], trk_ids[cid], similarity[rid, cid]

"""One tracker's result on one sequence, matched exactly as the scores match it.

The sequence is preprocessed by :func:`~trackbench.harness.metrics.preprocess.preprocess` (MOTChallenge rules:
ROI, distractor removal, scored classes), counted by the metric families of the CLEAR backend the run used, and
the pairs come from the same code: :func:`~trackbench.harness.metrics.clear.matched_detections` (CLEAR, whose
matching also decides IDsw, Frag, FN and FP) and :func:`~trackbench.harness.metrics.hota.matched_pairs` (HOTA's
assignment, kept where IoU >= 0.5).  Everything here is indexed by *scored* detection, in frame order; the
original ids and boxes come along so that a page can name what a user's files say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.metrics import clear, hota
from trackbench.harness.metrics.evaluate import count_preprocessed, finalize
from trackbench.harness.metrics.pairs import FlatPairs, flat_pairs
from trackbench.harness.metrics.preprocess import EPS, SeqData, preprocess

#: HOTA's localisation threshold at which the page shows its matching and decomposition.
ALPHA = 0.5


@dataclass(frozen=True)
class SequenceMatch:
    """Scored gt and tracker detections of one sequence and who was paired with whom.

    ``gt_*`` arrays have one entry per scored gt detection, ``trk_*`` one per
    scored tracker detection, both in frame order.  ``*_partner`` holds the
    index of the paired detection on the other side, -1 where unpaired.
    """

    name: str
    backend: str
    num_frames: int
    gt_frame: np.ndarray  # (G,) 1-based frame
    gt_id: np.ndarray  # (G,) id as in the gt file
    gt_box: np.ndarray  # (G, 4) tlbr
    trk_frame: np.ndarray  # (H,)
    trk_id: np.ndarray  # (H,) id as in the result file
    trk_box: np.ndarray  # (H, 4) tlbr
    clear_partner: np.ndarray  # (G,) tracker detection CLEAR paired with this gt detection, or -1
    clear_iou: np.ndarray  # (G,) its IoU (0 where unpaired)
    hota_partner: np.ndarray  # (G,) tracker detection HOTA's assignment paired at IoU >= ALPHA, or -1
    hota_iou: np.ndarray  # (G,)
    both_frames: np.ndarray  # (T,) bool: the frame has gt and tracker detections (TrackEval's Frag steps)
    metrics: dict[str, float]  # the sequence's scores, counted on the same preprocessed data

    @property
    def trk_partner(self) -> np.ndarray:
        """(H,) gt detection CLEAR paired with each tracker detection, or -1."""
        out = np.full(len(self.trk_id), -1, np.int64)
        paired = np.flatnonzero(self.clear_partner >= 0)
        out[self.clear_partner[paired]] = paired
        return out


def match_sequence(gt: FrameTable, result: FrameTable, spec: EvalSpec, num_frames: int, backend: str,
                   name: str = "") -> SequenceMatch:
    """Preprocess, score and match one (gt, result) pair under CLEAR ``backend`` and HOTA."""
    seq = preprocess(gt, result, spec, num_frames, name=name)
    return match_preprocessed(seq, gt, result, backend)


def match_preprocessed(seq: SeqData, gt: FrameTable, result: FrameTable, backend: str) -> SequenceMatch:
    """:func:`match_sequence` on an already preprocessed ``seq`` (of these ``gt`` and ``result`` tables)."""
    flat = flat_pairs(seq)
    n_gt = len(flat.gt_id)
    clear_partner, clear_iou = _partners(flat, *clear.matched_detections(seq, backend))
    pairs = hota.matched_pairs(seq)
    pairs = pairs[flat.pair_iou[pairs] >= ALPHA - EPS]
    hota_partner = np.full(n_gt, -1, np.int64)
    hota_iou = np.zeros(n_gt)
    hota_partner[flat.pair_gt[pairs]] = flat.pair_trk[pairs]
    hota_iou[flat.pair_gt[pairs]] = flat.pair_iou[pairs]
    gt_frame = np.repeat(np.arange(1, seq.num_frames + 1), np.diff(flat.gt_start))
    trk_frame = np.repeat(np.arange(1, seq.num_frames + 1), np.diff(flat.trk_start))
    both = (np.diff(flat.gt_start) > 0) & (np.diff(flat.trk_start) > 0)
    return SequenceMatch(
        name=seq.name, backend=backend, num_frames=seq.num_frames,
        gt_frame=gt_frame, gt_id=gt.ids[seq.gt_rows].astype(np.int64), gt_box=gt.boxes[seq.gt_rows],
        trk_frame=trk_frame, trk_id=result.ids[seq.tracker_rows].astype(np.int64),
        trk_box=result.boxes[seq.tracker_rows],
        clear_partner=clear_partner, clear_iou=clear_iou, hota_partner=hota_partner, hota_iou=hota_iou,
        both_frames=both, metrics=_scores(seq, backend),
    )


def _scores(seq: SeqData, backend: str) -> dict[str, Any]:
    """The sequence's metrics exactly as ``bench run``/``eval`` report them (same data, same families)."""
    return finalize(count_preprocessed(seq, backend))


def _partners(flat: FlatPairs, gt_det: np.ndarray, trk_det: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per gt detection: its paired tracker detection (or -1) and the pair's IoU.

    Flat pairs are sorted by (gt detection, tracker detection), so each matched
    pair is found by binary search on that combined key.
    """
    partner = np.full(len(flat.gt_id), -1, np.int64)
    values = np.zeros(len(flat.gt_id))
    if len(gt_det):
        width = max(len(flat.trk_id), 1)
        where = np.searchsorted(flat.pair_gt * width + flat.pair_trk, gt_det * width + trk_det)
        partner[gt_det] = trk_det
        values[gt_det] = flat.pair_iou[where]
    return partner, values

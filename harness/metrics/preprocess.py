"""MOTChallenge preprocessing: from a gt and a result table to per-frame scoring arrays.

This reproduces ``trackeval.datasets.MotChallenge2DBox.get_preprocessed_seq_data``
(TrackEval 1.3.0) on :class:`~trackbench.datasets.sequence.FrameTable` input, so that our
numbers and TrackEval's agree to the last bit:

1. (trackbench extension, AI City) with ``EvalSpec.roi`` set, gt rows and
   tracker boxes whose bottom-centre lies outside the mask are dropped first.
2. With ``EvalSpec.distractor_classes`` non-empty (MOT16/17/20), per frame the
   tracker boxes are Hungarian-matched to *all* gt boxes (every class, conf 0
   rows included) on IoU with matches below ``0.5 - eps`` forbidden, and tracker
   boxes matched to a distractor-class gt box are removed.  The assignment is
   only solved in frames where some distractor box has an IoU >= 0.5 - eps with
   some tracker box; elsewhere nothing can be removed, so the result is the same.
3. Only gt rows whose conf, truncated to an integer as TrackEval's ``int()``
   does, is not 0 (:func:`~trackbench.datasets.sequence.considered`: a conf of
   0.5 is not scored) and, when ``EvalSpec.eval_classes`` is set, of those
   classes are kept (MOT15: every such row).
4. gt and tracker ids are relabelled to contiguous 0-based ids (as TrackEval
   does, order-preserving, so motmetrics sees the same tie-breaking).

The output, :class:`SeqData`, holds per frame the relabelled ids and the IoU
matrix, which is everything CLEAR, identity and HOTA need.  IoUs follow
TrackEval's rule (:func:`~trackbench.datasets.boxes.scoring_iou_matrix`: a
pair with a box area or union at or below machine epsilon scores 0), and both
CLEAR backends count on these same arrays, so ``--clear-backend motmetrics``
and ``bench eval --verify`` see the same edge cases as TrackEval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.datasets.boxes import scoring_iou_matrix
from trackbench.datasets.sequence import EvalSpec, FrameTable, considered
from trackbench.harness.metrics.sparse_frames import SparseFrames

#: TrackEval's floating point slack around the 0.5 IoU threshold.
EPS = float(np.finfo("float").eps)
#: IoU at or above which a tracker box may be matched to a distractor.
DISTRACTOR_IOU = 0.5


@dataclass
class SeqData:
    """One preprocessed sequence; list index ``t`` is frame ``t + 1``.

    ``gt_rows`` / ``tracker_rows`` index the rows of the input tables that were
    scored (e.g. to hand the very same boxes to another evaluator).  ``cache``
    lets metric families share derived products (the motmetrics
    accumulator is built once for CLEAR and identity alike).
    """

    num_frames: int
    gt_ids: list[np.ndarray]  # per frame, int64, contiguous 0..num_gt_ids-1
    tracker_ids: list[np.ndarray]  # per frame, int64, contiguous 0..num_tracker_ids-1
    similarity: Sequence[np.ndarray]  # per frame, IoU float64 (len(gt_ids[t]), len(tracker_ids[t])); SparseFrames
    num_gt_ids: int
    num_tracker_ids: int
    num_gt_dets: int
    num_tracker_dets: int
    gt_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    tracker_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    name: str = ""
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def trackeval_data(self) -> dict[str, Any]:
        """The ``data`` dict TrackEval's metric classes take in ``eval_sequence``."""
        return {
            "num_timesteps": self.num_frames,
            "num_gt_ids": self.num_gt_ids,
            "num_tracker_ids": self.num_tracker_ids,
            "num_gt_dets": self.num_gt_dets,
            "num_tracker_dets": self.num_tracker_dets,
            "gt_ids": self.gt_ids,
            "tracker_ids": self.tracker_ids,
            "similarity_scores": self.similarity,
            "seq": self.name,
        }


@dataclass(frozen=True)
class PreparedGt:
    """The result-independent half of :func:`preprocess`: one sequence's ground truth, ready to score.

    Computed once per (gt, spec, length) and reused for every result scored
    against it (every unit and sweep point of a run), so the gt side (ROI,
    scored rows, distractor table, relabelled ids) is never redone.
    """

    gt: FrameTable  # after the ROI, every class (distractor matching needs them all)
    gt_rows: np.ndarray  # rows of the input table that ``gt`` holds
    gt_keep: np.ndarray  # rows of ``gt`` that are scored
    scored: FrameTable  # ``gt.select(gt_keep)``
    is_distractor: np.ndarray | None  # per row of ``gt``; None when the spec removes no distractors
    gt_ids: list[np.ndarray]
    num_gt_ids: int
    spec: EvalSpec
    num_frames: int
    name: str = ""


def prepare_gt(gt: FrameTable, spec: EvalSpec, num_frames: int, name: str = "") -> PreparedGt:
    """Check and preprocess the ground truth alone (steps 1, 3 and 4 of the module docstring for gt)."""
    _check_table(gt, f"{name} gt", num_frames)
    if spec.eval_classes is not None and len(gt) and bool((gt.classes < 0).all()):
        raise ValueError(
            f"{name} gt: has no class column, but the spec scores classes {spec.eval_classes} "
            "(MOT16/17/20 style needs a 9-column gt.txt; score MOT15-style instead)"
        )
    gt_rows = np.arange(len(gt))
    if spec.roi is not None:
        gt_in = inside_roi(gt.boxes, spec.roi)
        gt, gt_rows = gt.select(gt_in), gt_rows[gt_in]
    gt_keep = scored_gt_mask(gt, spec)
    is_distractor = None
    if spec.distractor_classes:
        is_distractor = np.isin(gt.classes, np.asarray(spec.distractor_classes, dtype=np.int64))
    gt_ids, n_gt = _relabel_per_frame(gt.frames[gt_keep], gt.ids[gt_keep], num_frames)
    return PreparedGt(gt, gt_rows, gt_keep, gt.select(gt_keep), is_distractor, gt_ids, n_gt,
                      spec, num_frames, name)


def preprocess(gt: FrameTable, result: FrameTable, spec: EvalSpec, num_frames: int, name: str = "") -> SeqData:
    """Apply MOTChallenge preprocessing (see module docstring) and build :class:`SeqData`."""
    return preprocess_result(prepare_gt(gt, spec, num_frames, name), result)


def preprocess_result(prep: PreparedGt, result: FrameTable) -> SeqData:
    """:func:`preprocess` of one result against already prepared gt (the result-dependent half)."""
    num_frames, spec = prep.num_frames, prep.spec
    _check_table(result, f"{prep.name} result", num_frames)
    trk_rows = np.arange(len(result))
    if spec.roi is not None:
        trk_in = inside_roi(result.boxes, spec.roi)
        result, trk_rows = result.select(trk_in), trk_rows[trk_in]
    if spec.filters_unmatched:
        trk_keep, sims = _frames_with_unmatched_filters(prep, result)
    elif prep.is_distractor is not None:
        trk_keep, sims = _frames_with_distractors(prep, result)
    else:
        trk_keep = np.ones(len(result), bool)
        scored = prep.scored
        gs, rs = frame_starts(scored, num_frames), frame_starts(result, num_frames)
        sims = SparseFrames(scoring_iou_matrix(scored.boxes[gs[t] : gs[t + 1]], result.boxes[rs[t] : rs[t + 1]])
                            for t in range(num_frames))
    trk_ids, n_trk = _relabel_per_frame(result.frames[trk_keep], result.ids[trk_keep], num_frames)
    return SeqData(
        num_frames=num_frames,
        gt_ids=prep.gt_ids,
        tracker_ids=trk_ids,
        similarity=sims,
        num_gt_ids=prep.num_gt_ids,
        num_tracker_ids=n_trk,
        num_gt_dets=int(prep.gt_keep.sum()),
        num_tracker_dets=int(trk_keep.sum()),
        gt_rows=prep.gt_rows[prep.gt_keep],
        tracker_rows=trk_rows[trk_keep],
        name=prep.name,
    )


def scored_gt_mask(gt: FrameTable, spec: EvalSpec) -> np.ndarray:
    """Rows of ``gt`` that are scored: conf not 0 after truncation and, if restricted, of an evaluated class."""
    keep = considered(gt.scores)
    if spec.eval_classes is not None:
        keep &= np.isin(gt.classes, np.asarray(spec.eval_classes, dtype=np.int64))
    return keep


def inside_roi(boxes: np.ndarray, roi: np.ndarray) -> np.ndarray:
    """Whether each tlbr box's bottom-centre pixel lies inside the ROI mask.

    The point is clamped into the image, so a box standing on the image border
    is judged by the border pixel.  A bool mask is used as is; a numeric mask
    (0/1, or a 0/255 image with JPEG noise) counts as inside at >= half its max.
    """
    mask = np.asarray(roi)
    if mask.ndim != 2:
        raise ValueError(f"ROI mask must be 2-D (H, W), got shape {mask.shape}")
    if mask.dtype != bool:
        top = float(mask.max()) if mask.size else 0.0
        mask = mask >= 0.5 * top if top > 0 else np.zeros(mask.shape, bool)
    height, width = mask.shape
    cx = np.floor((boxes[:, 0] + boxes[:, 2]) / 2.0)
    cy = np.floor(boxes[:, 3])
    ix = np.clip(cx, 0, width - 1).astype(np.intp)
    iy = np.clip(cy, 0, height - 1).astype(np.intp)
    return mask[iy, ix]


def distractor_matches(iou: np.ndarray, is_distractor: np.ndarray) -> np.ndarray:
    """Tracker columns Hungarian-matched (IoU >= 0.5) to a distractor gt row, as TrackEval does."""
    scores = iou.copy()
    scores[scores < DISTRACTOR_IOU - EPS] = 0
    rows, cols = linear_sum_assignment(-scores)
    matched = scores[rows, cols] > 0 + EPS
    rows, cols = rows[matched], cols[matched]
    return cols[is_distractor[rows]]


def _frames_with_distractors(prep: PreparedGt, result: FrameTable) -> tuple[np.ndarray, SparseFrames]:
    """Per frame: distractor removal where it can bite, then IoU of scored gt vs kept boxes.

    One IoU matrix per frame, of every gt row (all classes, as TrackEval
    matches against) with every tracker box, serves both the distractor test
    and, restricted to the scored rows, the similarity; the assignment is only
    solved in frames where a distractor box overlaps some tracker box at
    IoU >= 0.5, elsewhere nothing can be removed.
    """
    gt, gt_keep, is_distractor = prep.gt, prep.gt_keep, prep.is_distractor
    assert is_distractor is not None
    gt_start, res_start = frame_starts(gt, prep.num_frames), frame_starts(result, prep.num_frames)
    trk_keep = np.ones(len(result), bool)
    sims = SparseFrames()  # only the overlapping cells are kept (memory O(pairs))
    for t in range(prep.num_frames):
        rows = slice(gt_start[t], gt_start[t + 1])
        iou = scoring_iou_matrix(gt.boxes[rows], result.boxes[res_start[t]:res_start[t + 1]])
        scored = gt_keep[rows]
        distractor = is_distractor[rows]
        if iou.shape[1] and distractor.any() and (iou[distractor] >= DISTRACTOR_IOU - EPS).any():
            # The assignment runs on the IoU against every gt row of the frame, in file order, exactly the
            # matrix TrackEval solves, so ties break the same way.
            removed = distractor_matches(iou, distractor)
            trk_keep[res_start[t] + removed] = False
            sims.append(np.delete(iou[scored], removed, axis=1) if removed.size else iou[scored])
        else:
            sims.append(iou[scored])
    return trk_keep, sims


def _frames_with_unmatched_filters(prep: PreparedGt, result: FrameTable) -> tuple[np.ndarray, SparseFrames]:
    """KITTI's preprocessing (TrackEval's ``Kitti2DBox``), per frame: one Hungarian assignment of every tracker
    box to every gt row (IoU >= 0.5); boxes matched to a distractor row are removed, and so are unmatched
    boxes no taller than ``spec.min_height`` or with more than half their area inside one ignore region."""
    spec, gt, gt_keep = prep.spec, prep.gt, prep.gt_keep
    is_distractor = prep.is_distractor if prep.is_distractor is not None else np.zeros(len(gt), bool)
    regions = spec.ignore_regions
    gt_start, res_start = frame_starts(gt, prep.num_frames), frame_starts(result, prep.num_frames)
    reg_start = frame_starts(regions, prep.num_frames) if regions is not None else None
    trk_keep = np.ones(len(result), bool)
    sims = SparseFrames()  # only the overlapping cells are kept (memory O(pairs))
    for t in range(prep.num_frames):
        rows = slice(gt_start[t], gt_start[t + 1])
        boxes = result.boxes[res_start[t]:res_start[t + 1]]
        iou = scoring_iou_matrix(gt.boxes[rows], boxes)
        unmatched = np.ones(len(boxes), bool)
        removed = np.zeros(len(boxes), bool)
        if iou.size:
            scores = np.where(iou < DISTRACTOR_IOU - EPS, 0.0, iou)
            match_rows, match_cols = linear_sum_assignment(-scores)
            hit = scores[match_rows, match_cols] > 0 + EPS
            match_rows, match_cols = match_rows[hit], match_cols[hit]
            removed[match_cols[is_distractor[rows][match_rows]]] = True
            unmatched[match_cols] = False
        small = np.zeros(len(boxes), bool)
        if spec.min_height > 0:  # KITTI only: BDD100K keeps unmatched boxes of any height, even flat ones
            small = boxes[:, 3] - boxes[:, 1] <= spec.min_height + EPS
        inside = np.zeros(len(boxes), bool)
        if reg_start is not None and reg_start[t + 1] > reg_start[t] and len(boxes):
            inside = (_ioa(boxes, regions.boxes[reg_start[t]:reg_start[t + 1]]) > 0.5 + EPS).any(axis=1)
        removed |= unmatched & (small | inside)
        trk_keep[res_start[t]:res_start[t + 1]] = ~removed
        sims.append(iou[gt_keep[rows]][:, ~removed])
    return trk_keep, sims


def _ioa(boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Share of each tlbr box's area inside each region (0 for boxes of no area), TrackEval's ``do_ioa``."""
    w = np.clip(np.minimum(boxes[:, None, 2], regions[None, :, 2]) - np.maximum(boxes[:, None, 0], regions[None, :, 0]), 0, None)
    h = np.clip(np.minimum(boxes[:, None, 3], regions[None, :, 3]) - np.maximum(boxes[:, None, 1], regions[None, :, 1]), 0, None)
    area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area > EPS, w * h / np.where(area > EPS, area, 1.0), 0.0)


def frame_starts(table: FrameTable, num_frames: int) -> np.ndarray:
    """First row of each frame 1..num_frames, and one past the last: rows of frame ``t + 1`` are ``[s[t], s[t+1])``."""
    return np.searchsorted(table.frames, np.arange(1, num_frames + 2), side="left")


def _relabel_per_frame(frames: np.ndarray, ids: np.ndarray, num_frames: int) -> tuple[list[np.ndarray], int]:
    """Contiguous 0-based ids (order-preserving), split into one array per frame."""
    unique, contiguous = np.unique(ids, return_inverse=True)
    counts = np.bincount(frames, minlength=num_frames + 1)[1 : num_frames + 1]
    bounds = np.cumsum(counts)[:-1]
    return np.split(contiguous.astype(np.int64, copy=False), bounds), len(unique)


def _check_table(table: FrameTable, what: str, num_frames: int) -> None:
    """Refuse input every metric would silently get wrong (TrackEval refuses it too)."""
    if len(table) and table.last_frame > num_frames:
        raise ValueError(f"{what}: frame {table.last_frame} is past the sequence length {num_frames}")
    _check_unique_ids(table, what)


def _check_unique_ids(table: FrameTable, what: str) -> None:
    """An id may appear once per frame; duplicates make every metric ill-defined."""
    if len(table) < 2:
        return
    order = np.lexsort((table.ids, table.frames))
    f, i = table.frames[order], table.ids[order]
    dup = (f[1:] == f[:-1]) & (i[1:] == i[:-1])
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise ValueError(f"{what}: id {int(i[k])} appears more than once in frame {int(f[k])}")

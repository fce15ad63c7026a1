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
   some tracker box and that pair shares its gt row or tracker box with
   another such pair (or some IoU is not finite); elsewhere nothing can be
   removed, or what is removed is forced (:func:`_distractor_removals`), so
   the result is the same.
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

Cost: scoring runs once per result (every trial of ``bench tune``), so the
MOTChallenge path works on whole sequences, not frames: one compiled pass
(:func:`overlapping_pairs`) finds every overlapping (gt, tracker) pair of
the sequence with its IoU, the distractor test, the removal and the
similarity matrices (:class:`SparseFrames`, built from the pairs in one go)
are array operations on those pairs, and Python code runs per frame only
where a distractor assignment has to be solved.  KITTI's preprocessing
(:func:`_frames_with_unmatched_filters`) is still per frame.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.datasets.boxes import AREA_EPS, scoring_iou_matrix, scoring_iou_pairs
from trackbench.datasets.sequence import EvalSpec, FrameTable, considered
from trackbench.harness.metrics.sparse_frames import SparseFrames

#: TrackEval's floating point slack around the 0.5 IoU threshold.
EPS = float(np.finfo("float").eps)
#: IoU at or above which a tracker box may be matched to a distractor.
DISTRACTOR_IOU = 0.5
#: Boxes whose every coordinate is at most this in magnitude cannot overflow in the IoU formula, so a pair
#: of them that does not overlap scores exactly 0 (see :func:`overlapping_pairs`).
TAME_COORDINATE = 1e100
#: Pairs the overlap kernel's buffer holds (24 bytes each), unless one frame has more boxes.
CANDIDATE_CHUNK = 1 << 20


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
        pairs = overlapping_pairs(prep.scored, result, num_frames)
        sims = _similarity(prep.scored, np.ones(len(prep.scored), bool), result, trk_keep, pairs, num_frames)
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
    """Distractor removal where it can bite, then IoU of scored gt vs kept boxes, for the whole sequence.

    One set of IoU pairs, of every gt row (all classes, as TrackEval matches
    against) with every tracker box of its frame, serves both the distractor
    test and, restricted to the scored rows and kept boxes, the similarity.
    """
    assert prep.is_distractor is not None
    pairs = overlapping_pairs(prep.gt, result, prep.num_frames)
    trk_keep = np.ones(len(result), bool)
    trk_keep[_distractor_removals(prep, result, pairs)] = False
    return trk_keep, _similarity(prep.gt, prep.gt_keep, result, trk_keep, pairs, prep.num_frames)


def _distractor_removals(prep: PreparedGt, result: FrameTable,
                         pairs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Rows of ``result`` matched to a distractor gt row (step 2 of the module docstring).

    TrackEval's matches (the assigned pairs scoring above eps) are a
    maximum-weight matching of the pairs with IoU >= 0.5 - eps, the *edges*:
    its solver maximises the total IoU, every other cell is 0, and any
    matching of edges extends to a full assignment with zero cells.  An edge
    alone in its gt row and in its tracker column is therefore in every
    maximum matching (otherwise adding it would gain >= 0.5 - eps), whatever
    the solver does with ties elsewhere.  So:

    * frames where no distractor row has an edge lose nothing;
    * frames whose distractor edges are all alone in their row and column,
      and whose IoUs are all finite, lose exactly those edges' boxes;
    * every other frame with a distractor edge is solved as TrackEval solves
      it, :func:`distractor_matches` on the IoU against every gt row of the
      frame, in file order, rebuilt from the pairs (every other cell is 0 in
      the full matrix too, and every cell below 0.5 - eps is zeroed before
      solving anyway): the very matrix TrackEval solves, so ties break the
      same way (and a NaN is refused as TrackEval's solver refuses it).
    """
    gt_rows, trk_rows, iou = pairs
    is_distractor, num_frames = prep.is_distractor, prep.num_frames
    assert is_distractor is not None
    edges = np.flatnonzero(iou >= DISTRACTOR_IOU - EPS)
    bites = edges[is_distractor[gt_rows[edges]]]
    if not bites.size:
        return np.zeros(0, np.int64)
    row_edges = np.bincount(gt_rows[edges], minlength=len(prep.gt))
    col_edges = np.bincount(trk_rows[edges], minlength=len(result))
    alone = (row_edges[gt_rows[bites]] == 1) & (col_edges[trk_rows[bites]] == 1)
    frame = prep.gt.frames[gt_rows] - 1
    solve = np.zeros(num_frames, bool)
    solve[frame[bites[~alone]]] = True
    solve[frame[~np.isfinite(iou)]] = True
    bitten = np.zeros(num_frames, bool)
    bitten[frame[bites]] = True
    removed = [trk_rows[bites[~solve[frame[bites]]]]]
    gs, rs = frame_starts(prep.gt, num_frames), frame_starts(result, num_frames)
    solved = np.flatnonzero(solve & bitten)
    first, last = np.searchsorted(frame, solved, side="left"), np.searchsorted(frame, solved, side="right")
    for t, lo, hi in zip(solved.tolist(), first.tolist(), last.tolist()):
        matrix = np.zeros((gs[t + 1] - gs[t], rs[t + 1] - rs[t]))
        matrix[gt_rows[lo:hi] - gs[t], trk_rows[lo:hi] - rs[t]] = iou[lo:hi]
        removed.append(rs[t] + distractor_matches(matrix, is_distractor[gs[t]:gs[t + 1]]))
    return np.concatenate(removed)


def overlapping_pairs(gt: FrameTable, result: FrameTable, num_frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (gt row, result row) pair of a frame whose scoring IoU is not 0, with that IoU.

    In frame order, row-major inside a frame (the order of the frame's IoU
    matrix ``.ravel()``), as three flat arrays: gt rows, result rows, IoU.
    Equal to taking :func:`~trackbench.datasets.boxes.scoring_iou_matrix` of
    every frame and keeping its non-zero cells, bit for bit, at a fraction of
    the cost: a compiled kernel (:func:`_overlap_kernel`) visits every cell
    of every frame and computes only the pairs whose boxes overlap.  A pair
    it skips scores exactly 0: for boxes with finite coordinates of
    magnitude at most :data:`TAME_COORDINATE` no step of the formula
    overflows, and boxes that do not overlap along x (or y) have a clipped
    side of ±0, an intersection of ±0 and an IoU of ±0.  Pairs with any other
    box (NaN, infinite or huge coordinates, where 0 x inf or inf - inf make
    NaN) are all handed to :func:`~trackbench.datasets.boxes.scoring_iou_pairs`,
    the NumPy formula itself.  Memory: O(pairs), plus a buffer of
    max(:data:`CANDIDATE_CHUNK`, most boxes in a frame) candidates.
    """
    gs, rs = frame_starts(gt, num_frames), frame_starts(result, num_frames)
    capacity = int(min((np.diff(gs) * np.diff(rs)).sum(), max(CANDIDATE_CHUNK, np.diff(rs).max(initial=0))))
    out_gt, out_res, out_iou = np.empty(capacity, np.int64), np.empty(capacity, np.int64), np.empty(capacity)
    gt_boxes, res_boxes = _kernel_boxes(gt.boxes), _kernel_boxes(result.boxes)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    t, row, untamed = 0, 0, 0
    while t < num_frames:  # once, unless the pairs outgrow the buffer
        t, row, n, more = _compiled_overlap_kernel()(gt_boxes, gs, res_boxes, rs, TAME_COORDINATE, AREA_EPS, t, row,
                                                     out_gt, out_res, out_iou)
        found.append((out_gt[:n].copy(), out_res[:n].copy(), out_iou[:n].copy()))
        untamed += more
    gt_rows, res_rows, iou = (np.concatenate(column) for column in zip(*found)) if found else _no_pairs()
    if untamed:
        redo = np.flatnonzero(np.isnan(iou))  # the kernel's mark; a tame pair's IoU is never NaN
        iou[redo] = scoring_iou_pairs(gt_boxes[gt_rows[redo]].T, res_boxes[res_rows[redo]].T)
        nonzero = iou != 0  # NaN is kept, as SparseFrames keeps it
        gt_rows, res_rows, iou = gt_rows[nonzero], res_rows[nonzero], iou[nonzero]
    return gt_rows, res_rows, iou


def _no_pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)


def _kernel_boxes(boxes: np.ndarray) -> np.ndarray:
    """Corner boxes as the kernel takes them: a C-contiguous float64 (n, 4) array (no copy if they are one)."""
    return np.ascontiguousarray(np.asarray(boxes, np.float64).reshape(-1, 4))


def _overlap_kernel(gt_boxes: np.ndarray, gs: np.ndarray, res_boxes: np.ndarray, rs: np.ndarray, tame: float,
                    area_eps: float, t: int, row: int, out_gt: np.ndarray, out_res: np.ndarray,
                    out_iou: np.ndarray) -> tuple[int, int, int, int]:
    """The pairs of :func:`overlapping_pairs` from frame ``t``'s gt row ``row`` on, into the ``out_*`` buffers.

    Boxes are (n, 4) arrays (:func:`_kernel_boxes`), frame ``t``'s rows
    are ``gs[t]:gs[t + 1]`` and ``rs[t]:rs[t + 1]``.  A pair of tame boxes
    (coordinates within ``±tame``; NaN is not) is written only if the boxes
    overlap along both axes and its IoU is not 0; the IoU is
    :func:`~trackbench.datasets.boxes.scoring_iou_matrix`'s formula, step
    for step (IEEE operations, no fast-math, so the same bits; with both
    sides positive, clipping them at 0 is the identity).  A pair with another
    box is written with a NaN IoU for NumPy to fill in, and counted.
    Returns (frame, row) to resume from when the buffer may not hold the
    next row's pairs (frame ``len(gs) - 1`` when done), pairs written, and
    untamed pairs among them.
    """
    tame_boxes = []
    for boxes in (gt_boxes, res_boxes):
        ok = np.empty(len(boxes), np.bool_)
        for i in range(len(boxes)):
            ok[i] = (abs(boxes[i, 0]) <= tame and abs(boxes[i, 1]) <= tame and abs(boxes[i, 2]) <= tame
                     and abs(boxes[i, 3]) <= tame)
        tame_boxes.append(ok)
    gt_tame, res_tame = tame_boxes
    n, untamed, capacity = 0, 0, len(out_gt)
    while t < len(gs) - 1:
        row = max(row, gs[t])
        r0, r1 = rs[t], rs[t + 1]
        while row < gs[t + 1]:
            if r1 - r0 > capacity - n:
                return t, row, n, untamed
            ax1, ay1, ax2, ay2 = gt_boxes[row, 0], gt_boxes[row, 1], gt_boxes[row, 2], gt_boxes[row, 3]
            area_a = (ax2 - ax1) * (ay2 - ay1)
            for j in range(r0, r1):
                if not (gt_tame[row] and res_tame[j]):
                    out_gt[n], out_res[n], out_iou[n] = row, j, np.nan
                    n += 1
                    untamed += 1
                    continue
                bx1, by1, bx2, by2 = res_boxes[j, 0], res_boxes[j, 1], res_boxes[j, 2], res_boxes[j, 3]
                ix1, ix2 = max(ax1, bx1), min(ax2, bx2)
                if ix2 <= ix1:
                    continue
                iy1, iy2 = max(ay1, by1), min(ay2, by2)
                if iy2 <= iy1:
                    continue
                inter = (ix2 - ix1) * (iy2 - iy1)
                area_b = (bx2 - bx1) * (by2 - by1)
                union = area_a + area_b - inter
                if area_a <= area_eps or area_b <= area_eps or union <= area_eps:
                    continue  # scored 0
                iou = inter / union
                if iou == 0:
                    continue  # an intersection or a ratio below the smallest float: 0 in NumPy too
                out_gt[n], out_res[n], out_iou[n] = row, j, iou
                n += 1
            row += 1
        t += 1
    return t, row, n, untamed


@functools.cache
def _compiled_overlap_kernel() -> Callable[..., tuple[int, int, int, int]]:
    """:func:`_overlap_kernel` compiled on first use (so importing this module imports no numba; the first
    MOT-style scoring in a process does, ~0.3 s once), with the trackers' kernel settings and on-disk cache
    (:mod:`trackbench.trackers.core.jit`).

    Its cache stamp covers this file and ``trackers/core/jit.py`` whatever the import order.  A kernel added
    to a module that imports this one would not be so lucky: this module registers as a kernel module only
    when this runs, so that kernel's stamp would depend on whether scoring ran first (see
    :func:`trackbench.harness.metrics.clear._mm_frames_kernel`, which uses numba's own cache for that reason)."""
    from trackbench.trackers.core.jit import kernel

    return kernel(_overlap_kernel)


def _similarity(gt: FrameTable, gt_keep: np.ndarray, result: FrameTable, trk_keep: np.ndarray,
                pairs: tuple[np.ndarray, np.ndarray, np.ndarray], num_frames: int) -> SparseFrames:
    """Per frame the IoU matrix of the kept gt rows (``gt_keep``) with the kept boxes (``trk_keep``), from the
    pairs of :func:`overlapping_pairs`: each kept pair's cell is its position among the frame's kept rows and
    columns, so the row-major order of the pairs is the order of the cells."""
    gt_rows, trk_rows, iou = pairs
    kept = gt_keep[gt_rows] & trk_keep[trk_rows]
    gt_rows, trk_rows, iou = gt_rows[kept], trk_rows[kept], iou[kept]
    gt_rank = np.concatenate(([0], np.cumsum(gt_keep)))  # kept rows before each row
    trk_rank = np.concatenate(([0], np.cumsum(trk_keep)))
    gt_before = gt_rank[frame_starts(gt, num_frames)]  # kept rows before each frame, and in all
    trk_before = trk_rank[frame_starts(result, num_frames)]
    shapes = np.stack((np.diff(gt_before), np.diff(trk_before)), axis=1)
    frame = gt.frames[gt_rows] - 1
    row = gt_rank[gt_rows] - gt_before[frame]
    col = trk_rank[trk_rows] - trk_before[frame]
    start = np.searchsorted(frame, np.arange(num_frames + 1), side="left")
    return SparseFrames.from_cells(shapes, start, row * shapes[frame, 1] + col, iou)


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
    _check_tame_boxes(table, what)
    _check_unique_ids(table, what)


def _check_tame_boxes(table: FrameTable, what: str) -> None:
    """A coordinate beyond :data:`TAME_COORDINATE` (or not finite) is no box: its IoU can overflow to NaN,
    which the libraries' solvers refuse in one engine while a sum skips it in the other."""
    wild = ~(np.abs(np.asarray(table.boxes, np.float64)) <= TAME_COORDINATE).all(axis=1)
    if wild.any():
        k = int(np.flatnonzero(wild)[0])
        box = ", ".join(f"{v:g}" for v in np.asarray(table.boxes[k], np.float64))
        raise ValueError(f"{what}: frame {int(table.frames[k])}, id {int(table.ids[k])}: box ({box}) has a "
                         f"coordinate beyond ±{TAME_COORDINATE:g} or not finite: not a box")


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

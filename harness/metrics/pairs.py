"""A preprocessed sequence as flat arrays: every detection once, every overlapping (gt, tracker) pair once.

Both libraries walk a sequence frame by frame and re-derive the same things in
every frame (which pairs overlap, row and column sums of the IoU matrix).
The fast engine's classes (``*Fast`` in :mod:`.clear`, :mod:`.identity`,
:mod:`.hota`) instead work on one set of arrays per sequence, built here
once and cached on :attr:`SeqData.cache <trackbench.harness.metrics.preprocess.SeqData.cache>`:

* per detection (gt and tracker, in frame order): its frame and its id, and
  per id the number of detections;
* per pair with IoU > 0 (frame order, row-major inside a frame, i.e. the order
  of ``similarity[t].ravel()``): frame, gt detection, tracker detection, IoU.

Pairs with IoU 0 are left out: they cannot match under any metric here, and
they add exact zeros to every sum they would enter.  Building works on the
stored cells of :class:`~trackbench.harness.metrics.sparse_frames.SparseFrames`
(its flat arrays, :meth:`~trackbench.harness.metrics.sparse_frames.SparseFrames.flat`)
with whole-sequence array operations, no Python call per frame, in memory
O(pairs), never frames x gt x tracks (2,000 frames of 500 boxes: 4 GB dense);
its time is O(pairs) too, except the exact row sums of crowded rows below,
which cost their rows' full length.
The per-frame row and column sums of the IoU matrices are the bits NumPy's own
``sum`` gives on each frame's dense matrix, as TrackEval's HOTA takes them:
column sums add the cells in row order as NumPy does, and rows (whose sum
NumPy takes pairwise, so the bits depend on where the values sit) with three
or more cells are summed by NumPy on dense rows of the same length
(:func:`_resum_crowded_lines`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.harness.metrics.preprocess import SeqData
from trackbench.harness.metrics.sparse_frames import SparseFrames

_CACHE_KEY = "flat_pairs"
#: Most cells of one dense block of crowded lines (:func:`_resum_crowded_lines`): 8 MB.
BLOCK_CELLS = 1 << 20


@dataclass(frozen=True)
class FlatPairs:
    """Flat view of a :class:`SeqData` (see module docstring); ``t`` is the 0-based frame index."""

    gt_start: np.ndarray  # (T + 1,) first gt detection of each frame; gt_start[T] = number of gt dets
    trk_start: np.ndarray  # (T + 1,) same for tracker detections
    gt_id: np.ndarray  # (G,) id of each gt detection
    trk_id: np.ndarray  # (H,) id of each tracker detection
    gt_count: np.ndarray  # (num_gt_ids,) detections of each gt id
    trk_count: np.ndarray  # (num_tracker_ids,) detections of each tracker id
    gt_row_sum: np.ndarray  # (G,) IoU summed over the tracker boxes of its frame
    trk_col_sum: np.ndarray  # (H,) IoU summed over the gt boxes of its frame
    pair_start: np.ndarray  # (T + 1,) first pair of each frame
    pair_frame: np.ndarray  # (P,) frame of each pair
    pair_gt: np.ndarray  # (P,) gt detection of each pair
    pair_trk: np.ndarray  # (P,) tracker detection of each pair
    pair_iou: np.ndarray  # (P,) IoU > 0


def flat_pairs(seq: SeqData) -> FlatPairs:
    """The sequence's :class:`FlatPairs`, built on first use and cached on ``seq``."""
    flat = seq.cache.get(_CACHE_KEY)
    if flat is None:
        flat = build(seq)
        seq.cache[_CACHE_KEY] = flat
    return flat


def build(seq: SeqData) -> FlatPairs:
    """Flatten ``seq``: whole-sequence array work on its stored cells (:meth:`SparseFrames.flat`), no per-frame loop."""
    n_gt = np.fromiter((len(ids) for ids in seq.gt_ids), np.int64, seq.num_frames)
    n_trk = np.fromiter((len(ids) for ids in seq.tracker_ids), np.int64, seq.num_frames)
    gt_start = np.concatenate(([0], np.cumsum(n_gt)))
    trk_start = np.concatenate(([0], np.cumsum(n_trk)))
    frames = seq.similarity if isinstance(seq.similarity, SparseFrames) else SparseFrames(seq.similarity)
    shapes, start, cells, values = frames.flat()  # every non-zero cell (NaN too), frame by frame, row-major
    frame = np.repeat(np.arange(len(shapes)), np.diff(start))
    height, width = shapes[frame, 0], shapes[frame, 1]
    row, col = np.divmod(cells.astype(np.int64, copy=False), width)
    gt_det, trk_det = gt_start[frame] + row, trk_start[frame] + col
    gt_row_sum = _row_sums(gt_det, col, values, int(gt_start[-1]), width)
    trk_col_sum = _column_sums(trk_det, row, values, int(trk_start[-1]), height, width == 1)
    pair = values > 0
    frame = frame[pair]
    pair_start = np.searchsorted(frame, np.arange(seq.num_frames + 1), side="left")
    gt_id, trk_id = _concat(seq.gt_ids), _concat(seq.tracker_ids)
    return FlatPairs(
        gt_start=gt_start,
        trk_start=trk_start,
        gt_id=gt_id,
        trk_id=trk_id,
        gt_count=np.bincount(gt_id, minlength=seq.num_gt_ids),
        trk_count=np.bincount(trk_id, minlength=seq.num_tracker_ids),
        gt_row_sum=gt_row_sum,
        trk_col_sum=trk_col_sum,
        pair_start=pair_start,
        pair_frame=frame,
        pair_gt=gt_det[pair],
        pair_trk=trk_det[pair],
        pair_iou=values[pair],
    )


def _row_sums(det: np.ndarray, col: np.ndarray, values: np.ndarray, size: int, width: np.ndarray) -> np.ndarray:
    """Per gt detection, ``similarity[t].sum(1)`` of its row, bit for bit, from the stored cells (per cell:
    detection, column, value, width of its frame's matrix).  A row is a contiguous line (see
    :func:`_resum_crowded_lines`); any order of at most two values gives the same bits (every other term
    is +0.0), so rows of at most two cells come from ``bincount``."""
    sums = np.bincount(det, weights=values, minlength=size)
    _resum_crowded_lines(sums, det, col, values, width)
    return sums


def _column_sums(det: np.ndarray, row: np.ndarray, values: np.ndarray, size: int, height: np.ndarray,
                 one_column: np.ndarray) -> np.ndarray:
    """Per tracker detection, ``similarity[t].sum(0)`` of its column, bit for bit, from the stored cells.

    NumPy sums a matrix of two or more columns over axis 0 row after row,
    ``((m[0] + m[1]) + m[2]) + ...`` (pairwise summation is only used along
    the fast axis): adding the stored cells in row order, the order they are
    stored in, gives the same bits (the other terms are +0.0), and
    ``bincount`` adds its weights in order.  The column of a one-column
    matrix is a contiguous line, summed pairwise like a row.
    """
    sums = np.bincount(det, weights=values, minlength=size)
    single = np.flatnonzero(one_column)
    if single.size:
        _resum_crowded_lines(sums, det[single], row[single], values[single], height[single])
    return sums


def _resum_crowded_lines(sums: np.ndarray, line: np.ndarray, pos: np.ndarray, values: np.ndarray,
                         length: np.ndarray) -> None:
    """Overwrite ``sums`` of the contiguous lines with three or more stored cells by NumPy's own sum of the line.

    ``line``/``pos``/``values``/``length``: per stored cell, its line, its
    position in the line, its value and the line's length.  NumPy sums a
    contiguous line pairwise (8 running partial sums, then a tree), so the
    bits depend on where the values sit, not only on the values: such lines
    are rebuilt dense, as the rows of a block of lines of the same length,
    and summed by NumPy (a row's sum does not depend on the rows around it).
    Memory: a block holds at most :data:`BLOCK_CELLS` cells, or one line.
    """
    crowded = np.flatnonzero(np.bincount(line)[line] >= 3)
    if not crowded.size:
        return
    crowded = crowded[np.lexsort((line[crowded], length[crowded]))]  # by length, then line
    bounds = np.flatnonzero(np.diff(length[crowded])) + 1
    for group in np.split(crowded, bounds):
        width = int(length[group[0]])
        lines, index = np.unique(line[group], return_inverse=True)  # index ascends: group is sorted by line
        per_block = max(1, BLOCK_CELLS // width)
        for first in range(0, len(lines), per_block):
            lo, hi = np.searchsorted(index, [first, first + per_block])
            block = np.zeros((len(lines[first:first + per_block]), width))
            block[index[lo:hi] - first, pos[group[lo:hi]]] = values[group[lo:hi]]
            sums[lines[first:first + per_block]] = block.sum(1)


def one_per_row_and_column(rows: np.ndarray, cols: np.ndarray) -> bool:
    """Whether no row and no column holds two of these pairs (``rows`` sorted, as a frame's pairs are).

    Then every optimal assignment takes all of them (they are the only
    candidates and do not compete), so the metrics need no solver.
    """
    return not (rows[1:] == rows[:-1]).any() and len(np.unique(cols)) == len(cols)


def pairs_at(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray, rid: np.ndarray,
             cid: np.ndarray) -> np.ndarray:
    """Positions (into ``rows``/``cols``) of the cells ``(rid, cid)`` a solver chose, -1 where it is no such pair.

    ``rows``/``cols`` are one frame's pairs in frame-local coordinates of a
    matrix of ``shape``.
    """
    index = np.full(shape, -1, np.int64)
    index[rows, cols] = np.arange(len(rows))
    return index[rid, cid]


def _concat(per_frame: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(per_frame).astype(np.int64, copy=False) if per_frame else np.zeros(0, np.int64)

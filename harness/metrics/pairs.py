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
they add exact zeros to every sum they would enter.  The frames are flattened
one at a time, so building costs O(pairs) plus one frame's (gt x tracks)
matrix, never frames x gt x tracks (2,000 frames of 500 boxes: 4 GB dense).  The per-frame row and
column sums of the IoU matrices are taken with NumPy's own ``sum`` on each
frame's matrix, as TrackEval's HOTA does, so derived values agree to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.harness.metrics.preprocess import SeqData

_CACHE_KEY = "flat_pairs"


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
    """Flatten ``seq`` (one pass over its frames, then whole-sequence array work)."""
    n_gt = np.fromiter((len(ids) for ids in seq.gt_ids), np.int64, seq.num_frames)
    n_trk = np.fromiter((len(ids) for ids in seq.tracker_ids), np.int64, seq.num_frames)
    gt_start = np.concatenate(([0], np.cumsum(n_gt)))
    trk_start = np.concatenate(([0], np.cumsum(n_trk)))
    both = np.flatnonzero((n_gt > 0) & (n_trk > 0))
    gt_row_sum = np.zeros(gt_start[-1])
    trk_col_sum = np.zeros(trk_start[-1])
    frames, rows, cols, ious = [], [], [], []
    for t in both:  # one frame's matrix at a time: memory O(pairs) + O(largest frame's gt x tracks)
        sim = seq.similarity[t]
        gt_row_sum[gt_start[t] : gt_start[t + 1]] = sim.sum(1)
        trk_col_sum[trk_start[t] : trk_start[t + 1]] = sim.sum(0)
        r, c = np.nonzero(sim > 0)  # row-major, the order of sim.ravel()
        frames.append(np.full(len(r), t, np.int64))
        rows.append(r)
        cols.append(c)
        ious.append(sim[r, c])
    frame, row, col = _concat(frames), _concat(rows), _concat(cols)
    pair_iou = np.concatenate(ious) if ious else np.zeros(0)
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
        pair_gt=gt_start[frame] + row,
        pair_trk=trk_start[frame] + col,
        pair_iou=pair_iou,
    )


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

"""Per-frame IoU matrices kept as their overlapping cells only, handed out dense one frame at a time.

:class:`~trackbench.harness.metrics.preprocess.SeqData` holds one (gt x tracker)
IoU matrix per frame.  Kept dense, a sequence costs frames x gt x tracks x 8
bytes: 2,000 frames of 500 boxes are 4 GB before any metric runs, and
flattening them (:mod:`.pairs`) asked for several times that (``MemoryError``).
Boxes overlap only their neighbours, so almost every cell is 0.

:class:`SparseFrames` stores per frame the matrix's shape and, in one flat
array for the whole sequence (frame by frame, an offset per frame), the flat
positions of its non-zero cells (row-major) and their values, 12-16 bytes per
overlapping pair.  It rebuilds frame ``t``'s dense matrix when indexed
(``similarity[t]``), which is all the metric code and the libraries
(``data["similarity_scores"][t]``) ever do.  The rebuilt matrix holds the very
same float64 values: every stored cell bit for bit, every other cell +0.0
(a -0.0 comes back as +0.0, which no metric tells apart).  Memory is then
O(pairs) for the sequence plus O(largest frame's gt x tracks) for the one
matrix in use.

The flat layout is what the producer (preprocessing, which finds the
overlapping pairs of a whole sequence at once: :meth:`SparseFrames.from_cells`)
and the consumer (:mod:`.pairs`, which flattens them again: :meth:`SparseFrames.flat`)
both work in, so neither pays a Python call per frame.  Matrices can still be
added one at a time (:meth:`SparseFrames.append`); they are joined into the
flat arrays on the next read.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

#: Cell positions are stored as int32 while every frame's matrix has fewer cells than this.
_INT32_CELLS = 2**31


class SparseFrames:
    """A list-like sequence of per-frame float64 matrices stored sparsely (see module docstring)."""

    def __init__(self, matrices: Iterable[np.ndarray] = ()) -> None:
        self._shapes = np.zeros((0, 2), np.int64)  # (T, 2) rows, columns of each frame's matrix
        self._start = np.zeros(1, np.int64)  # (T + 1,) first stored cell of each frame
        self._cells = np.zeros(0, np.int32)  # flat row-major positions of the non-zero cells, frame by frame
        self._values = np.zeros(0)
        self._pending: list[tuple[tuple[int, int], np.ndarray, np.ndarray]] = []  # appended, not yet joined
        for matrix in matrices:
            self.append(matrix)

    @classmethod
    def from_cells(cls, shapes: np.ndarray, start: np.ndarray, cells: np.ndarray, values: np.ndarray) -> SparseFrames:
        """Frames given in the flat layout directly: ``shapes`` (T, 2), cells ``start[t]:start[t + 1]`` of frame ``t``.

        The caller guarantees what :meth:`append` would: per frame, positions
        ascending and inside the matrix, values non-zero (NaN allowed).
        """
        frames = cls()
        frames._shapes = np.asarray(shapes, np.int64).reshape(-1, 2)
        frames._start = np.asarray(start, np.int64)
        frames._cells = _cell_dtype(np.asarray(cells), frames._shapes)
        frames._values = np.asarray(values, np.float64)
        return frames

    def append(self, matrix: np.ndarray) -> None:
        """Store one frame's matrix (only its non-zero cells; NaN counts as non-zero and is kept)."""
        flat = np.asarray(matrix, dtype=np.float64).ravel()
        cells = np.flatnonzero(flat != 0)
        rows, cols = np.shape(matrix)  # a frame's matrix is 2-D, (gt, tracker), even when empty
        self._pending.append(((int(rows), int(cols)), cells, flat[cells]))

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(shapes, start, cells, values)``: the whole sequence in the flat layout of :meth:`from_cells`."""
        self._join()
        return self._shapes, self._start, self._cells, self._values

    def __len__(self) -> int:
        return len(self._shapes) + len(self._pending)

    def __getitem__(self, t: int) -> np.ndarray:
        """Frame ``t``'s dense matrix (a fresh array: callers may modify it)."""
        cells, values = self.nonzero(t)
        rows, cols = self.shape(t)
        dense = np.zeros(rows * cols)
        dense[cells] = values
        return dense.reshape(rows, cols)

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[t] for t in range(len(self)))

    def nonzero(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``t``'s non-zero cells as (flat row-major positions, values), without densifying."""
        t = self._frame(t)
        lo, hi = self._start[t], self._start[t + 1]
        return self._cells[lo:hi], self._values[lo:hi]

    def shape(self, t: int) -> tuple[int, int]:
        rows, cols = self._shapes[self._frame(t)]
        return int(rows), int(cols)

    @property
    def nbytes(self) -> int:
        """Bytes held by the stored cells (what the sequence costs, apart from its per-frame shapes and offsets)."""
        self._join()
        return self._cells.nbytes + self._values.nbytes

    def _frame(self, t: int) -> int:
        """``t`` as a non-negative frame index (negative counts from the end, as for a list), after joining."""
        self._join()
        n = len(self._shapes)
        if not -n <= t < n:
            raise IndexError(f"frame index {t} out of range for {n} frames")
        return int(t) % n

    def _join(self) -> None:
        """Move appended frames into the flat arrays (one concatenation however many frames were appended).

        Each join copies the whole store, so a caller that alternates appends and reads frame by frame would
        pay quadratic time; the one that appends (KITTI's preprocessing) appends every frame, then reads."""
        if not self._pending:
            return
        shapes = np.array([shape for shape, _, _ in self._pending], np.int64).reshape(-1, 2)
        counts = np.array([len(cells) for _, cells, _ in self._pending], np.int64)
        self._shapes = np.concatenate((self._shapes, shapes))
        self._start = np.concatenate((self._start, self._start[-1] + np.cumsum(counts)))
        cells = np.concatenate([self._cells.astype(np.int64)] + [cells for _, cells, _ in self._pending])
        self._cells = _cell_dtype(cells, self._shapes)
        self._values = np.concatenate([self._values] + [values for _, _, values in self._pending])
        self._pending = []


def _cell_dtype(cells: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """Cell positions as int32 (4 bytes a pair) unless some frame's matrix is too large for it."""
    largest = int((shapes[:, 0] * shapes[:, 1]).max()) if len(shapes) else 0
    return cells.astype(np.int32 if largest < _INT32_CELLS else np.int64, copy=False)

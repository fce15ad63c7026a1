"""Per-frame IoU matrices kept as their overlapping cells only, handed out dense one frame at a time.

:class:`~trackbench.harness.metrics.preprocess.SeqData` holds one (gt x tracker)
IoU matrix per frame.  Kept dense, a sequence costs frames x gt x tracks x 8
bytes: 2,000 frames of 500 boxes are 4 GB before any metric runs, and
flattening them (:mod:`.pairs`) asked for several times that (``MemoryError``).
Boxes overlap only their neighbours, so almost every cell is 0.

:class:`SparseFrames` stores per frame the matrix's shape, the flat positions
of its non-zero cells (row-major) and their values, 12-16 bytes per
overlapping pair, and rebuilds frame ``t``'s dense matrix when indexed
(``similarity[t]``), which is all the metric code and the libraries
(``data["similarity_scores"][t]``) ever do.  The rebuilt matrix holds the very
same float64 values: every stored cell bit for bit, every other cell +0.0
(a -0.0 comes back as +0.0, which no metric tells apart).  Memory is then
O(pairs) for the sequence plus O(largest frame's gt x tracks) for the one
matrix in use.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np


class SparseFrames:
    """A list-like sequence of per-frame float64 matrices stored sparsely (see module docstring)."""

    def __init__(self, matrices: Iterable[np.ndarray] = ()) -> None:
        self._shapes: list[tuple[int, int]] = []
        self._cells: list[np.ndarray] = []  # flat row-major positions of the non-zero cells
        self._values: list[np.ndarray] = []
        for matrix in matrices:
            self.append(matrix)

    def append(self, matrix: np.ndarray) -> None:
        """Store one frame's matrix (only its non-zero cells; NaN counts as non-zero and is kept)."""
        flat = np.asarray(matrix, dtype=np.float64).ravel()
        cells = np.flatnonzero(flat != 0)
        rows, cols = np.shape(matrix)  # a frame's matrix is 2-D, (gt, tracker), even when empty
        self._shapes.append((int(rows), int(cols)))
        self._cells.append(cells.astype(np.int32) if flat.size < 2**31 else cells)
        self._values.append(flat[cells])

    def __len__(self) -> int:
        return len(self._shapes)

    def __getitem__(self, t: int) -> np.ndarray:
        """Frame ``t``'s dense matrix (a fresh array: callers may modify it)."""
        rows, cols = self._shapes[t]
        dense = np.zeros(rows * cols)
        dense[self._cells[t]] = self._values[t]
        return dense.reshape(rows, cols)

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[t] for t in range(len(self)))

    def nonzero(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``t``'s non-zero cells as (flat row-major positions, values), without densifying."""
        return self._cells[t], self._values[t]

    def shape(self, t: int) -> tuple[int, int]:
        return self._shapes[t]

    @property
    def nbytes(self) -> int:
        """Bytes held by the stored cells (what the sequence costs, apart from Python's per-frame overhead)."""
        return sum(c.nbytes + v.nbytes for c, v in zip(self._cells, self._values))

"""The value of a maximum-weight bipartite matching of a sparse weight table, one connected component at a time.

IDF1 needs the largest number of co-occurrences a one-to-one matching of gt
ids to tracker ids collects.  Solved on one dense (gt ids x tracker ids)
matrix, 100,000 ids on each side ask for 75 GiB.  But a matching never pairs
ids of different connected components of the co-occurrence graph, so the
optimum is the sum of each component's optimum: exactly the same integer,
with memory O(co-occurring pairs) + O(largest component's rows x columns).
Which pairs are chosen may differ between optimal matchings; only the total
is used, and it is unique.

Small tables (at most :data:`DENSE_CELLS` cells, every real sequence) are
solved in one piece, as before; a component larger than :data:`MAX_CELLS`
raises :class:`MatchingTooLarge` instead of exhausting memory.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: Tables up to this many cells are solved whole (32 MB of int64).
DENSE_CELLS = 4_000_000
#: Largest component solved (rows x columns cells, 8 bytes each, plus scipy's copies): 128 MB of int64.
MAX_CELLS = 16_000_000


class MatchingTooLarge(ValueError):
    """One connected component of the id co-occurrence graph is too large to solve within :data:`MAX_CELLS`
    (an input error: the command line prints it as one line, exit status 2)."""


def max_weight_total(row: np.ndarray, col: np.ndarray, weight: np.ndarray, what: str = "") -> int:
    """Total weight of a maximum-weight matching of the (row, col, weight) table (distinct (row, col) pairs,
    rows and columns numbered 0..n-1 without gaps, weights > 0)."""
    if len(weight) == 0:
        return 0
    n_rows, n_cols = int(row.max()) + 1, int(col.max()) + 1
    if n_rows * n_cols <= DENSE_CELLS:
        return _dense_total(row, col, weight, n_rows, n_cols)
    graph = coo_matrix((np.ones(len(row), np.int8), (row, col + n_rows)), shape=(n_rows + n_cols,) * 2)
    _, label = connected_components(graph, directed=False)
    component = label[row]  # a pair's row and column share a component
    order = np.argsort(component, kind="stable")
    bounds = np.flatnonzero(np.diff(component[order])) + 1
    total = 0
    for part in np.split(order, bounds):
        rows, r = np.unique(row[part], return_inverse=True)
        cols, c = np.unique(col[part], return_inverse=True)
        if len(rows) * len(cols) > MAX_CELLS:
            raise MatchingTooLarge(f"{what}{len(rows):,} gt ids x {len(cols):,} tracker ids co-occur in one "
                                   f"connected group: the identity matching would need "
                                   f"{len(rows) * len(cols) * 8 / 1e9:.1f} GB, above the ceiling of "
                                   f"{MAX_CELLS:,} cells ({MAX_CELLS * 8 / 1e6:.0f} MB)")
        total += _dense_total(r, c, weight[part], len(rows), len(cols))
    return total


def _dense_total(row: np.ndarray, col: np.ndarray, weight: np.ndarray, n_rows: int, n_cols: int) -> int:
    table = np.zeros((n_rows, n_cols), np.int64)
    table[row, col] = weight
    r, c = linear_sum_assignment(table, maximize=True)
    return int(table[r, c].sum())

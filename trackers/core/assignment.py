"""Minimum-cost assignment with a gate, the association step every tracker shares.

Wraps scipy's Hungarian solver (``linear_sum_assignment``): pairs whose cost
exceeds the gate are never matched, and rows/columns left over are returned as
unmatched, which is what a tracking-by-detection loop needs.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

_INFEASIBLE = 1e5


def _pairs(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(P, 2) int64 array of matched (row, col); cheaper than np.stack for tiny inputs."""
    out = np.empty((len(rows), 2), np.int64)
    out[:, 0] = rows
    out[:, 1] = cols
    return out


def gated_matching(cost: np.ndarray, threshold: float, admissible: np.ndarray | None = None,
                   gated_cost: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match rows to columns minimising total cost; pairs above ``threshold`` stay apart.

    Entries above the threshold, non-finite, or not ``admissible`` are raised
    to ``gated_cost`` before the Hungarian solver runs — by default just above
    the threshold (``threshold + 1e-5``), as Deep SORT's reference does, so the
    solver may leave a row unmatched at about the price of one admissible pair.
    Any pair it picks among them is rejected afterwards.

    Returns ``(matches (P, 2) of (row, col), unmatched_rows, unmatched_cols)``;
    each unmatched list holds never-assigned indices in order, then rejected
    ones in row order (the reference's order, which decides new track ids).
    """
    rows, cols = cost.shape
    if rows == 0 or cols == 0:
        return np.zeros((0, 2), np.int64), np.arange(rows), np.arange(cols)
    over = ~(np.isfinite(cost) & (cost <= threshold))
    if admissible is not None:
        over |= ~admissible
    cost = np.where(over, threshold + 1e-5 if gated_cost is None else gated_cost, cost)
    r, c = linear_sum_assignment(cost)
    rejected = over[r, c]
    matches = _pairs(r[~rejected], c[~rejected])
    row_free = np.ones(rows, bool)
    row_free[r] = False
    col_free = np.ones(cols, bool)
    col_free[c] = False
    unmatched_rows = np.concatenate([np.flatnonzero(row_free), r[rejected]])
    unmatched_cols = np.concatenate([np.flatnonzero(col_free), c[rejected]])
    return matches, unmatched_rows, unmatched_cols


def solve_gated(gated: np.ndarray, threshold: float, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`gated_matching` on a matrix already gated (entries above ``threshold``, non-finite or not
    admissible set to ``threshold + 1e-5``, as Deep SORT's kernels build it), in fewer array steps.

    ``cols`` (labels of the columns, e.g. detection indices) are carried
    through, which is what a cascade of solves over shrinking column sets
    needs.  Returns ``(matched row positions, their column labels, column
    labels left)``; the labels left come in :func:`gated_matching`'s order
    (never assigned ascending, then rejected in row order).  ``gated`` must
    have at least one row and one column.
    """
    r, c = linear_sum_assignment(gated)
    good = gated[r, c] <= threshold
    free = np.ones(len(cols), bool)
    free[c] = False
    if good.all():
        return r, cols[c], cols[free]
    return r[good], cols[c[good]], np.concatenate([cols[free], cols[c[~good]]])


def min_cost_matching(cost: np.ndarray, max_cost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`gated_matching` with infeasible pairs priced out entirely (a large constant).

    Unmatched rows and columns come back in ascending order.
    """
    matches, unmatched_rows, unmatched_cols = gated_matching(cost, max_cost, gated_cost=_INFEASIBLE)
    return matches, np.sort(unmatched_rows), np.sort(unmatched_cols)


def max_iou_matching(iou: np.ndarray, threshold: float, gain: np.ndarray | Callable[[], np.ndarray] | None = None,
                     shortcut: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match rows to columns maximising total IoU; pairs below ``threshold`` stay apart.

    This is SORT's association: when every row and column has at most one
    candidate above the threshold the candidates are taken directly (unless
    ``shortcut`` is off), otherwise the Hungarian solver maximises total IoU —
    or total ``gain`` when given (OC-SORT adds a motion-direction term to the
    IoU; the threshold still applies to the IoU; a callable is evaluated only
    when the solver runs) — and sub-threshold pairs are dropped afterwards.  Unmatched rows are listed in the reference order:
    never-assigned rows ascending, then rows whose assignment fell below the
    threshold.
    """
    rows, cols = iou.shape
    if rows == 0 or cols == 0:
        return np.zeros((0, 2), np.int64), np.arange(rows), np.arange(cols)
    if shortcut:
        above = iou > threshold
        row_any, col_any = above.any(axis=1), above.any(axis=0)
        n_above = np.count_nonzero(above)
        if n_above and n_above == np.count_nonzero(row_any) == np.count_nonzero(col_any):
            # At most one candidate per row and column: take them all, no solver needed.
            return np.argwhere(above), np.flatnonzero(~row_any), np.flatnonzero(~col_any)
    if callable(gain):
        gain = gain()
    r, c = linear_sum_assignment(-(iou if gain is None else gain))
    low = iou[r, c] < threshold
    matches = _pairs(r[~low], c[~low])
    row_free = np.ones(rows, bool)
    row_free[r] = False
    col_free = np.ones(cols, bool)
    col_free[c] = False
    unmatched_rows = np.concatenate([np.flatnonzero(row_free), r[low]]).astype(np.int64)
    unmatched_cols = np.concatenate([np.flatnonzero(col_free), c[low]]).astype(np.int64)
    return matches, unmatched_rows, unmatched_cols

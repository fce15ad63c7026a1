"""Make motmetrics 1.4.0's own code paths run under NumPy 2, without touching numpy.

motmetrics 1.4.0 calls ``np.asfarray`` in ``motmetrics.distances.iou_matrix``
(and therefore in ``motmetrics.utils.compare_to_groundtruth``); NumPy 2 removed
that function.  Pinning numpy would hold the whole project back, and setting
``numpy.asfarray`` would change numpy for every library in the process.  So the
shim gives *only* the ``motmetrics.distances`` module its own numpy namespace:
a proxy module that forwards every attribute to the real numpy and adds
``asfarray``.  numpy itself is left exactly as it was.

The trackbench metrics never need the shim (they compute IoU with
:func:`trackbench.datasets.boxes.iou_matrix` and hand motmetrics distance matrices); it
exists for users and baselines that call motmetrics' own helpers.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np


def _asfarray(a: Any, dtype: Any = np.float64) -> np.ndarray:
    """NumPy 1.x ``asfarray``: ``a`` as an array of an inexact (float) dtype."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)
    return np.asarray(a, dtype=dtype)


class _NumpyWithAsfarray(types.ModuleType):
    """A stand-in for the ``numpy`` module that adds ``asfarray`` and forwards the rest."""

    def __init__(self, real: types.ModuleType) -> None:
        super().__init__("numpy_with_asfarray", real.__doc__)
        self._real = real
        self.asfarray = _asfarray

    def __getattr__(self, name: str) -> Any:
        # Only called for names not set on the proxy: everything but asfarray.
        return getattr(self._real, name)


def motmetrics_needs_shim() -> bool:
    """True when the installed numpy lacks ``asfarray`` (NumPy >= 2)."""
    return not hasattr(np, "asfarray")


def ensure_motmetrics_numpy2() -> bool:
    """Let ``motmetrics.distances`` (and what calls it) work under NumPy 2.

    Idempotent.  Returns True when motmetrics now sees a proxy namespace, False
    when numpy still has ``asfarray`` and nothing needed doing.  Never sets
    ``numpy.asfarray``.
    """
    if not motmetrics_needs_shim():
        return False
    import motmetrics.distances as mm_distances

    if not isinstance(mm_distances.np, _NumpyWithAsfarray):
        mm_distances.np = _NumpyWithAsfarray(mm_distances.np)
    return True

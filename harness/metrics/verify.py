"""Proof on demand that the fast engine counts what motmetrics and TrackEval count (``bench eval --verify``).

The fast engine (the ``*Fast`` classes of :mod:`.clear`, :mod:`.identity`,
:mod:`.hota`) replaces the libraries' frame loops; the libraries stay the definition.
:func:`differences` compares the counts of both engines field by field:
counts (events, detections, id matches, HOTA's TP/FN/FP per alpha) must be
equal, ratios and sums of IoU equal within :data:`RTOL` (they are summed in a
different order, so the last bits may differ).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from trackbench.harness.metrics import clear, identity


class VerificationError(RuntimeError):
    """The fast engine's counts differ from motmetrics' / TrackEval's own (``bench eval --verify``)."""


#: Relative tolerance for non-count fields (MOTP, LocA, AssA, ...).
RTOL = 1e-9
#: Fields that are counts and must match exactly.
EXACT = frozenset(clear.COUNT_FIELDS) | frozenset(identity.FIELDS) | {"HOTA_TP", "HOTA_FN", "HOTA_FP"}


def differences(fast: Sequence[Any], library: Sequence[Any]) -> list[str]:
    """One line per field that differs between two lists of :class:`SequenceCounts` (empty: identical)."""
    out = []
    for a, b in zip(fast, library, strict=True):
        for family, counts in b.counts.items():
            mine = dict(_fields(a.counts.get(family, {})))
            for field, want in _fields(counts):
                got = mine.get(field)
                if not same(got, want, exact=field.split(".")[-1] in EXACT):
                    out.append(f"{a.name} {family} {field}: fast {_show(got)} != library {_show(want)}")
    return out


def _fields(counts: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted name, value) of every leaf of a count record (TrackEval's CLEAR record nests two metrics)."""
    out = []
    for key, value in counts.items():
        if isinstance(value, dict):
            out += _fields(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def same(got: Any, want: Any, exact: bool) -> bool:
    """Whether two field values agree (NaN equals NaN; shapes must match)."""
    if got is None:
        return False
    x, y = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if x.shape != y.shape:
        return False
    if exact:
        return bool(np.array_equal(x, y, equal_nan=True))
    return bool(np.allclose(x, y, rtol=RTOL, atol=0.0, equal_nan=True))


def _show(value: Any) -> str:
    return np.array2string(np.asarray(value), precision=12, threshold=6) if np.ndim(value) else repr(value)

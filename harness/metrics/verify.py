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
from trackbench.harness.metrics.evaluate import SequenceCounts, SequenceJob, count_sequences


class VerificationError(RuntimeError):
    """The fast engine's counts differ from motmetrics' / TrackEval's own (``bench eval --verify``)."""


def check_against_library(counts: list[SequenceCounts], jobs: Sequence[SequenceJob], workers: int, backend: str,
                          engine: str) -> None:
    """Count ``jobs`` again with the libraries' own code; raise :class:`VerificationError` unless ``counts`` agree.

    ``counts`` are what the ``engine`` gave for ``jobs``: every ``--verify`` path
    (``bench eval`` on MOT files and on Scalabel JSON) checks them this one way.
    """
    wrong = differences(counts, count_sequences(jobs, workers, backend, "library"))
    if wrong:
        raise VerificationError(f"{len(wrong)} count(s) of the {engine} engine differ from the libraries': "
                                + "; ".join(wrong[:10]))


#: Relative tolerance for non-count fields (MOTP, LocA, AssA, ...).
RTOL = 1e-9
#: Fields that are counts and must match exactly.
EXACT = frozenset(clear.COUNT_FIELDS) | frozenset(identity.FIELDS) | {"HOTA_TP", "HOTA_FN", "HOTA_FP"}


#: Most memory the libraries may need for one sequence (see :func:`library_bytes`); above it --verify refuses.
MAX_LIBRARY_BYTES = 4 << 30


def library_bytes(gt_ids: int, tracker_ids: int) -> int:
    """Bytes motmetrics' and TrackEval's own code allocate for one sequence of ``gt_ids`` x ``tracker_ids`` ids.

    Their identity metrics solve one dense (gt + tracker ids)² assignment
    (TrackEval's ``fp_mat``, ``fn_mat`` and their sum, motmetrics' cost
    matrix: about 4 copies), and TrackEval's HOTA keeps 23 (gt x tracker ids)
    float64 arrays (a match count per alpha, alignment scores); the larger
    of the two is the peak.  100,000 ids a side: TrackEval asked for 75 GiB.
    """
    return 8 * max(23 * gt_ids * tracker_ids, 4 * (gt_ids + tracker_ids) ** 2)


def check_library_memory(jobs: Sequence[Any]) -> None:
    """Refuse ``--verify`` before the libraries run when one sequence would need more than
    :data:`MAX_LIBRARY_BYTES` (ids counted in the input tables: an upper bound of the scored ones)."""
    for job in jobs:
        g, t = len(np.unique(job.gt.ids)), len(np.unique(job.result.ids))
        need = library_bytes(g, t)
        if need > MAX_LIBRARY_BYTES:
            raise ValueError(f"{job.name}: --verify cannot run the libraries here: {g:,} gt ids x {t:,} tracker ids "
                             f"need about {need / (1 << 30):,.1f} GiB in motmetrics'/TrackEval's own code, above "
                             f"the {MAX_LIBRARY_BYTES / (1 << 30):g} GiB ceiling (the fast engine scores it without "
                             "--verify)")


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

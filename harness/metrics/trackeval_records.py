"""TrackEval's own records: a sequence counted and several combined by a ``trackeval.metrics`` object.

Every TrackEval definition here (:mod:`.clear`, :mod:`.identity`, :mod:`.hota`)
keeps the record TrackEval's metric object returns for a sequence and merges
sequences with that object's ``combine_sequences``, so the numbers are
TrackEval's by construction.  :func:`combine` is that merge over a list (the
dict keys TrackEval wants only tell the records apart);
:class:`OneMetricDefinition` is the whole ``evaluate``/``combine`` of a family
counted by a single metric object (Identity, HOTA), which differ only in the
object and in ``finalize``.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from trackbench.harness.metrics.preprocess import SeqData


def combine(metric: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    """``metric.combine_sequences`` over per-sequence records given in order."""
    return metric.combine_sequences({str(i): record for i, record in enumerate(records)})


class OneMetricDefinition:
    """``evaluate`` / ``combine`` of a family counted by the one TrackEval metric object ``metric()`` returns.

    A subclass sets ``NAME``, ``metric`` (as a ``staticmethod``: the metric
    objects are made once, by cached factories) and ``finalize``.
    """

    NAME: ClassVar[str]
    metric: ClassVar[Callable[[], Any]]

    @classmethod
    def evaluate(cls, seq: SeqData) -> dict[str, Any]:
        """Per-sequence record from TrackEval's own ``eval_sequence``."""
        return cls.metric().eval_sequence(seq.trackeval_data())

    @classmethod
    def combine(cls, all_counts: list[dict[str, Any]]) -> dict[str, Any]:
        """TrackEval's ``combine_sequences`` over several sequences' records."""
        return combine(cls.metric(), all_counts)

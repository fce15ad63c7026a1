"""Multi-class datasets (KITTI, BDD100K): per-class totals and TrackEval's two combinations over classes.

These datasets score every class on its own (one :class:`~trackbench.datasets.sequence.Sequence`
per (video, class), ``EvalSpec.object_class`` naming the class), so one number
over all sequences hides which class a tracker is good at.  TrackEval's
``Evaluator`` reports, per tracker:

- per class: the class's sequences combined from summed counts (``combine_sequences``);
- ``cls_comb_det_av`` (*detection-averaged*): every class's counts summed, so a
  class weighs as much as it has boxes (what :func:`combine_counts` over all
  sequences gives; car dominates KITTI and BDD100K);
- ``cls_comb_cls_av`` (*class-averaged*): each ratio (HOTA, MOTA, IDF1, …) the
  plain mean of the classes' values, counts summed, so a rare class weighs as
  much as a frequent one.  TrackEval averages over every class it was asked to
  evaluate, empty ones included (they score 0); here the classes are the ones
  that were scored, and TrackEval, asked for the same classes, gives the same numbers.

Row names used in tables: the class name, :data:`CLASS_AVERAGED` and
:data:`DETECTION_AVERAGED` (``COMBINED``, as in every other table).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from trackbench.harness.metrics.evaluate import COLUMNS, COMBINED, INT_COLUMNS, SequenceCounts, combine_counts, finalize

CLASS_AVERAGED = "CLASS_AVG"
#: Summed counts over every class: the ``COMBINED`` row every table already has.
DETECTION_AVERAGED = COMBINED


def by_class(counts: Sequence[SequenceCounts], class_of: Mapping[str, str | None]) -> dict[str, list[SequenceCounts]]:
    """Counts grouped by their sequence's class (``class_of[name]``), classes in order of first appearance."""
    groups: dict[str, list[SequenceCounts]] = {}
    for c in counts:
        cls = class_of.get(c.name)
        if cls is not None:
            groups.setdefault(cls, []).append(c)
    return groups


def class_averaged(per_class: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """TrackEval's ``combine_classes_class_averaged``: counts summed, every other column the mean over classes."""
    rows = list(per_class.values())
    if not rows:
        raise ValueError("nothing to average: no class was scored")
    out: dict[str, float] = {}
    for column in COLUMNS:
        values = [float(r[column]) for r in rows]
        out[column] = int(sum(values)) if column in INT_COLUMNS else float(np.mean(values))
    return out


def class_rows(counts: Sequence[SequenceCounts], class_of: Mapping[str, str | None]) -> dict[str, dict[str, float]]:
    """Finalised rows: one per class, then :data:`CLASS_AVERAGED` and :data:`DETECTION_AVERAGED`.

    Empty when no sequence has a class (single-class datasets): nothing to split.
    """
    groups = by_class(counts, class_of)
    if not groups:
        return {}
    rows = {cls: finalize(combine_counts(group, cls)) for cls, group in groups.items()}
    every = [c for group in groups.values() for c in group]
    return {**rows, CLASS_AVERAGED: class_averaged(rows),
            DETECTION_AVERAGED: finalize(combine_counts(every, DETECTION_AVERAGED))}

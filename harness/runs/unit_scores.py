"""A unit's result text and score counts, made where the unit was tracked.

Why: work that scores every unit it runs (a ``bench tune`` trial is tracking
plus scoring and nothing else) used to format each unit's rows in the driver,
write the file, read it back and count it there, one unit after another: on
five MOT17 sequences that was ~0.4 s of every ~1.5 s trial spent on text, and
none of the scoring ran beside the tracking.  With a scoring backend in its
job (:class:`~trackbench.harness.runs.executors.Job`), the process that
tracked a unit (this one, a pool worker or a Ray task) formats the result
text once and counts every metric family on the values *as written*
(:func:`~trackbench.datasets.motfile.parse_results`: exactly what a reader of
the file gets, so the counts equal scoring the file later); the driver only
writes the text.  Ground truth is prepared once per process and sequence
object: a :class:`~trackbench.harness.runs.executors.WorkerPool` worker or the
driver keeps its sequences for the whole tune; a job that brings its own copy
of a sequence (a Ray task, a per-call process pool) prepares it again.
"""

from __future__ import annotations

from collections import OrderedDict

from trackbench.datasets.motfile import format_results, parse_results
from trackbench.datasets.sequence import EvalSpec, FrameTable, Sequence
from trackbench.harness.metrics.evaluate import SequenceCounts, count_preprocessed
from trackbench.harness.metrics.preprocess import PreparedGt, prepare_gt, preprocess_result
from trackbench.harness.runs.tracking import UnitOutput

#: Prepared ground truths kept per process (a tune holds a handful of sequences; a long-lived process
#: that scores many datasets must not keep them all).
PREPARED_KEPT = 64
_prepared: OrderedDict[tuple[int, int, int], tuple[FrameTable, EvalSpec, PreparedGt]] = OrderedDict()


def prepared_gt(seq: Sequence) -> PreparedGt:
    """``seq``'s ground truth prepared for scoring, once per process (keyed by the gt table and spec objects,
    which the cache keeps alive, so a key is never reused by other objects)."""
    assert seq.ground_truth is not None
    key = (id(seq.ground_truth), id(seq.eval_spec), seq.info.length)
    if key in _prepared:
        _prepared.move_to_end(key)
        return _prepared[key][2]
    prep = prepare_gt(seq.ground_truth, seq.eval_spec, seq.info.length, name=seq.name)
    _prepared[key] = (seq.ground_truth, seq.eval_spec, prep)
    while len(_prepared) > PREPARED_KEPT:
        _prepared.popitem(last=False)
    return prep


def count_table(seq: Sequence, result: FrameTable, backend: str) -> SequenceCounts:
    """Counts of every metric family of ``result`` (a result table) on ``seq``'s ground truth."""
    data = preprocess_result(prepared_gt(seq), result)
    return count_preprocessed(data, backend)


def with_counts(output: UnitOutput, seq: Sequence, backend: str) -> UnitOutput:
    """``output`` with its result text and, when ``seq`` has ground truth, its counts (a failed or skipped
    unit is returned as it is)."""
    if output.result.failed or output.result.skipped or output.boxes is None:
        return output
    output.text = format_results(output.frames, output.ids, output.boxes, output.scores)
    if seq.ground_truth is not None:
        output.counts = count_table(seq, parse_results(output.text), backend)
    return output

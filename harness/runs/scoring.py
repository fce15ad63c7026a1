"""Scoring a run: each unit's result file against its sequence's ground truth.

Per-sequence metrics and, per tracker variant, metrics over all its sequences
combined from summed counts (never averaged percentages).  A variant that
failed on some sequence is left out of the combined table (its totals would
cover fewer sequences than its rivals'), with a note; its other sequences
stay in the per-sequence table.  Tracker speed (Hz) is total frames over
total ``update`` time; ``Hz e2e`` is total frames over tracker + decoding +
embedding time (see :class:`~trackbench.harness.runs.runner.UnitResult`).
CLEAR and identity come from the chosen backend (motmetrics or TrackEval).  Units that were skipped (a tracker
that needs images on box-only data) or sequences without gt are reported as
notes rather than failing the run.

Multi-class datasets (KITTI, BDD100K: sequences whose ``EvalSpec.object_class``
is set) also get a per-class table, ``overall.attrs['per_class']`` (tracker ×
class, plus TrackEval's class-averaged ``CLASS_AVG`` and detection-averaged
``COMBINED`` rows; :mod:`trackbench.harness.metrics.classes`).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import Sequence
from trackbench.harness.report.leaderboard import order_columns
from trackbench.harness.metrics.classes import class_rows
from trackbench.harness.metrics.evaluate import DEFAULT_BACKEND, SequenceJob, combine_counts, count_sequences, finalize
from trackbench.harness.runs.runner import UnitResult


def speed(units: list[UnitResult], end_to_end: bool = False) -> float:
    """Frames per second over ``units`` (the leaderboard's Hz and Hz e2e: total frames over total time)."""
    frames = sum(u.frames for u in units)
    seconds = sum(u.pipeline_seconds if end_to_end else u.tracker_seconds for u in units)
    return frames / seconds if seconds > 0 else float("nan")


def _count_units(units: list[UnitResult], by_name: dict[str, Sequence], workers: int,
                 backend: str, counted: list | None = None) -> dict[int, object]:
    """Counts of every scorable unit (keyed by its position), several sequences at once when workers > 1;
    ``counted[i]``, where given, is unit i's counts already made where it ran (its file is not read)."""
    jobs, keys, done = [], [], {}
    for i, unit in enumerate(units):
        seq = by_name[unit.sequence]
        if not unit.skipped and not unit.failed and seq.ground_truth is not None and unit.result_path:
            if counted is not None and counted[i] is not None:
                done[i] = counted[i]
                continue
            jobs.append(SequenceJob(unit.sequence, seq.ground_truth, read_mot_file(unit.result_path, "result"),
                                    seq.eval_spec, seq.info.length))
            keys.append(i)
    return {**done, **dict(zip(keys, count_sequences(jobs, workers, backend)))}


def score_units(units: list[UnitResult], sequences: list[Sequence], workers: int = 1,
                backend: str = DEFAULT_BACKEND, counts: list | None = None,
                ) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[str]]:
    """(overall, per_sequence, notes); tables are None when nothing could be scored.

    ``counts``, aligned with ``units``, may hold counts made where a unit ran
    (:mod:`~trackbench.harness.runs.unit_scores`, under ``backend``); the others are counted from their files.
    """
    by_name = {s.name: s for s in sequences}
    notes: list[str] = []
    per_rows, counts_by_variant, ran_by_variant = [], defaultdict(list), defaultdict(list)
    counted = _count_units(units, by_name, workers, backend, counts)
    for i, unit in enumerate(units):
        if unit.note:
            notes.append(f"{unit.variant} on {unit.sequence}: {unit.note}")
        if unit.skipped:
            notes.append(f"{unit.variant} skipped on {unit.sequence}: {unit.skipped}")
            continue
        if unit.failed:
            notes.append(f"{unit.variant} FAILED on {unit.sequence}: {unit.failed}")
            continue
        ran_by_variant[unit.variant].append(unit)
        row = {"tracker": unit.variant, "sequence": unit.sequence}
        if i in counted:
            counts_by_variant[unit.variant].append(counted[i])
            row.update(finalize(counted[i]))
        row["Hz"] = unit.hz
        row["Hz e2e"] = unit.hz_e2e
        per_rows.append(row)
    if not per_rows:
        return None, None, notes
    no_gt = sorted({s.name for s in sequences if s.ground_truth is None})
    if no_gt:
        notes.append(f"no ground truth for {', '.join(no_gt)}: results written, not scored")
    for seq in sequences:
        notes.extend(n for n in seq.eval_spec.notes if n not in notes)
    failed_variants = sorted({u.variant for u in units if u.failed})
    for variant in failed_variants:
        notes.append(f"{variant} is left out of the combined leaderboard (it failed on some sequences, so its "
                     "totals would cover fewer sequences than the others'); its other sequences are in per_sequence")
    overall_rows = []
    for variant, ran in ran_by_variant.items():
        if variant in failed_variants:
            continue
        row = {"tracker": variant}
        if counts_by_variant.get(variant):
            row.update(finalize(combine_counts(counts_by_variant[variant])))
        row["Hz"] = speed(ran)
        row["Hz e2e"] = speed(ran, end_to_end=True)
        overall_rows.append(row)
    first = ["IDF1"] if any(s.info.dataset == "aicity" for s in sequences) else None
    overall = (order_columns(pd.DataFrame(overall_rows).set_index("tracker"), first) if overall_rows
               else pd.DataFrame(index=pd.Index([], name="tracker")))
    scored = {v: {c.name for c in counts} for v, counts in counts_by_variant.items()}
    everywhere = set().union(*scored.values()) if scored else set()
    short = {v: sorted(everywhere - scored.get(v, set())) for v in overall.index if scored.get(v, set()) != everywhere}
    if short:  # never a silently smaller average: mark the row and say which sequences it lacks
        overall["complete"] = [v not in short for v in overall.index]
        for variant, missing in short.items():
            notes.append(f"{variant}'s combined row covers {len(everywhere) - len(missing)} of {len(everywhere)} "
                         f"scored sequences (no {', '.join(missing)}): complete = False, not comparable with the others")
    per_seq = order_columns(pd.DataFrame(per_rows).set_index(["tracker", "sequence"]), first)
    per_class = class_table(counts_by_variant, by_name, [v for v in overall.index])
    if per_class is not None:
        overall.attrs["per_class"] = per_class
    return overall, per_seq, notes


def class_table(counts_by_variant: dict[str, list], by_name: dict[str, Sequence],
                variants: list[str]) -> pd.DataFrame | None:
    """Tracker × (class, CLASS_AVG, COMBINED) rows of the combined variants; None for single-class data."""
    class_of = {name: seq.eval_spec.object_class for name, seq in by_name.items()}
    rows = []
    for variant in variants:
        for name, row in class_rows(counts_by_variant.get(variant, []), class_of).items():
            rows.append({"tracker": variant, "class": name, **row})
    return order_columns(pd.DataFrame(rows).set_index(["tracker", "class"])) if rows else None

"""Scoring a run: each unit's result file against its sequence's ground truth.

Per-sequence metrics and, per tracker variant, metrics over all its sequences
combined from summed counts (never averaged percentages).  Tracker speed (Hz)
is total frames over total ``update`` time.  Units that were skipped (a tracker
that needs images on box-only data) or sequences without gt are reported as
notes rather than failing the run.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from datasets.motfile import read_mot_file
from datasets.sequence import Sequence
from harness.leaderboard import order_columns
from harness.metrics.evaluate import combine_counts, count_sequence, finalize
from harness.runner import UnitResult


def _speed(units: list[UnitResult]) -> float:
    frames = sum(u.frames for u in units)
    seconds = sum(u.tracker_seconds for u in units)
    return frames / seconds if seconds > 0 else float("nan")


def score_units(units: list[UnitResult], sequences: list[Sequence]) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[str]]:
    """(overall, per_sequence, notes); tables are None when nothing could be scored."""
    by_name = {s.name: s for s in sequences}
    notes: list[str] = []
    per_rows, counts_by_variant, ran_by_variant = [], defaultdict(list), defaultdict(list)
    for unit in units:
        if unit.skipped:
            notes.append(f"{unit.variant} skipped on {unit.sequence}: {unit.skipped}")
            continue
        ran_by_variant[unit.variant].append(unit)
        seq = by_name[unit.sequence]
        row = {"tracker": unit.variant, "sequence": unit.sequence}
        if seq.ground_truth is not None and unit.result_path:
            counts = count_sequence(seq.ground_truth, read_mot_file(unit.result_path, "result"),
                                    seq.eval_spec, seq.info.length, name=unit.sequence)
            counts_by_variant[unit.variant].append(counts)
            row.update(finalize(counts))
        row["Hz"] = unit.hz
        per_rows.append(row)
    if not per_rows:
        return None, None, notes
    no_gt = sorted({s.name for s in sequences if s.ground_truth is None})
    if no_gt:
        notes.append(f"no ground truth for {', '.join(no_gt)}: results written, not scored")
    for seq in sequences:
        notes.extend(n for n in seq.eval_spec.notes if n not in notes)
    overall_rows = []
    for variant, ran in ran_by_variant.items():
        row = {"tracker": variant}
        if counts_by_variant.get(variant):
            row.update(finalize(combine_counts(counts_by_variant[variant])))
        row["Hz"] = _speed(ran)
        overall_rows.append(row)
    first = ["IDF1"] if any(s.info.dataset == "aicity" for s in sequences) else None
    overall = order_columns(pd.DataFrame(overall_rows).set_index("tracker"), first)
    per_seq = order_columns(pd.DataFrame(per_rows).set_index(["tracker", "sequence"]), first)
    return overall, per_seq, notes

"""Held-out scoring: each fold's best setting and the defaults run on the fold's test sequences.

The results form a small run folder of their own (``<tune>/heldout``): per
tracker two variants, ``<tracker>-default`` and ``<tracker>-tuned``, whose
result files cover every test sequence (each written by the fold that held it
out), a leaderboard pooled over folds from summed counts, and a manifest.  So
``bench compare`` and ``bench publish`` read it like any run, and the
difference tuned − default gets ``bench compare``'s paired bootstrap interval
(:func:`trackbench.harness.report.compare.compare`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trackbench.datasets.sequence import Sequence
from trackbench.harness.metrics.evaluate import COLUMNS
from trackbench.harness.report import leaderboard
from trackbench.harness.report.compare import Side, compare
from trackbench.harness.runs import manifest
from trackbench.harness.runs.runner import SettledUnit
from trackbench.harness.runs.scoring import score_units
from trackbench.harness.tune.folds import Fold
from trackbench.harness.tune.units import UnitContext, run_setting, variant_for

#: Metrics every held-out table shows besides the objectives.
HEADLINE = ("HOTA", "MOTA", "IDF1")


@dataclass
class FoldChoice:
    """A fold's outcome for one tracker: the setting chosen on its train sequences and its train score."""

    fold: Fold
    values: dict[str, str]  # the tuned parameters (strings, as --param takes them)
    train_metrics: dict[str, float]


@dataclass
class HeldOut:
    """Everything the held-out phase found for one tracker."""

    tracker: str
    per_fold: list[dict[str, Any]]
    pooled: dict[str, dict[str, float]]  # "default"/"tuned" -> metrics over all test sequences
    intervals: dict[str, Any] = field(default_factory=dict)  # metric -> Interval (tuned − default)
    method: str = ""


def labels(tracker: str) -> tuple[str, str]:
    return f"{tracker}-default", f"{tracker}-tuned"


def _metrics(overall: pd.DataFrame | None, label: str) -> dict[str, float]:
    if overall is None or label not in overall.index:
        return {}
    return {str(k): float(v) for k, v in overall.loc[label].items() if not isinstance(v, (bool, str))}


def run_tracker(tracker: str, fixed: dict[str, str], choices: list[FoldChoice], by_name: dict[str, Sequence],
                ctx: UnitContext, metrics: list[str]) -> tuple[list[SettledUnit], list[dict[str, Any]]]:
    """Run defaults and each fold's choice on that fold's test sequences; (all units, per-fold rows)."""
    default_label, tuned_label = labels(tracker)
    units: list[SettledUnit] = []
    rows = []
    first = metrics[0]
    for choice in choices:
        tests = [by_name[n] for n in choice.fold.test]
        settled = run_setting(variant_for(tracker, fixed, default_label), tests, ctx)
        settled += run_setting(variant_for(tracker, {**fixed, **choice.values}, tuned_label), tests, ctx)
        units += settled
        overall, _, _ = score_units([u.result for u in settled], tests, backend=ctx.backend,
                                    counts=[u.counts for u in settled])
        tuned, default = _metrics(overall, tuned_label), _metrics(overall, default_label)
        train = choice.train_metrics.get(first, float("nan"))
        rows.append({"tracker": tracker, "fold": choice.fold.name, "train": ",".join(choice.fold.train),
                     "test": ",".join(choice.fold.test), "params": ", ".join(f"{k}={v}" for k, v in
                                                                          sorted(choice.values.items())),
                     f"train {first}": train, f"test {first} tuned": tuned.get(first, float("nan")),
                     f"test {first} default": default.get(first, float("nan")),
                     "gap (train − test)": train - tuned.get(first, float("nan"))})
    return units, rows


def write_run(folder: Path, request_record: dict[str, Any], sequences: list[Sequence], settled: list[SettledUnit],
              backend: str, notes: list[str]) -> pd.DataFrame | None:
    """Score every held-out unit, save leaderboard/per_sequence and a manifest compare/publish can read."""
    units = [u.result for u in settled]
    overall, per_seq, score_notes = score_units(units, sequences, backend=backend, counts=[u.counts for u in settled])
    notes = notes + score_notes
    files: list[Path] = []
    caption = leaderboard.metrics_note(backend)
    if overall is not None:
        files += leaderboard.save(overall, folder, "leaderboard", notes=notes, caption=caption)
        files += leaderboard.save(per_seq, folder, "per_sequence", notes=notes, caption=caption)
    names = list(dict.fromkeys(u.variant for u in units))
    record = {**request_record, "status": "complete", "finished": manifest.now_iso(), "command": sys.argv,
              "sequences": [s.name for s in sequences], "frames": {s.name: s.info.length for s in sequences},
              "variants": [{"name": n, "tracker": n.rsplit("-", 1)[0]} for n in names],
              "clear_backend": backend, "notes": notes, "tables": [str(f) for f in files],
              "environment": manifest.environment()}
    manifest.write_manifest(folder / "manifest.json", record)
    return overall


def intervals(folder: Path, tracker: str, metrics: list[str], replicates: int, seed: int,
              level: float) -> tuple[dict[str, Any], str, list[str]]:
    """tuned − default with ``bench compare``'s paired bootstrap, for the metrics it can re-score."""
    scoreable = tuple(m for m in metrics if m in COLUMNS)
    if not scoreable:
        return {}, "", []
    default_label, tuned_label = labels(tracker)
    found = compare(Side(folder, tuned_label), Side(folder, default_label), scoreable, replicates=replicates,
                    seed=seed, level=level)
    return dict(found.differences), found.method(), list(found.notes)


def table_rows(held: HeldOut, metrics: list[str], level: float, held_out: bool) -> list[dict[str, Any]]:
    """One row per metric: default, tuned, the difference and its interval."""
    rows = []
    for metric in metrics:
        d = held.pooled.get("default", {}).get(metric, float("nan"))
        t = held.pooled.get("tuned", {}).get(metric, float("nan"))
        interval = held.intervals.get(metric)
        rows.append({"tracker": held.tracker, "metric": metric, "default": d, "tuned": t, "tuned − default": t - d,
                     f"{100 * level:g}% low": interval.low if interval else float("nan"),
                     f"{100 * level:g}% high": interval.high if interval else float("nan"),
                     "folds": len(held.per_fold), "held out": held_out})
    return rows

"""``bench eval``: score existing MOTChallenge result files against a gt folder.

The results folder may hold one tracker's files or several trackers in
TrackEval's layout (``<results>/<tracker>/data/<seq>.txt``, as ``bench run``
writes them); each tracker is scored and the tables are stacked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from rich.console import Console

from trackbench.harness.report import leaderboard
from trackbench.harness.cli.errors import reported


def tracker_dirs(results: Path) -> dict[str, Path]:
    """Tracker name → results folder, for a folder holding several trackers' ``data/`` folders."""
    found = sorted({p for p in [*results.glob("*/data"), *results.glob("*/*/data")] if p.is_dir()})
    return {p.parent.name: p for p in found}


def score(gt: Path, results: Path, benchmark: str | None, jobs: int = 1) -> pd.DataFrame:
    from trackbench.harness.metrics.evaluate import evaluate_folders

    bench = "auto" if not benchmark else benchmark.upper()
    workers = jobs or os.cpu_count() or 1
    several = tracker_dirs(results)
    if len(several) <= 1:
        return evaluate_folders(gt, results, benchmark=bench, workers=workers)
    tables = {name: evaluate_folders(gt, folder, benchmark=bench, on_missing="skip", workers=workers)
              for name, folder in several.items()}
    return pd.concat(tables, names=["tracker"])


def execute_eval(gt: Path, results: Path, benchmark: str | None, out: Path | None,
                 console: Console, err_console: Console, jobs: int = 1) -> pd.DataFrame:
    with reported(err_console):
        table = score(gt, results, benchmark, jobs)
    table = leaderboard.order_columns(table)
    leaderboard.show(table, f"{results} vs {gt}", console)
    if out is not None:
        for path in leaderboard.save(table, Path(out), "eval"):
            console.print(f"saved {path}")
    return table

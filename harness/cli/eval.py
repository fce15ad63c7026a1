"""``bench eval``: score existing MOTChallenge result files against a gt folder.

BDD100K's Scalabel JSON is scored too: ``--gt labels.json|folder --results
predictions.json`` (recognised by the ``.json`` suffix, or ``--benchmark
bdd100k``), see :mod:`trackbench.harness.metrics.scalabel`.

The results folder may hold one tracker's files or several trackers in
TrackEval's layout (``<results>/<tracker>/data/<seq>.txt``, as ``bench run``
writes them); each tracker is scored and the tables are stacked.  When one
tracker lacks a sequence the others have, its ``COMBINED`` row covers fewer
sequences: the row is marked (``complete`` is False) and a note says which
sequences are missing, so a smaller average never passes silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from rich.console import Console

from trackbench.harness.report import leaderboard
from trackbench.harness.cli.errors import reported
from trackbench.harness.metrics.evaluate import COMBINED
from trackbench.harness.metrics.scalabel import evaluate_scalabel, is_scalabel

#: Under every Scalabel (BDD100K) table: what its class rows mean.
SCALABEL_NOTE = ("BDD100K (Scalabel JSON), TrackEval's BDD100K rules: one row per (video, class), per class, "
                 "CLASS_AVG = classes averaged (TrackEval cls_comb_cls_av), COMBINED = counts summed over classes "
                 "(cls_comb_det_av)")


def tracker_dirs(results: Path) -> dict[str, Path]:
    """Tracker name → results folder, for a folder holding several trackers' ``data/`` folders."""
    found = sorted({p for p in [*results.glob("*/data"), *results.glob("*/*/data")] if p.is_dir()})
    return {p.parent.name: p for p in found}


def damaged_result_notes(gt: Path, results: Path, sequences: list[str] | None = None) -> list[str]:
    """Notes for result files that parse but look damaged: empty (0 bytes) or cut off mid-line.

    Both score (an empty file is a tracker that reported nothing), so the run
    goes on, but a table built on them should say so.
    """
    from trackbench.datasets.motfile import result_file_note
    from trackbench.harness.metrics.folders import find_gt_sequences, find_results_dir

    names = [s.name for s in find_gt_sequences(gt) if sequences is None or s.name in sequences]
    several = tracker_dirs(results)
    folders = list(several.values()) if len(several) > 1 else [find_results_dir(results, names)]
    files = [folder / f"{name}.txt" for folder in folders for name in names]
    return [note for note in (result_file_note(f) for f in files if f.is_file()) if note]


def check_contained(results: Path) -> None:
    """Every file and link under ``results`` must resolve to a regular file or folder inside it.

    A result file that is a symlink to ``/etc/shadow`` would otherwise be read (and
    the start of it echoed in the parse error); refuse before anything is read.
    """
    from trackbench.io.contained import readable_file

    for folder, dirs, files in os.walk(results):
        for name in dirs:  # os.walk does not descend into linked folders: check where they point
            link = Path(folder) / name
            target = Path(os.path.realpath(link))
            if link.is_symlink() and not (target == results.resolve() or results.resolve() in target.parents):
                raise ValueError(f"{link}: a link to {target}, outside --results {results}; not read")
        for name in files:
            if name.endswith(".txt"):
                readable_file(Path(folder) / name, results, what="result file")


def ignored_top_level(results: Path, trackers: dict[str, Path]) -> list[str]:
    """A note when ``results`` holds tracker folders *and* result files of its own (those are not scored)."""
    loose = sorted(p.name for p in results.glob("*.txt"))
    if not trackers or not loose:
        return []
    return [f"{len(loose)} result file(s) directly in {results} ({', '.join(loose[:3])}"
            f"{', …' if len(loose) > 3 else ''}) were not scored: the folder holds tracker folders "
            f"(<tracker>/data/<sequence>.txt), so only those are read"]


def score(gt: Path, results: Path, benchmark: str | None, jobs: int = 1,
          sequences: list[str] | None = None, clear_backend: str = "motmetrics",
          verify: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """(table, notes): one tracker's rows, or every tracker's stacked under a ``tracker`` level.

    ``verify`` also counts with motmetrics' and TrackEval's own code and raises
    :class:`~trackbench.harness.metrics.verify.VerificationError` on any difference;
    ``table.attrs['verified']`` is the number of (tracker, sequence) results checked.
    """
    from trackbench.harness.metrics.evaluate import check_backend
    from trackbench.harness.metrics.folders import evaluate_folders

    check_backend(clear_backend)
    workers = jobs or os.cpu_count() or 1
    if is_scalabel(gt, results, benchmark):  # BDD100K's JSON: one predictions file, classes scored apart
        table = evaluate_scalabel(gt, results, sequences=sequences, workers=workers, backend=clear_backend,
                                  verify=verify)
        return table, [SCALABEL_NOTE]
    check_contained(results)
    bench = "auto" if not benchmark else benchmark.upper()
    several = tracker_dirs(results)
    loose = ignored_top_level(results, several) if len(several) > 1 else []
    if len(several) <= 1:
        table = evaluate_folders(gt, results, benchmark=bench, workers=workers, sequences=sequences,
                                 backend=clear_backend, verify=verify)
        return table, loose
    tables = {}
    for name, folder in several.items():
        try:
            tables[name] = evaluate_folders(gt, folder, benchmark=bench, on_missing="skip", workers=workers,
                                            sequences=sequences, backend=clear_backend, verify=verify)
        except FileNotFoundError:
            tables[name] = None  # no result for any selected sequence
    table, notes = mark_incomplete(tables)
    notes = loose + notes
    table.attrs["verified"] = sum(t.attrs.get("verified", 0) for t in tables.values() if t is not None)
    return table, notes


def mark_incomplete(tables: dict[str, pd.DataFrame | None]) -> tuple[pd.DataFrame, list[str]]:
    """Stack per-tracker tables, adding ``complete`` and a note for trackers missing sequences."""
    scored = {name: [s for s in t.index if s != COMBINED] for name, t in tables.items() if t is not None}
    union = sorted({s for seqs in scored.values() for s in seqs})
    notes, kept = [], {}
    for name, table in tables.items():
        if table is None:
            notes.append(f"{name} has no result for any selected sequence: left out")
            continue
        missing = [s for s in union if s not in scored[name]]
        table = table.copy()
        table["complete"] = True
        if missing:
            table.loc[COMBINED, "complete"] = False
            notes.append(f"{name} has no result for {', '.join(missing)}: its {COMBINED} row covers "
                         f"{len(scored[name])} of {len(union)} sequences (complete = False) and is not "
                         "comparable with the others")
        kept[name] = table
    if not kept:
        raise FileNotFoundError("no tracker has a result for any selected sequence")
    return pd.concat(kept, names=["tracker"]), notes


def scored_board(gt: Path, results: Path, benchmark: str | None, jobs: int = 1,
                 sequences: list[str] | None = None, clear_backend: str = "motmetrics", verify: bool = False,
                 sort: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """(table, notes) as ``bench eval`` shows them (and :func:`trackbench.evaluate` returns them): :func:`score`,
    damaged-file notes, columns ordered and rows ranked (Scalabel rows keep their order unless ``sort`` is given).

    The table keeps :func:`score`'s ``attrs`` (``verified``).
    """
    table, notes = score(gt, results, benchmark, jobs, sequences, clear_backend, verify)
    scalabel = is_scalabel(gt, results, benchmark)
    if not scalabel:
        notes += damaged_result_notes(gt, results, sequences)
    attrs = dict(table.attrs)
    table = leaderboard.order_columns(table)
    if sort or not scalabel:  # Scalabel rows keep videos, classes, combinations
        table = leaderboard.sort_board(table, sort)
    table.attrs.update(attrs)
    return table, notes


def execute_eval(gt: Path, results: Path, benchmark: str | None, out: Path | None,
                 console: Console, err_console: Console, jobs: int = 1, sequences: list[str] | None = None,
                 sort: str | None = None, fmt: str = "table", clear_backend: str = "motmetrics",
                 verify: bool = False) -> pd.DataFrame:
    import typer

    from trackbench.harness.metrics.verify import VerificationError
    from trackbench.io.terminal import labelled

    with reported(err_console):
        leaderboard.check_options(sort, fmt)
        try:
            table, notes = scored_board(gt, results, benchmark, jobs, sequences, clear_backend, verify, sort)
        except VerificationError as exc:
            err_console.print(labelled("verification failed", "bold red", str(exc)), markup=False, highlight=False)
            raise typer.Exit(1) from None
        verified = table.attrs.get("verified", 0)
        if verify:
            notes.append(verified_note(verified, clear_backend))
    if fmt == "json":
        document = {"results": str(results), "gt": str(gt), "clear_backend": clear_backend, "verified": verified,
                    "table": leaderboard.to_records(table), "notes": notes}
        console.out(json.dumps(document, indent=2, default=str), highlight=False)
    else:
        leaderboard.show(table, f"{results} vs {gt} (CLEAR/ID: {clear_backend})", console, notes=notes)
    if out is not None:
        for path in leaderboard.save(table, Path(out), "eval", caption=leaderboard.metrics_note(clear_backend)):
            if fmt != "json":
                console.print(f"saved {path}")
    return table


def verified_note(count: int, clear_backend: str) -> str:
    """The line ``--verify`` adds when the fast engine and the libraries agree."""
    libraries = "motmetrics' and TrackEval's" if clear_backend == "motmetrics" else "TrackEval's"
    return (f"verified: {count} result(s) counted again with {libraries} own code; every count equal, "
            "every ratio within 1e-9")

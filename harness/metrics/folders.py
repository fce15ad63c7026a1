"""Score a folder of tracker results against a folder of ground truth: what ``bench eval`` runs.

:func:`evaluate_folders` finds the gt sequences (MOTChallenge or TrackEval
layout) and their result files, reads them, counts them with
:func:`trackbench.harness.metrics.evaluate.count_sequences` and returns one
DataFrame row per sequence plus COMBINED (conventions: :mod:`.evaluate`).

Benchmarks: ``MOT15`` scores every conf != 0 gt row; ``MOT16``/``MOT17``/``MOT20``
remove tracker boxes matched to distractor gt and score pedestrians only (see
:mod:`trackbench.harness.metrics.preprocess`).  :func:`evaluate_folders` picks the style
per sequence by the rule ``bench run`` uses too (:func:`trackbench.datasets.mot_scoring.scoring_benchmark`:
a 9-column gt with classes means MOT17-style, MOT20 when the sequence is named
MOT20-*) unless ``benchmark`` forces one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Sequence

import pandas as pd

from trackbench.datasets.limits import check_rows_within, check_span
from trackbench.datasets.mot_scoring import BENCHMARKS, scoring_benchmark, spec_for_benchmark
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import FrameTable
from trackbench.harness.metrics.evaluate import (COLUMNS, DEFAULT_BACKEND, DEFAULT_ENGINE, INT_COLUMNS,
                                                 SequenceCounts, SequenceJob, combine_counts, count_sequences,
                                                 finalize)
from trackbench.harness.metrics.verify import check_against_library, check_library_memory

Benchmark = Literal["auto", "MOT15", "MOT16", "MOT17", "MOT20"]
OnMissing = Literal["error", "empty", "skip"]


@dataclass(frozen=True)
class GtSequence:
    """A gt sequence found on disk."""

    name: str
    gt_path: Path
    length: int | None  # seqLength from seqinfo.ini, when there is one


def evaluate_folders(
    gt_root: str | os.PathLike,
    results_root: str | os.PathLike,
    *,
    benchmark: Benchmark = "auto",
    tracker: str | None = None,
    sequences: Iterable[str] | None = None,
    on_missing: OnMissing = "error",
    workers: int = 1,
    backend: str = DEFAULT_BACKEND,
    engine: str = DEFAULT_ENGINE,
    verify: bool = False,
) -> pd.DataFrame:
    """Score every gt sequence under ``gt_root`` against its result file; one row each plus COMBINED.

    ``gt_root``: MOTChallenge layout ``<gt>/<seq>/gt/gt.txt`` (optional
    ``seqinfo.ini``), a TrackEval layout one level deeper
    (``<gt>/<BENCH>-<split>/<seq>/gt/gt.txt``), or a single sequence folder.
    ``results_root``: ``<res>/<seq>.txt``, ``<res>/data/<seq>.txt``, or a
    trackers folder ``<res>/<tracker>/data/<seq>.txt`` (``tracker`` picks one
    when there are several).  ``benchmark`` forces the preprocessing style
    (default: detected per sequence).  ``on_missing``: what to do when a
    sequence has no result file: raise, score an empty result, or skip it.
    The sequence length is ``seqLength`` from seqinfo.ini when present, else
    the last frame seen in gt or result.  ``workers > 1`` scores in that many
    processes (see :func:`count_sequences`).  ``backend`` picks where CLEAR and
    identity come from (module docstring), ``engine`` how they are counted.
    ``verify`` counts a second time with the libraries' own code and raises
    :class:`~trackbench.harness.metrics.verify.VerificationError` listing every field that differs.
    ``df.attrs['benchmark']`` records the style used per sequence,
    ``df.attrs['clear_backend']`` the backend, ``df.attrs['verified']`` the
    number of sequences verified (0 without ``verify``).
    """
    gt_seqs = find_gt_sequences(gt_root)
    if sequences is not None:
        wanted = set(sequences)
        gt_seqs = [s for s in gt_seqs if s.name in wanted]
        missing = wanted - {s.name for s in gt_seqs}
        if missing:
            raise FileNotFoundError(f"no gt under {gt_root} for: {', '.join(sorted(missing))}")
    res_dir = find_results_dir(results_root, [s.name for s in gt_seqs], tracker)
    jobs: list[SequenceJob] = []
    used: dict[str, str] = {}
    for gseq in gt_seqs:
        result_path = res_dir / f"{gseq.name}.txt"
        if not result_path.is_file():
            if on_missing == "skip":
                continue
            if on_missing == "error":
                raise FileNotFoundError(f"no result for sequence {gseq.name}: expected {result_path}")
        job, used[gseq.name] = load_job(gseq, result_path, benchmark)
        jobs.append(job)
    if not jobs:
        raise FileNotFoundError(f"no sequence of {gt_root} has a result in {res_dir}")
    if verify:
        check_library_memory(jobs)  # before any counting: the libraries' id matrices are dense
    rows = count_sequences(jobs, workers, backend, engine)
    if verify:
        check_against_library(rows, jobs, workers, backend, engine)
    frame = to_dataframe(rows + [combine_counts(rows)])
    frame.attrs["verified"] = len(rows) if verify else 0
    frame.attrs["benchmark"] = used
    frame.attrs["clear_backend"] = backend
    return frame


def to_dataframe(all_counts: Sequence[SequenceCounts]) -> pd.DataFrame:
    """One row per counts record, trackbench columns, integer counts as ints."""
    return metrics_table([finalize(c) for c in all_counts], [c.name for c in all_counts])


def metrics_table(records: Sequence[dict[str, float]], names: Sequence[str]) -> pd.DataFrame:
    """Finalised metrics rows as a table indexed by ``sequence``: trackbench columns, integer counts as ints."""
    df = pd.DataFrame.from_records(list(records), index=list(names), columns=list(COLUMNS))
    df.index.name = "sequence"
    return df.astype({c: "int64" for c in INT_COLUMNS})


def load_job(gseq: GtSequence, result_path: Path, benchmark: Benchmark) -> tuple[SequenceJob, str]:
    """Read gt and result (a missing result file is an empty result) and pick the benchmark style."""
    gt = read_mot_file(gseq.gt_path, "gt")
    result = read_mot_file(result_path, "result") if result_path.is_file() else FrameTable.empty()
    bench = scoring_benchmark(gseq.name, gt) if benchmark == "auto" else benchmark.upper()
    if bench not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r}; expected auto or one of {', '.join(BENCHMARKS)}")
    if gseq.length:
        length = gseq.length
        for path, table in ((gseq.gt_path, gt), (result_path, result)):
            check_rows_within(table, path, length, f"seqLength in {Path(gseq.gt_path).parent.parent / 'seqinfo.ini'}")
    else:
        rows = len(gt) + len(result)
        for path, table in ((gseq.gt_path, gt), (result_path, result)):
            check_span(path, table, rows, 0)
        length = max(gt.last_frame, result.last_frame)
    return SequenceJob(gseq.name, gt, result, spec_for_benchmark(bench), length), bench


def find_gt_sequences(gt_root: str | os.PathLike) -> list[GtSequence]:
    """gt sequences under ``gt_root`` in MOTChallenge or TrackEval layout, sorted by name."""
    root = Path(gt_root)
    if not root.is_dir():
        raise FileNotFoundError(f"gt folder not found: {root}")
    if (root / "gt" / "gt.txt").is_file():
        return [_gt_sequence(root)]
    direct = sorted(p.parent.parent for p in root.glob("*/gt/gt.txt"))
    if direct:
        return [_gt_sequence(p) for p in direct]
    nested = sorted(p.parent.parent for p in root.glob("*/*/gt/gt.txt"))
    parents = sorted({p.parent.name for p in nested})
    if len(parents) > 1:
        raise ValueError(f"{root} holds several gt sets ({', '.join(parents)}); pass one of them as the gt folder")
    if not nested:
        raise FileNotFoundError(f"no <seq>/gt/gt.txt under {root}")
    return [_gt_sequence(p) for p in nested]


def _gt_sequence(folder: Path) -> GtSequence:
    return GtSequence(folder.name, folder / "gt" / "gt.txt", read_seq_length(folder / "seqinfo.ini"))


def read_seq_length(ini: Path) -> int | None:
    """``seqLength`` from a MOTChallenge seqinfo.ini, or None without one."""
    if not ini.is_file():
        return None
    from trackbench.datasets.seqinfo import read_seqinfo

    length = read_seqinfo(ini).length
    if length is None:
        raise ValueError(f"{ini}: no seqLength in [Sequence]")
    return length


def find_results_dir(results_root: str | os.PathLike, seq_names: Sequence[str], tracker: str | None = None) -> Path:
    """The folder holding ``<seq>.txt`` result files, in any of the accepted layouts.

    Tried in order: ``<res>`` itself, ``<res>/data``, ``<res>/<tracker>/data`` and
    ``<res>/<set>/<tracker>/data`` (TrackEval's trackers folder).  Several
    trackers and no ``tracker`` given is an error, not a guess.
    """
    root = Path(results_root)
    if not root.is_dir():
        raise FileNotFoundError(f"results folder not found: {root}")
    names = set(seq_names)

    def has_results(folder: Path) -> bool:
        return folder.is_dir() and any((folder / f"{n}.txt").is_file() for n in names)

    if tracker is None:
        for folder in (root, root / "data"):
            if has_results(folder):
                return folder
    pattern = tracker if tracker is not None else "*"
    found = sorted({p for p in [*root.glob(f"{pattern}/data"), *root.glob(f"*/{pattern}/data")] if has_results(p)})
    if len(found) == 1:
        return found[0]
    if not found:
        what = f"tracker {tracker!r} " if tracker else ""
        raise FileNotFoundError(f"no {what}result files (<seq>.txt) for these sequences under {root}")
    listed = ", ".join(str(p.relative_to(root)) for p in found)
    raise ValueError(f"several trackers under {root} ({listed}); choose one with tracker=")

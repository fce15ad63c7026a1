"""Score tracker results against ground truth: CLEAR + identity (motmetrics or TrackEval) and HOTA (TrackEval).

One call scores one sequence (:func:`evaluate_sequence`); :func:`count_sequence`
keeps the raw counts so several sequences combine from *summed counts*
(:func:`combine`), never from averaged percentages; :func:`evaluate_folders`
scores a whole results folder against a gt folder (what ``bench eval --gt
<folder> --results <folder>`` runs) and returns a DataFrame.

Conventions of every metrics dict and DataFrame produced here:

* Ratios are **percentages**: MOTA 52.6 means 52.6 % (0.526 in motmetrics).
  Percent columns: MOTA, MOTP, IDF1, IDP, IDR, HOTA, DetA, AssA, LocA, DetRe,
  DetPr, AssRe, AssPr, HOTA(0), LocA(0), Recall, Precision.
* **MOTP is the mean IoU of matched pairs, in percent**, i.e.
  ``100 * (1 - motmetrics motp)``; motmetrics itself reports MOTP as a mean
  distance ``1 - IoU`` (lower is better), we report it as TrackEval and the
  MOTChallenge site do (higher is better).
* Counts are integers: FP, FN, IDsw, Frag, MT, PT, ML, GT_IDs (distinct scored
  gt ids), Frames, TP (matched gt boxes), GT_Dets, Dets, IDTP, IDFP, IDFN.
* Matching threshold: IoU >= 0.5 for CLEAR and identity; HOTA averages over
  alpha = 0.05..0.95 as TrackEval does.

CLEAR backends (``backend=``, ``--clear-backend``): ``motmetrics`` (default;
:mod:`.clear`, :mod:`.identity`) or ``trackeval`` (:mod:`.clear_trackeval`,
:mod:`.identity_trackeval`: TrackEval's own metric classes, the numbers
MOTChallenge publishes).  Both see the same preprocessed arrays; HOTA is
always TrackEval's.  The counts remember their backend, so combining and
finalising never mix the two.

Benchmarks: ``MOT15`` scores every conf != 0 gt row; ``MOT16``/``MOT17``/``MOT20``
remove tracker boxes matched to distractor gt and score pedestrians only (see
:mod:`trackbench.harness.metrics.preprocess`).  :func:`evaluate_folders` picks the style
per sequence by the rule ``bench run`` uses too (:func:`trackbench.datasets.mot_scoring.scoring_benchmark`:
a 9-column gt with classes means MOT17-style, MOT20 when the sequence is named
MOT20-*) unless ``benchmark`` forces one.
"""

from __future__ import annotations

import copy
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Literal, Sequence

import pandas as pd

from trackbench.datasets.limits import check_rows_within, check_span
from trackbench.datasets.mot_scoring import BENCHMARKS, scoring_benchmark, spec_for_benchmark
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.metrics import (clear, clear_fast, clear_trackeval, clear_trackeval_fast, hota, hota_fast,
                                        identity, identity_fast, identity_trackeval, identity_trackeval_fast)
from trackbench.harness.metrics import verify as verify_counts
from trackbench.harness.metrics.preprocess import PreparedGt, SeqData, prepare_gt, preprocess, preprocess_result

#: Where CLEAR and identity come from (``--clear-backend``); the first is the default.
CLEAR_BACKENDS = ("motmetrics", "trackeval")
DEFAULT_BACKEND = CLEAR_BACKENDS[0]
#: How the counts are computed: ``fast`` (whole-sequence arrays, the ``*_fast`` modules:
#: :mod:`.clear_fast`, :mod:`.identity_fast`, :mod:`.clear_trackeval_fast`,
#: :mod:`.identity_trackeval_fast`, :mod:`.hota_fast`) or ``library`` (motmetrics' accumulator and
#: TrackEval's loops).  Both give the same counts (the libraries are the
#: definition; ``bench eval --verify`` runs both and compares); only speed differs.
ENGINES = ("fast", "library")
DEFAULT_ENGINE = ENGINES[0]
#: Families that run together in one worker task, per (backend, engine): motmetrics' CLEAR
#: and identity share one accumulator; HOTA (TrackEval) is independent and about
#: as costly; the fast families share one flattened view of the sequence.  Each
#: family has evaluate / combine / finalize; a fast family combines and
#: finalises with its library twin's functions (the counts are the same).
_TASK_GROUPS: dict[tuple[str, str], tuple[tuple[ModuleType, ...], ...]] = {
    ("motmetrics", "library"): ((clear, identity), (hota,)),
    ("trackeval", "library"): ((clear_trackeval, identity_trackeval), (hota,)),
    ("motmetrics", "fast"): ((clear_fast, identity_fast, hota_fast),),
    ("trackeval", "fast"): ((clear_trackeval_fast, identity_trackeval_fast, hota_fast),),
}


def check_backend(backend: str) -> str:
    """``backend`` if it is a known CLEAR backend, else a ValueError naming the choices."""
    if backend not in CLEAR_BACKENDS:
        raise ValueError(f"unknown CLEAR backend {backend!r}; choose one of {', '.join(CLEAR_BACKENDS)}")
    return backend


def check_engine(engine: str) -> str:
    """``engine`` if it is a known counting engine, else a ValueError naming the choices."""
    if engine not in ENGINES:
        raise ValueError(f"unknown scoring engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return engine


def families(backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE) -> tuple[ModuleType, ...]:
    """The metric families of a CLEAR backend and engine, in output order."""
    return tuple(f for group in _task_groups(backend, engine) for f in group)


def _task_groups(backend: str, engine: str) -> tuple[tuple[ModuleType, ...], ...]:
    return _TASK_GROUPS[check_backend(backend), check_engine(engine)]

#: Column order of :func:`evaluate_folders` (the required set first, extras after).
COLUMNS = (
    "MOTA", "MOTP", "IDF1", "IDP", "IDR", "HOTA", "DetA", "AssA", "LocA",
    "FP", "FN", "IDsw", "Frag", "MT", "PT", "ML", "Recall", "Precision", "GT_IDs", "Frames",
    "IDTP", "IDFP", "IDFN", "DetRe", "DetPr", "AssRe", "AssPr", "HOTA(0)", "LocA(0)",
    "TP", "GT_Dets", "Dets",
)  # fmt: skip
INT_COLUMNS = ("FP", "FN", "IDsw", "Frag", "MT", "PT", "ML", "GT_IDs", "Frames", "IDTP", "IDFP", "IDFN", "TP", "GT_Dets", "Dets")
COMBINED = "COMBINED"

Benchmark = Literal["auto", "MOT15", "MOT16", "MOT17", "MOT20"]
OnMissing = Literal["error", "empty", "skip"]


@dataclass
class SequenceCounts:
    """Raw counts of one sequence (or of several, combined), per metric family."""

    name: str
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)  # family NAME -> counts
    backend: str = DEFAULT_BACKEND  # which library counted CLEAR and identity


def count_sequence(
    gt: FrameTable, result: FrameTable, spec: EvalSpec, num_frames: int, name: str = "",
    backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE,
) -> SequenceCounts:
    """Preprocess once, then let every metric family count on the same arrays."""
    seq = preprocess(gt, result, spec, num_frames, name=name)
    return count_preprocessed(seq, backend, engine)


def count_preprocessed(seq: SeqData, backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE) -> SequenceCounts:
    """Counts of every family for an already preprocessed sequence."""
    return SequenceCounts(seq.name, {f.NAME: f.evaluate(seq) for f in families(backend, engine)}, backend)


def finalize(counts: SequenceCounts) -> dict[str, float]:
    """Metrics dict (trackbench names, percent convention) from counts."""
    out: dict[str, float] = {}
    for family in families(counts.backend):
        out.update(family.finalize(counts.counts[family.NAME]))
    return {column: out[column] for column in COLUMNS}


def evaluate_sequence(gt: FrameTable, result: FrameTable, spec: EvalSpec, num_frames: int,
                      backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE) -> dict[str, float]:
    """Score one sequence: CLEAR, identity and HOTA metrics (see module docstring)."""
    return finalize(count_sequence(gt, result, spec, num_frames, backend=backend, engine=engine))


def combine_counts(all_counts: Sequence[SequenceCounts], name: str = COMBINED) -> SequenceCounts:
    """Counts of several sequences merged by each family's ``combine`` (summed counts)."""
    if not all_counts:
        raise ValueError("nothing to combine: no sequences")
    backends = {c.backend for c in all_counts}
    if len(backends) > 1:
        raise ValueError(f"cannot combine counts of different CLEAR backends: {', '.join(sorted(backends))}")
    backend = backends.pop()
    merged = {f.NAME: f.combine([c.counts[f.NAME] for c in all_counts]) for f in families(backend)}
    return SequenceCounts(name, merged, backend)


def combine(all_counts: Sequence[SequenceCounts]) -> dict[str, float]:
    """Combined metrics over several sequences, computed from summed counts."""
    return finalize(combine_counts(all_counts))


@dataclass(frozen=True)
class SequenceJob:
    """Everything needed to score one sequence (picklable, for worker processes)."""

    name: str
    gt: FrameTable
    result: FrameTable
    spec: EvalSpec
    num_frames: int


def count_sequences(jobs: Sequence[SequenceJob], workers: int = 1,
                    backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE) -> list[SequenceCounts]:
    """Counts of several sequences, in order; ``workers > 1`` scores them in processes.

    Scoring work is never repeated within one call: jobs sharing a ground truth
    (the same gt table object, spec and length: every unit and sweep point of
    a run on one sequence) share its preprocessing (:func:`prepare_gt`), and a
    job whose result is identical to an earlier one's against the same gt
    (sweep points that change nothing) reuses its counts, which are a pure
    function of (gt, result).  Both libraries' algorithms are single-threaded
    Python loops over frames, so the parallel path splits the remaining work
    into (sequence, family group) tasks, largest first, over a process pool;
    the numbers are the same as serial.
    """
    check_engine(engine)
    check_backend(backend)
    first_of: dict[tuple[int, int, int, str], int] = {}
    source = []  # per job: the index of the job whose counts it takes
    for i, job in enumerate(jobs):
        source.append(first_of.setdefault((*_gt_key(job), _table_digest(job.result)), i))
    unique = [i for i, s in enumerate(source) if s == i]
    counted = dict(zip(unique, _count_unique([jobs[i] for i in unique], workers, backend, engine)))
    return [counted[i] if source[i] == i else _renamed(counted[source[i]], jobs[i].name) for i in range(len(jobs))]


def _gt_key(job: SequenceJob) -> tuple[int, int, int]:
    """Identity of a job's gt side; the objects live as long as ``jobs``, so their ids are stable keys."""
    return id(job.gt), id(job.spec), job.num_frames


def _table_digest(table: FrameTable) -> str:
    """Content hash of every column a result contributes to scoring."""
    h = hashlib.sha256()
    for column in (table.frames, table.ids, table.boxes, table.scores, table.classes, table.visibility):
        h.update(str(column.shape).encode())
        h.update(column.tobytes())
    return h.hexdigest()


def _renamed(counts: SequenceCounts, name: str) -> SequenceCounts:
    """A private copy of reused counts under another job's name (callers may combine or mutate either)."""
    return SequenceCounts(name, copy.deepcopy(counts.counts), counts.backend)


def _count_unique(jobs: Sequence[SequenceJob], workers: int, backend: str, engine: str) -> list[SequenceCounts]:
    """Counts of jobs with pairwise different (gt, result); gt prepared once per gt in the serial path."""
    if workers <= 1 or not jobs:
        prepared: dict[tuple[int, int, int], PreparedGt] = {}
        out = []
        for job in jobs:
            key = _gt_key(job)
            if key not in prepared:
                prepared[key] = prepare_gt(job.gt, job.spec, job.num_frames, name=job.name)
            seq = preprocess_result(prepared[key], job.result)
            seq.name = job.name
            out.append(count_preprocessed(seq, backend, engine))
        return out
    names = [f.NAME for f in families(backend, engine)]
    tasks = [(i, g) for i in range(len(jobs)) for g in range(len(_task_groups(backend, engine)))]
    tasks.sort(key=lambda task: -(len(jobs[task[0]].gt) + len(jobs[task[0]].result)))
    found: list[dict[str, dict[str, Any]]] = [{} for _ in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        futures = [(i, pool.submit(_count_task, jobs[i], backend, engine, g)) for i, g in tasks]
        for i, future in futures:
            found[i].update(future.result())
    return [SequenceCounts(job.name, {name: found[i][name] for name in names}, backend) for i, job in enumerate(jobs)]


def _count_task(job: SequenceJob, backend: str, engine: str, group: int) -> dict[str, dict[str, Any]]:
    """One worker task: preprocess (cheap, repeated per group) and count one family group."""
    seq = preprocess(job.gt, job.result, job.spec, job.num_frames, name=job.name)
    return {family.NAME: family.evaluate(seq) for family in _task_groups(backend, engine)[group]}


# --------------------------------------------------------------------------- folders


class VerificationError(RuntimeError):
    """The fast engine's counts differ from motmetrics' / TrackEval's own (``bench eval --verify``)."""


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
    :class:`VerificationError` listing every field that differs.
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
    rows = count_sequences(jobs, workers, backend, engine)
    if verify:
        wrong = verify_counts.differences(rows, count_sequences(jobs, workers, backend, "library"))
        if wrong:
            raise VerificationError(f"{len(wrong)} count(s) of the {engine} engine differ from the libraries': "
                                    + "; ".join(wrong[:10]))
    frame = to_dataframe(rows + [combine_counts(rows)])
    frame.attrs["verified"] = len(rows) if verify else 0
    frame.attrs["benchmark"] = used
    frame.attrs["clear_backend"] = backend
    return frame


def to_dataframe(all_counts: Sequence[SequenceCounts]) -> pd.DataFrame:
    """One row per counts record, trackbench columns, integer counts as ints."""
    records = [finalize(c) for c in all_counts]
    df = pd.DataFrame.from_records(records, index=[c.name for c in all_counts], columns=list(COLUMNS))
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

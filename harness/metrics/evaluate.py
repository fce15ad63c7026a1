"""Score tracker results against ground truth: CLEAR + identity (motmetrics or TrackEval) and HOTA (TrackEval).

One call scores one sequence (:func:`evaluate_sequence`); :func:`count_sequence`
keeps the raw counts so several sequences combine from *summed counts*
(:func:`combine`), never from averaged percentages; :func:`count_sequences`
counts many at once, each (gt, result) once.  Scoring folders on disk (what
``bench eval`` runs) is :mod:`.folders`.

Conventions of every metrics dict and DataFrame produced here and in :mod:`.folders`:

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

Metric families: :mod:`.clear`, :mod:`.identity`, :mod:`.hota`, each one
module holding a class per (CLEAR backend, engine) with ``evaluate`` /
``combine`` / ``finalize`` (their ``DEFINITIONS`` tables).  CLEAR backends
(``backend=``, ``--clear-backend``): ``motmetrics`` (default) or ``trackeval``
(TrackEval's own metric classes, the numbers MOTChallenge publishes).  Both
see the same preprocessed arrays; HOTA is always TrackEval's.  The counts
remember their backend, so combining and finalising never mix the two.
"""

from __future__ import annotations

import copy
import hashlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.metrics import clear, hota, identity
from trackbench.harness.metrics.preprocess import PreparedGt, SeqData, prepare_gt, preprocess, preprocess_result

#: Where CLEAR and identity come from (``--clear-backend``); the first is the default.
CLEAR_BACKENDS = ("motmetrics", "trackeval")
DEFAULT_BACKEND = CLEAR_BACKENDS[0]
#: How the counts are computed: ``fast`` (whole-sequence arrays, the ``*Fast`` classes)
#: or ``library`` (motmetrics' accumulator and TrackEval's loops).  Both give the
#: same counts (the libraries are the definition; ``bench eval --verify`` runs
#: both and compares); only speed differs.
ENGINES = ("fast", "library")
DEFAULT_ENGINE = ENGINES[0]
#: The metric family modules, in output order; each maps (backend, engine) to a :class:`Family`.
_FAMILY_MODULES = (clear, identity, hota)


class Family(Protocol):
    """One metric family under one definition and engine, e.g. :class:`trackbench.harness.metrics.clear.Motmetrics`."""

    NAME: str  # key of its counts in :attr:`SequenceCounts.counts`

    def evaluate(self, seq: SeqData) -> dict[str, Any]: ...  # counts of one sequence

    def combine(self, all_counts: list[dict[str, Any]]) -> dict[str, Any]: ...  # counts of several, merged

    def finalize(self, counts: dict[str, Any]) -> dict[str, float]: ...  # metrics under trackbench names


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


def families(backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE) -> tuple[Family, ...]:
    """The metric families of a CLEAR backend and engine, in output order (CLEAR, identity, HOTA)."""
    key = check_backend(backend), check_engine(engine)
    return tuple(module.DEFINITIONS[key] for module in _FAMILY_MODULES)


def _task_groups(backend: str, engine: str) -> tuple[tuple[Family, ...], ...]:
    """Families that run together in one worker task.

    The fast families share one flattened view of the sequence, so they run
    together; in the library engine motmetrics' CLEAR and identity share one
    accumulator, and HOTA (TrackEval) is independent and about as costly, so it
    runs apart.
    """
    clear_family, identity_family, hota_family = families(backend, engine)
    if engine == "fast":
        return ((clear_family, identity_family, hota_family),)
    return (clear_family, identity_family), (hota_family,)


#: Column order of :func:`finalize` and of the tables (the required set first, extras after).
COLUMNS = (
    "MOTA", "MOTP", "IDF1", "IDP", "IDR", "HOTA", "DetA", "AssA", "LocA",
    "FP", "FN", "IDsw", "Frag", "MT", "PT", "ML", "Recall", "Precision", "GT_IDs", "Frames",
    "IDTP", "IDFP", "IDFN", "DetRe", "DetPr", "AssRe", "AssPr", "HOTA(0)", "LocA(0)",
    "TP", "GT_Dets", "Dets",
)  # fmt: skip
INT_COLUMNS = ("FP", "FN", "IDsw", "Frag", "MT", "PT", "ML", "GT_IDs", "Frames", "IDTP", "IDFP", "IDFN", "TP", "GT_Dets", "Dets")
COMBINED = "COMBINED"


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

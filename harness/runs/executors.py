"""Where units run: in this process, in a local process pool, or as Ray tasks.

Every executor takes the same list of :class:`Job` and yields ``(index,
output)`` pairs as units finish; the driver alone writes result files and
records, so workers never touch the run folder and results are identical
whichever executor ran them.

What travels where (see README, "Many machines"): a job carries the variant
and the :class:`~trackbench.datasets.sequence.Sequence` (its info,
detections and ground truth as arrays; images stay on disk and are read by
path), and the worker sends back the tracker's output rows (with a scoring
backend in the job, also the result text and the unit's counts:
:mod:`~trackbench.harness.runs.unit_scores`).  A :class:`WorkerPool`, kept
across batches of units (``bench tune -j N``), holds its sequences in its
workers from the start, so its jobs carry only the sequence's name.  With Ray, each
sequence is put into the object store once and shared by all its units, and
outputs come back through the object store; only images, video files,
feature files (``features=...``) and model checkpoints must be reachable at
the same path on every worker (a shared filesystem).
"""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Callable, Iterator

from trackbench.datasets.sequence import Sequence
from trackbench.trackers.params import ParamError

EXECUTORS = ("local", "process", "ray")


@dataclass(frozen=True)
class Job:
    """One unit to run: a variant (see tracking.Variant), a sequence and the run's detect_every."""

    variant: object
    seq: Sequence
    detect_every: int
    wants_gpu: bool = False  # a torch embedder that may compute appearance vectors
    min_score: float | None = None  # the harness's detection score threshold (tracking.with_min_score)
    score_backend: str | None = None  # also format and count the unit where it ran (unit_scores)


def worker_count(jobs: int, units: int, executor: str | None = None) -> int:
    """``--jobs`` capped by the work: never more workers than units, nor (locally) than CPU cores.

    ``-j 500`` used to start 500 processes for one unit.  A Ray cluster may have
    more cores than this machine, so only the unit count caps it there.
    """
    cap = units if executor == "ray" else min(units, os.cpu_count() or 1)
    return max(1, min(jobs, cap))


def choose_executor(executor: str | None, jobs: int) -> str:
    """``None`` keeps the old ``--jobs`` behaviour: in-process for 1, a process pool above."""
    if executor is None:
        return "process" if jobs > 1 else "local"
    if executor not in EXECUTORS:
        raise ParamError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    return executor


def execute(job: Job, on_frames: Callable[[int], None] | None = None,
            on_embed: Callable[[int], None] | None = None):
    """Run one job where it stands (any executor): track the unit, then, with ``score_backend``, format its
    text and count its scores (:mod:`~trackbench.harness.runs.unit_scores`)."""
    from trackbench.harness.runs.tracking import track_unit

    output = track_unit(job.variant, job.seq, job.detect_every, on_frames, on_embed, job.min_score)
    if job.score_backend is None:
        return output
    from trackbench.harness.runs.unit_scores import with_counts

    return with_counts(output, job.seq, job.score_backend)


def run_local(jobs: list[Job], on_frames: Callable[[int, int], None] | None = None,
              on_embed: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, object]]:
    for i, job in enumerate(jobs):
        cb = (lambda n, i=i: on_frames(i, n)) if on_frames else None
        ecb = (lambda n, i=i: on_embed(i, n)) if on_embed else None
        yield i, execute(job, cb, ecb)


def run_process(jobs: list[Job], workers: int) -> Iterator[tuple[int, object]]:
    pool = ProcessPoolExecutor(max_workers=max(1, workers or os.cpu_count() or 1))
    try:
        pending = {pool.submit(execute, job): i for i, job in enumerate(jobs)}
        for fut in as_completed(pending):
            yield pending[fut], fut.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


#: In a :class:`WorkerPool` worker: the pool's sequences by name, sent once when the worker starts.
_held: dict[str, Sequence] = {}


def _hold(sequences: list[Sequence]) -> None:
    """A :class:`WorkerPool` worker's start: keep the sequences, leave interrupts to the driver, die with it.

    Forked workers inherit the driver's handlers (SIGTERM raising KeyboardInterrupt); the driver alone
    decides what an interrupt means and ends its workers, and a worker orphaned by ``kill -9`` of the driver
    must not live on holding the sequences.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _held.clear()
    _held.update((s.name, s) for s in sequences)


def _die_with_parent() -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent dies (elsewhere nothing happens)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except OSError:
        pass


def _execute_held(job: Job, name: str):
    return execute(replace(job, seq=_held[name]))


class WorkerPool:
    """A process pool kept for many batches of units over the same sequences (a tune's trials).

    Why: :func:`run_process` starts a pool per call and pickles each job's
    sequence with it, which for ``bench tune`` meant a pool start plus 24 MB
    of MOT17 detections and ground truth per trial.  Here the workers start
    once, receive the sequences once, and a job names its sequence; each batch
    is submitted largest sequence first so the longest unit starts first.
    Results equal the in-process executor's (the same ``execute``).
    """

    def __init__(self, sequences: list[Sequence], workers: int) -> None:
        self.sequences = {s.name: s for s in sequences}
        self.workers = worker_count(workers, len(sequences))
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_hold, initargs=(sequences,))

    def run(self, jobs: list[Job]) -> Iterator[tuple[int, object]]:
        """Yield ``(job index, output)`` as units finish."""
        order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i].seq))
        pending = {}
        for i in order:
            job, name = jobs[i], jobs[i].seq.name
            if self.sequences.get(name) is job.seq:  # held by the workers: send the name, not the data
                pending[self._pool.submit(_execute_held, replace(job, seq=None), name)] = i
            else:
                pending[self._pool.submit(execute, job)] = i
        try:
            for fut in as_completed(pending):
                yield pending[fut], fut.result()
        finally:
            for fut in pending:
                fut.cancel()  # a no-op for the finished ones

    def close(self, interrupted: bool = False) -> None:
        """Shut the pool down; when ``interrupted`` (an exception is on its way out), at once: queued units
        are cancelled and running ones ended, since nothing will record them (their units rerun on resume)."""
        if not interrupted:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(interrupted=exc_type is not None)


def _size(seq: Sequence) -> int:
    """Rows a unit on ``seq`` handles (detections in, ground truth scored): the order of a batch."""
    return len(seq.detections) + (len(seq.ground_truth) if seq.ground_truth is not None else 0)


def _ray_module():
    try:
        import ray
    except ImportError:
        raise ParamError("--executor ray needs Ray: pip install 'trackbench[ray]'") from None
    return ray


def start_ray(address: str | None, workers: int):
    """Join ``address`` (a cluster, or "auto"), or start a private local instance on 127.0.0.1.

    Returns (ray, started_here).  An instance already initialised in this
    process (a notebook, a test) is used as it is.
    """
    ray = _ray_module()
    if ray.is_initialized():
        return ray, False
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=workers or None, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False)
    return ray, True


def run_ray(jobs: list[Job], address: str | None, workers: int) -> Iterator[tuple[int, object]]:
    """Each unit is a Ray task (1 CPU; plus 1 GPU for torch embedders when the cluster has GPUs)."""
    ray, started = start_ray(address, workers)
    refs: dict = {}
    try:
        has_gpu = ray.cluster_resources().get("GPU", 0) > 0
        task = ray.remote(_track_remote)
        seq_refs: dict[int, object] = {}
        for i, job in enumerate(jobs):
            if id(job.seq) not in seq_refs:
                seq_refs[id(job.seq)] = ray.put(job.seq)
            seq_ref = seq_refs[id(job.seq)]
            options = {"num_cpus": 1, "num_gpus": 1 if (has_gpu and job.wants_gpu) else 0, "max_retries": 0}
            refs[task.options(**options).remote(replace(job, seq=None), seq_ref)] = i
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1)
            for ref in done:
                yield refs.pop(ref), ray.get(ref)
    finally:
        for ref in refs:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def _track_remote(job: Job, seq):
    return execute(replace(job, seq=seq))


def run_jobs(jobs: list[Job], executor: str, workers: int = 1, ray_address: str | None = None,
             on_frames: Callable[[int, int], None] | None = None,
             on_embed: Callable[[int, int], None] | None = None,
             pool: WorkerPool | None = None) -> Iterator[tuple[int, object]]:
    """Yield ``(job index, UnitOutput)`` as units finish, on the chosen executor (or on ``pool``, a
    process pool kept across calls).

    ``on_frames``/``on_embed(job index, n)`` report progress inside units (local executor only).
    """
    if not jobs:
        return iter(())
    if pool is not None:
        return pool.run(jobs)
    if executor == "local":
        return run_local(jobs, on_frames, on_embed)
    if executor == "process":
        return run_process(jobs, workers)
    return run_ray(jobs, ray_address, workers)

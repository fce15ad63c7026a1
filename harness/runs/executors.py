"""Where units run: in this process, in a local process pool, or as Ray tasks.

Every executor takes the same list of :class:`Job` and yields ``(index,
output)`` pairs as units finish; the driver alone writes result files and
records, so workers never touch the run folder and results are identical
whichever executor ran them.

What travels where (see README, "Many machines"): a job carries the variant
and the :class:`~trackbench.datasets.sequence.Sequence` (its info,
detections and ground truth as arrays; images stay on disk and are read by
path), and the worker sends back the tracker's output rows.  With Ray, each
sequence is put into the object store once and shared by all its units, and
outputs come back through the object store; only images, video files,
feature files (``features=...``) and model checkpoints must be reachable at
the same path on every worker (a shared filesystem).
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
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


def _track(job: Job):
    from trackbench.harness.runs.tracking import track_unit

    return track_unit(job.variant, job.seq, job.detect_every, min_score=job.min_score)


def run_local(jobs: list[Job], on_frames: Callable[[int, int], None] | None = None,
              on_embed: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, object]]:
    from trackbench.harness.runs.tracking import track_unit

    for i, job in enumerate(jobs):
        cb = (lambda n, i=i: on_frames(i, n)) if on_frames else None
        ecb = (lambda n, i=i: on_embed(i, n)) if on_embed else None
        yield i, track_unit(job.variant, job.seq, job.detect_every, cb, ecb, job.min_score)


def run_process(jobs: list[Job], workers: int) -> Iterator[tuple[int, object]]:
    pool = ProcessPoolExecutor(max_workers=max(1, workers or os.cpu_count() or 1))
    try:
        pending = {pool.submit(_track, job): i for i, job in enumerate(jobs)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


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
            refs[task.options(**options).remote(job.variant, seq_ref, job.detect_every, job.min_score)] = i
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1)
            for ref in done:
                yield refs.pop(ref), ray.get(ref)
    finally:
        for ref in refs:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def _track_remote(variant, seq, detect_every, min_score=None):
    from trackbench.harness.runs.tracking import track_unit

    return track_unit(variant, seq, detect_every, min_score=min_score)


def run_jobs(jobs: list[Job], executor: str, workers: int = 1, ray_address: str | None = None,
             on_frames: Callable[[int, int], None] | None = None,
             on_embed: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, object]]:
    """Yield ``(job index, UnitOutput)`` as units finish, on the chosen executor.

    ``on_frames``/``on_embed(job index, n)`` report progress inside units (local executor only).
    """
    if not jobs:
        return iter(())
    if executor == "local":
        return run_local(jobs, on_frames, on_embed)
    if executor == "process":
        return run_process(jobs, workers)
    return run_ray(jobs, ray_address, workers)

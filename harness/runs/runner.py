"""The runner: trackers × sequences → MOTChallenge result files, timings and a manifest.

Each (tracker variant, sequence) pair is a unit.  A unit resets the tracker,
feeds it every frame in order and times only the ``update`` calls (tracker Hz,
as MOTChallenge reports it); image decoding and appearance embedding are timed
separately, and ``hz_e2e`` adds them back: frames over tracker + decoding +
embedding time, the speed a user of the whole pipeline sees.  Results land
as ``results/<run>/<dataset>/<variant>/data/<sequence>.txt`` (TrackEval's
layout), each written atomically, and ``manifest.json`` records resolved
parameters, versions and timings.  Workers (in-process, a process pool, or
Ray tasks: :mod:`~trackbench.harness.runs.executors`) only track; this
process writes every result file and, after it, the unit's record
(:mod:`~trackbench.harness.runs.units`), which is what ``--resume`` trusts.
A unit that fails is recorded with its reason and the others carry on.

Every tracker gets the same input: the harness's ``min_score`` (``--min-score``)
drops low-scored detections once, before any tracker sees them (after
appearance vectors are attached, so precomputed files are filtered too), and
the unit records the threshold and how many detections it dropped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from trackbench import trackers
from trackbench.datasets.motfile import atomic_write_text, write_results
from trackbench.datasets.sequence import Sequence
from trackbench.harness.runs.executors import Job, WorkerPool, choose_executor, run_jobs
from trackbench.harness.runs.manifest import now_iso
from trackbench.harness.runs.tracking import UnitOutput, UnitResult, Variant, track_unit
from trackbench.harness.runs.units import (file_sha256, kept_record, read_record, sequence_fingerprint, unit_key,
                                          write_record)
from trackbench.io.names import check_component, inside, sanitize_component
from trackbench.trackers.params import ParamError, as_dict, build_params, field_names


def safe_label(text: str) -> str:
    """A folder-safe form of a variant label (``deepsort[lambda=0.1]`` → ``deepsort_lambda=0.1``); never ``..``."""
    return sanitize_component(text)


def check_variant(name: str, overrides: dict[str, str]) -> None:
    """Raise ParamError unless tracker ``name`` accepts these values, before anything runs.

    Beyond each value's type and range, the tracker is built once, so settings
    that only clash together (a box-only ROLO checkpoint with an appearance
    embedder, a checkpoint file that is missing) fail here rather than in
    every unit.  A missing optional package (torch) is not a parameter error:
    those units are skipped with the reason when they run.
    """
    try:
        build_params(trackers.tracker_class(name).Params, overrides)
        trackers.create(name, overrides)
    except (ValueError, FileNotFoundError) as exc:
        raise ParamError(f"{name}: {exc}") from None
    except ImportError:
        pass


def make_variants(names: list[str], params: dict[str, str]) -> list[Variant]:
    """One variant per tracker; a plain ``--param name=value`` goes to each tracker that has it.

    ``TRACKER.name=value`` goes to that tracker only (it wins over a plain
    ``name=value`` there), so one tracker's setting never reaches another that
    has a parameter of the same name (``-p deepsort.embedder=histogram`` beside
    ROLO).  A parameter that none of the selected trackers has, a scope that
    names no selected tracker, or a scoped parameter its tracker lacks is an
    error, so typos do not pass silently.
    """
    plain, scoped = split_scoped(params, names)
    unknown = set(plain)
    variants = []
    for name in names:
        known = field_names(trackers.tracker_class(name).Params)
        unknown -= known
        mine = {k: v for k, v in plain.items() if k in known}
        own = scoped.get(name, {})
        lacking = sorted(set(own) - known)
        if lacking:
            raise ParamError(f"{name} has no parameter(s): {', '.join(lacking)}")
        mine.update(own)
        check_variant(name, mine)
        variants.append(Variant(name, tuple(sorted(mine.items())), name))
    if unknown:
        raise ParamError(f"no selected tracker has parameter(s): {', '.join(sorted(unknown))}")
    return variants


def split_scoped(params: dict[str, str], names: list[str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(plain parameters, {tracker: its own parameters}) from ``--param`` keys, ``TRACKER.name`` being scoped.

    Parameter names have no dots, so everything before a key's last dot is a
    tracker name (which may itself hold dots: ``rf.bytetrack.lost_track_buffer``).
    """
    plain: dict[str, str] = {}
    scoped: dict[str, dict[str, str]] = {}
    for key, value in params.items():
        if "." not in key:
            plain[key] = value
            continue
        tracker, name = key.rsplit(".", 1)
        if tracker not in names:
            raise ParamError(f"--param {key}: {tracker!r} is not among the selected trackers ({', '.join(names)})")
        scoped.setdefault(tracker, {})[name] = value
    return plain, scoped


def write_output(output: UnitOutput, out_path: Path) -> UnitResult:
    """Write a finished unit's result file (atomically); a failed or skipped unit leaves none.

    ``output`` comes from :func:`~trackbench.harness.runs.tracking.track_unit` (in this process or a worker),
    which carries rows only when they passed :func:`~trackbench.harness.runs.output_check.why_invalid`,
    the one check of a unit's output; a unit whose rows failed it arrives here ``failed``.
    """
    result = output.result
    if result.failed or result.skipped or output.boxes is None:
        Path(out_path).unlink(missing_ok=True)  # an earlier attempt's file must not outlive this account
        return result
    if output.text is not None:  # formatted where the unit ran (unit_scores)
        atomic_write_text(out_path, output.text)
    else:
        write_results(out_path, output.frames, output.ids, output.boxes, output.scores)
    result.result_path = str(out_path)
    return result


def run_unit(variant: Variant, seq: Sequence, out_path: Path, detect_every: int = 1,
             progress: Callable[[int], None] | None = None,
             embed_progress: Callable[[int], None] | None = None, min_score: float | None = None) -> UnitResult:
    """Track one sequence with one variant, write its result file, return timings."""
    return write_output(track_unit(variant, seq, detect_every, progress, embed_progress, min_score), out_path)


def run_dir_for(results: Path, name: str) -> Path:
    """``results/<name>``; ``name`` must be one safe path component (``--name`` is refused otherwise)."""
    return Path(results) / check_component(name, "run name (--name)")


def result_path(run_dir: Path, dataset: str, variant: Variant, sequence: str) -> Path:
    """``<run>/<dataset>/<variant>/data/<sequence>.txt``, refused unless it stays inside ``run_dir``."""
    path = (run_dir / check_component(dataset, "dataset name") / safe_label(variant.name) / "data"
            / f"{check_component(sequence, 'sequence name')}.txt")
    return inside(run_dir, path)


def record_path(run_dir: Path, dataset: str, variant: Variant, sequence: str) -> Path:
    """The unit's record, beside (not inside) the ``data/`` folder TrackEval reads."""
    return run_dir / dataset / safe_label(variant.name) / "units" / f"{sequence}.json"


@dataclass
class PlannedUnit:
    variant: Variant
    seq: Sequence
    out_path: Path
    record_path: Path
    key: str
    key_fields: dict[str, Any]


def plan_units(variants: list[Variant], sequences: list[Sequence], run_dir: Path, dataset: str,
               detect_every: int = 1, options: dict[str, Any] | None = None) -> list[PlannedUnit]:
    """Every (variant, sequence) unit with its paths and key, in (variant, sequence) order."""
    fingerprints = {s.name: sequence_fingerprint(s) for s in sequences}
    planned = []
    for v in variants:
        params = as_dict(build_params(trackers.tracker_class(v.tracker).Params, v.params()))
        unit_options = {"detect_every": v.detect_every or detect_every, **(options or {}),
                        **({"cmc": v.cmc} if v.cmc else {})}  # camera motion changes what the tracker sees
        for s in sequences:
            key, fields = unit_key(v.tracker, params, s.name, fingerprints[s.name], unit_options)
            planned.append(PlannedUnit(v, s, result_path(run_dir, dataset, v, s.name),
                                       record_path(run_dir, dataset, v, s.name), key, fields))
    return planned


def _wants_gpu(variant: Variant) -> bool:
    """An embedder that can use CUDA here (torch, or onnxruntime with CUDA), on a device that may be CUDA:
    such units ask Ray for a GPU."""
    from trackbench.trackers.embedders import may_use_gpu

    params = build_params(trackers.tracker_class(variant.tracker).Params, variant.params())
    spec, device = getattr(params, "embedder", None), getattr(params, "device", "auto")
    return bool(spec) and may_use_gpu(spec) and device != "cpu"


def finish_unit(unit: PlannedUnit, output: UnitOutput) -> UnitResult:
    """Write the result file, then the record: a kill between the two only means the unit reruns."""
    result = write_output(output, unit.out_path)
    status = "failed" if result.failed else "skipped" if result.skipped else "done"
    record = {"key": unit.key, "status": status, "finished": now_iso(), "key_fields": unit.key_fields,
              "unit": asdict(result),
              "result_sha256": file_sha256(unit.out_path) if status == "done" else None}
    write_record(unit.record_path, record)
    return result


def _from_record(unit: PlannedUnit, record: dict[str, Any]) -> UnitResult:
    fields = {k: v for k, v in record["unit"].items() if k in UnitResult.__dataclass_fields__}
    result = UnitResult(**fields)
    result.result_path = str(unit.out_path) if record["status"] == "done" else None
    result.failed = record["unit"].get("failed")
    result.resumed = True
    return result


def recorded_units(variants: list[Variant], sequences: list[Sequence], run_dir: Path, dataset: str,
                   detect_every: int = 1, options: dict[str, Any] | None = None) -> list[UnitResult]:
    """The units of this plan that have a record with their key on disk (what an interrupted run finished)."""
    out = []
    for unit in plan_units(variants, sequences, run_dir, dataset, detect_every, options):
        record = read_record(unit.record_path)
        if record and record.get("key") == unit.key:
            result = _from_record(unit, record)
            result.resumed = False
            out.append(result)
    return out


@dataclass
class SettledUnit:
    """A unit's account and, when it ran with a scoring backend and its sequence has ground truth, its counts
    (a unit taken from its record has none: its file is there to be scored)."""

    result: UnitResult
    key: str  # the unit's key (runs.units.unit_key): the same key, the same result file
    counts: Any = None  # SequenceCounts


def run_units(variants: list[Variant], sequences: list[Sequence], run_dir: Path, dataset: str,
              detect_every: int = 1, jobs: int = 1,
              on_progress: Callable[[str, int], None] | None = None,
              on_embed: Callable[[str, int], None] | None = None, *, executor: str | None = None,
              ray_address: str | None = None, resume: bool = False, options: dict[str, Any] | None = None,
              on_unit: Callable[[UnitResult], None] | None = None,
              min_score: float | None = None) -> list[UnitResult]:
    """Run every variant on every sequence; results in (variant, sequence) order.

    ``on_progress(variant, frames)`` reports tracked frames and
    ``on_embed(variant, frames)`` frames embedded for appearance vectors (both
    frame by frame in-process; other executors report whole units as they end).

    With ``resume``, units whose record matches their key are taken from the
    record instead of running.  ``on_unit`` sees each unit as it is settled
    (so an interrupted run can still say which units finished).
    """
    settled = settle_units(variants, sequences, run_dir, dataset, detect_every, jobs, on_progress, on_embed,
                           executor=executor, ray_address=ray_address, resume=resume, options=options,
                           on_unit=on_unit, min_score=min_score)
    return [s.result for s in settled]


def settle_units(variants: list[Variant], sequences: list[Sequence], run_dir: Path, dataset: str,
                 detect_every: int = 1, jobs: int = 1,
                 on_progress: Callable[[str, int], None] | None = None,
                 on_embed: Callable[[str, int], None] | None = None, *, executor: str | None = None,
                 ray_address: str | None = None, resume: bool = False, options: dict[str, Any] | None = None,
                 on_unit: Callable[[UnitResult], None] | None = None, min_score: float | None = None,
                 score_backend: str | None = None, pool: WorkerPool | None = None) -> list[SettledUnit]:
    """:func:`run_units`, and with ``score_backend`` each unit that runs is also counted where it ran
    (:mod:`~trackbench.harness.runs.unit_scores`); ``pool`` runs the units on a kept process pool."""
    executor = choose_executor(executor, jobs)
    planned = plan_units(variants, sequences, run_dir, dataset, detect_every, options)
    settled: dict[int, SettledUnit] = {}
    todo: list[int] = []
    for i, unit in enumerate(planned):
        record = kept_record(unit.record_path, unit.key, unit.out_path) if resume else None
        if record is None:
            todo.append(i)
            continue
        settled[i] = SettledUnit(_from_record(unit, record), unit.key)
        if on_unit:
            on_unit(settled[i].result)
        if on_progress:
            on_progress(unit.variant.name, unit.seq.info.length)
    job_list = [Job(planned[i].variant, planned[i].seq, detect_every,
                    executor == "ray" and _wants_gpu(planned[i].variant), min_score, score_backend) for i in todo]
    local = executor == "local" and pool is None
    local_progress = (lambda j, n: on_progress(planned[todo[j]].variant.name, n)) if on_progress and local else None
    local_embed = (lambda j, n: on_embed(planned[todo[j]].variant.name, n)) if on_embed and local else None
    for j, output in run_jobs(job_list, executor, jobs, ray_address, local_progress, local_embed, pool):
        unit = planned[todo[j]]
        settled[todo[j]] = SettledUnit(finish_unit(unit, output), unit.key, output.counts)
        if on_unit:
            on_unit(settled[todo[j]].result)
        if on_progress and not local:
            on_progress(unit.variant.name, unit.seq.info.length)
    return [settled[i] for i in range(len(planned))]


def unit_records(results: list[UnitResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        row = asdict(r)
        row["hz"] = None if np.isnan(r.hz) else round(r.hz, 2)
        row["hz_e2e"] = None if np.isnan(r.hz_e2e) else round(r.hz_e2e, 2)
        rows.append(row)
    return rows

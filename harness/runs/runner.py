"""The runner: trackers × sequences → MOTChallenge result files, timings and a manifest.

Each (tracker variant, sequence) pair is a unit.  A unit resets the tracker,
feeds it every frame in order and times only the ``update`` calls (tracker Hz,
as MOTChallenge reports it); image decoding is timed separately.  Results land
as ``results/<run>/<dataset>/<variant>/data/<sequence>.txt`` (TrackEval's
layout), each written atomically, and ``manifest.json`` records resolved
parameters, versions and timings.  Units run in a process pool when
``jobs > 1``.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from trackbench import trackers
from trackbench.datasets.motfile import write_results
from trackbench.datasets.sequence import Detections, Sequence
from trackbench.trackers.params import ParamError, as_dict, field_names


@dataclass(frozen=True)
class Variant:
    """A tracker with a set of parameter overrides; ``label`` names its results folder."""

    tracker: str
    overrides: tuple[tuple[str, str], ...] = ()
    label: str = ""
    detect_every: int | None = None  # overrides the run's --detect-every (sweeps set it per variant)

    @property
    def name(self) -> str:
        return self.label or self.tracker

    def params(self) -> dict[str, str]:
        return dict(self.overrides)


@dataclass
class UnitResult:
    """What one tracker variant did on one sequence."""

    variant: str
    tracker: str
    sequence: str
    frames: int = 0
    tracker_seconds: float = 0.0
    decode_seconds: float = 0.0
    embed_seconds: float = 0.0  # appearance vectors (computed, cached or read), not in tracker time
    embed_source: str | None = None
    result_path: str | None = None
    skipped: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def hz(self) -> float:
        return self.frames / self.tracker_seconds if self.tracker_seconds > 0 else float("nan")


def safe_label(text: str) -> str:
    """A folder-safe form of a variant label (``deepsort lambda=0.1`` → ``deepsort_lambda=0.1``)."""
    return re.sub(r"[^A-Za-z0-9._=+-]+", "_", text).strip("_")


def make_variants(names: list[str], params: dict[str, str]) -> list[Variant]:
    """One variant per tracker; every ``--param`` goes to each tracker that has it.

    A parameter that none of the selected trackers has is an error, so typos do
    not pass silently.
    """
    unknown = set(params)
    variants = []
    for name in names:
        cls = trackers.tracker_class(name)
        known = field_names(cls.Params)
        unknown -= known
        variants.append(Variant(name, tuple(sorted((k, v) for k, v in params.items() if k in known)), name))
    if unknown:
        raise ParamError(f"no selected tracker has parameter(s): {', '.join(sorted(unknown))}")
    return variants


def detections_for(seq: Sequence, frame: int, detect_every: int) -> Detections:
    """The detections a tracker gets: all on detection frames, none in between."""
    if detect_every > 1 and (frame - 1) % detect_every != 0:
        return Detections.empty()
    return seq.detections.detections(frame)


def _frames(seq: Sequence, needs_images: bool, clock: list[float]) -> Iterator[np.ndarray | None]:
    if not needs_images:
        for _ in range(seq.info.length):
            yield None
        return
    images = seq.images()
    for _ in range(seq.info.length):
        t0 = time.perf_counter()
        image = next(images, None)
        clock[0] += time.perf_counter() - t0
        yield image


def run_unit(variant: Variant, seq: Sequence, out_path: Path, detect_every: int = 1,
             progress: Callable[[int], None] | None = None,
             embed_progress: Callable[[int], None] | None = None) -> UnitResult:
    """Track one sequence with one variant, write its result file, return timings.

    ``progress(n)`` is called as frames are tracked, ``embed_progress(n)`` as
    frames are decoded and embedded for appearance vectors (before tracking).
    """
    detect_every = variant.detect_every or detect_every
    tracker = trackers.create(variant.tracker, variant.params())
    result = UnitResult(variant.name, variant.tracker, seq.name, params=as_dict(tracker.params))
    if tracker.requires.features and seq.detections.features is None:
        from trackbench.harness.runs.features import feature_options, with_features

        try:
            seq, report = with_features(seq, *feature_options(tracker.params), progress=embed_progress)
        except (FileNotFoundError, ValueError, ImportError) as exc:
            # e.g. a box-only sequence, missing feature files, or torch not installed
            result.skipped = str(exc)
            return result
        result.embed_seconds, result.embed_source = report.seconds, report.source
    reason = tracker.check_sequence(seq.has_images, seq.detections.features is not None)
    if reason:
        result.skipped = reason
        return result
    tracker.reset(seq.info)
    needs_images = tracker.requires.images
    decode_clock = [0.0]
    frames_out, ids_out, boxes_out, scores_out = [], [], [], []
    spent = 0.0
    for frame_no, image in enumerate(_frames(seq, needs_images, decode_clock), start=1):
        dets = detections_for(seq, frame_no, detect_every)
        t0 = time.perf_counter()
        out = tracker.update(image, dets)
        spent += time.perf_counter() - t0
        if len(out):
            frames_out.append(np.full(len(out), frame_no))
            ids_out.append(out.ids)
            boxes_out.append(out.boxes)
            scores_out.append(out.scores if out.scores is not None else np.ones(len(out)))
        if progress is not None and frame_no % 25 == 0:
            progress(25)
    if progress is not None:
        progress(seq.info.length % 25)
    cat = (lambda xs, shape: np.concatenate(xs) if xs else np.zeros(shape))
    write_results(out_path, cat(frames_out, (0,)), cat(ids_out, (0,)), cat(boxes_out, (0, 4)), cat(scores_out, (0,)))
    result.frames = seq.info.length
    result.tracker_seconds = spent
    result.decode_seconds = decode_clock[0]
    result.result_path = str(out_path)
    return result


def result_path(run_dir: Path, dataset: str, variant: Variant, sequence: str) -> Path:
    return run_dir / dataset / safe_label(variant.name) / "data" / f"{sequence}.txt"


def _run_unit_job(args: tuple) -> UnitResult:
    variant, seq, out_path, detect_every = args
    return run_unit(variant, seq, out_path, detect_every)


def run_units(variants: list[Variant], sequences: list[Sequence], run_dir: Path, dataset: str,
              detect_every: int = 1, jobs: int = 1,
              on_progress: Callable[[str, int], None] | None = None,
              on_embed: Callable[[str, int], None] | None = None) -> list[UnitResult]:
    """Run every variant on every sequence; results in (variant, sequence) order.

    ``on_progress(variant, frames)`` reports tracked frames and
    ``on_embed(variant, frames)`` frames embedded for appearance vectors.
    """
    plan = [(v, s, result_path(run_dir, dataset, v, s.name)) for v in variants for s in sequences]
    if jobs <= 1:
        results = []
        for v, s, p in plan:
            cb = (lambda n, key=v.name: on_progress(key, n)) if on_progress else None
            ecb = (lambda n, key=v.name: on_embed(key, n)) if on_embed else None
            results.append(run_unit(v, s, p, detect_every, cb, ecb))
        return results
    results_by_key: dict[tuple[str, str], UnitResult] = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_unit_job, (v, s, p, detect_every)): (v, s) for v, s, p in plan}
        for fut in as_completed(futures):
            v, s = futures[fut]
            results_by_key[(v.name, s.name)] = fut.result()
            if on_progress:
                on_progress(v.name, s.info.length)
    return [results_by_key[(v.name, s.name)] for v, s, _ in plan]


def unit_records(results: list[UnitResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        row = asdict(r)
        row["hz"] = None if np.isnan(r.hz) else round(r.hz, 2)
        rows.append(row)
    return rows

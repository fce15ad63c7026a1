"""One unit tracked: a tracker variant fed one sequence frame by frame, its output rows and timings.

This is what every executor runs (in this process, a process pool or a Ray
task, :mod:`~trackbench.harness.runs.executors`), so it knows nothing of run
folders: it builds the tracker, attaches appearance vectors when the tracker
needs them, applies the harness's ``min_score`` (the same input for every
tracker), times only the ``update``/``coast`` calls, and returns the rows.
Writing result files and records is the driver's job
(:mod:`~trackbench.harness.runs.runner`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from trackbench import trackers
from trackbench.datasets.sequence import Detections, Sequence
from trackbench.trackers.core.association_limit import FrameTooLarge
from trackbench.trackers.params import as_dict
from trackbench.harness.runs.output_check import as_written, why_invalid


@dataclass(frozen=True)
class Variant:
    """A tracker with a set of parameter overrides; ``label`` names its results folder."""

    tracker: str
    overrides: tuple[tuple[str, str], ...] = ()
    label: str = ""
    detect_every: int | None = None  # overrides the run's --detect-every (sweeps set it per variant)
    cmc: str | None = None  # camera-motion compensation (--cmc): a folder of GMC files or sparse|ecc|orb

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
    embed_compute_seconds: float | None = None  # what computing them cost, also when read from the cache
    embed_source: str | None = None
    min_score: float | None = None  # the harness's detection score threshold (None: every detection kept)
    detections_dropped: int = 0  # detections below min_score, never shown to the tracker
    result_path: str | None = None
    skipped: str | None = None  # why the unit cannot run here (e.g. needs images on box-only data)
    failed: str | None = None  # why the unit failed (bad input it met, tracker exception, non-finite output)
    resumed: bool = False  # taken from an earlier attempt's record (timings are that attempt's)
    params: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # e.g. an appearance cache that failed its checks and was recomputed

    @property
    def hz(self) -> float:
        return self.frames / self.tracker_seconds if self.tracker_seconds > 0 else float("nan")

    @property
    def pipeline_seconds(self) -> float:
        """Tracker + decoding + embedding time; embedding as computing it costs, even when it was cached."""
        embed = self.embed_compute_seconds if self.embed_compute_seconds is not None else self.embed_seconds
        return self.tracker_seconds + self.decode_seconds + embed

    @property
    def hz_e2e(self) -> float:
        seconds = self.pipeline_seconds
        return self.frames / seconds if seconds > 0 else float("nan")



def with_min_score(seq: Sequence, min_score: float | None) -> tuple[Sequence, int]:
    """The sequence with detections scored below ``min_score`` removed, and how many were removed."""
    if min_score is None:
        return seq, 0
    keep = seq.detections.scores >= min_score
    dropped = int(len(keep) - keep.sum())
    if dropped == 0:
        return seq, 0
    return dataclasses.replace(seq, detections=seq.detections.select(keep)), dropped


def is_detector_frame(frame: int, detect_every: int) -> bool:
    """Whether the detector runs on ``frame`` (1-based): frames 1, 1 + K, 1 + 2K, ..."""
    return detect_every <= 1 or (frame - 1) % detect_every == 0


def detections_for(seq: Sequence, frame: int, detect_every: int) -> Detections:
    """The detections a tracker gets: all on detection frames, none in between."""
    if not is_detector_frame(frame, detect_every):
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


@dataclass
class UnitOutput:
    """What a worker sends back: the unit's account and, when it ran, its output rows."""

    result: UnitResult
    frames: np.ndarray | None = None  # (R,) frame numbers
    ids: np.ndarray | None = None  # (R,) track ids
    boxes: np.ndarray | None = None  # (R, 4) tlbr
    scores: np.ndarray | None = None  # (R,)
    text: str | None = None  # the result file's text, when the worker formatted it (unit_scores)
    counts: Any = None  # the unit's SequenceCounts, when the worker scored it (unit_scores)


def track_unit(variant: Variant, seq: Sequence, detect_every: int = 1,
               progress: Callable[[int], None] | None = None,
               embed_progress: Callable[[int], None] | None = None, min_score: float | None = None) -> UnitOutput:
    """Track one sequence with one variant; never raises for what the unit meets.

    A tracker exception or non-finite output makes the unit *failed* (with the
    reason) instead of ending the run, so one bad sequence costs only itself.
    ``progress(n)`` is called as frames are tracked, ``embed_progress(n)`` as
    frames are decoded and embedded for appearance vectors (before tracking).
    ``min_score`` drops low-scored detections before the tracker sees any.
    """
    result = UnitResult(variant.name, variant.tracker, seq.name, min_score=min_score)
    try:
        return _track(variant, seq, detect_every, progress, embed_progress, result)
    except Exception as exc:  # noqa: BLE001 - any tracker error is this unit's failure, reported with its type
        result.failed = f"{type(exc).__name__}: {exc}"
        return UnitOutput(result)


def _camera_motion(variant: Variant, tracker: trackers.Tracker, seq: Sequence
                   ) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
    """(frames with camera motion (F,) bool, warps (F, 2, 3), a note) for ``--cmc``, or Nones without it;
    the note says when a damaged cache file was recomputed.

    Only trackers that set ``compensates_camera`` get warps; identity frames are
    skipped, so compensation changes nothing on frames where the camera stood still.
    """
    if not variant.cmc or not tracker.compensates_camera:
        return None, None, None
    from trackbench.harness.runs.camera_motion import camera_motion_for
    from trackbench.trackers.core import cmc_kernels

    motion = camera_motion_for(seq, variant.cmc)
    cmc_kernels.warm_up()  # the compiled warps load here, not on the first timed frame with motion
    return motion.moving(), motion.warps, motion.note


def _track(variant: Variant, seq: Sequence, detect_every: int, progress: Callable[[int], None] | None,
           embed_progress: Callable[[int], None] | None, result: UnitResult) -> UnitOutput:
    detect_every = variant.detect_every or detect_every
    tracker = trackers.create(variant.tracker, variant.params())
    result.params = as_dict(tracker.params)
    if tracker.requires.features and seq.detections.features is None:
        from trackbench.harness.runs.features import FeaturesUnavailable, feature_options, with_features

        try:
            seq, report = with_features(seq, *feature_options(tracker.params), progress=embed_progress)
        except (FeaturesUnavailable, ImportError) as exc:
            # a box-only sequence, or torch not installed; user mistakes were refused before the run
            result.skipped = str(exc)
            return UnitOutput(result)
        result.embed_seconds, result.embed_source, result.note = report.seconds, report.source, report.note
        result.embed_compute_seconds = report.compute_seconds
    seq, result.detections_dropped = with_min_score(seq, result.min_score)
    reason = tracker.check_sequence(seq.has_images, seq.detections.features is not None)
    if reason:
        result.skipped = reason
        return UnitOutput(result)
    tracker.reset(seq.info)
    moving, warps, cmc_note = _camera_motion(variant, tracker, seq)
    if cmc_note:
        result.note = f"{result.note}; {cmc_note}" if result.note else cmc_note
    needs_images = tracker.requires.images
    decode_clock = [0.0]
    frames_out, ids_out, boxes_out, scores_out = [], [], [], []
    spent = 0.0
    for frame_no, image in enumerate(_frames(seq, needs_images, decode_clock), start=1):
        # Between detector frames the tracker coasts (Tracker.coast: predicted boxes for live tracks).
        dets = seq.detections.detections(frame_no) if is_detector_frame(frame_no, detect_every) else None
        t0 = time.perf_counter()
        if moving is not None and moving[frame_no - 1]:
            tracker.compensate(warps[frame_no - 1])  # the camera's motion into this frame (--cmc)
        try:
            out = tracker.update(image, dets) if dets is not None else tracker.coast(image)
        except FrameTooLarge as exc:  # the tracker knows its counts, the runner the sequence and frame
            raise exc.at(seq.name, frame_no) from None
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
    rows = (cat(frames_out, (0,)), cat(ids_out, (0,)), cat(boxes_out, (0, 4)).astype(float),
            cat(scores_out, (0,)).astype(float))
    result.frames = seq.info.length
    result.tracker_seconds = spent
    result.decode_seconds = decode_clock[0]
    result.failed = why_invalid(*rows)  # ids, boxes, scores: the one check of a unit's output
    if result.failed:
        return UnitOutput(result)
    return UnitOutput(result, rows[0], as_written(rows[1]), rows[2], rows[3])



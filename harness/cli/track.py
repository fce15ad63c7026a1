"""``bench track VIDEO``: any tracker on any video file, with or without a detector of one's own.

Detections come from a MOT-format file (``--detections``) or, for a static
camera, from the built-in background-subtraction detector
(:mod:`trackbench.trackers.detectors.bgsub`).  The run writes MOT results (``<out>/<stem>.txt``,
atomically) and an annotated video that browsers play (``<out>/<stem>_annotated.mp4``,
H.264 through OpenCV or the optional imageio-ffmpeg, else ``.webm``, VP8; the command says
which and why; written under a temporary name and renamed when complete), and reports speed three ways: tracker ``update``
calls only (as ``bench run`` does), the detector alone, and end to end
(decode + detect + track + draw + write).

Kept apart from the CLI so tests call the same path without Typer.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from rich.console import Console

from trackbench import trackers as registry
from trackbench.trackers.detectors.bgsub import BackgroundSubtractionDetector, BgSubParams
from trackbench.datasets.frames import VideoSource
from trackbench.datasets.motfile import read_mot_file, write_results
from trackbench.datasets.sequence import Detections, SequenceInfo
from trackbench.harness.runs.tracking import is_detector_frame
from trackbench.harness.report.annotate import AtomicVideoWriter, Trails, draw_tracks
from trackbench.harness.runs.progress import ProgressReport
from trackbench.io.terminal import labelled, make_console
from trackbench.trackers.params import ParamError, build_params, parse_assignments
from trackbench.harness.cli.errors import reported

DETECTORS = ("bgsub",)


@dataclass
class TrackRequest:
    """Everything ``bench track`` was asked to do."""

    video: Path
    tracker: str = "sort"
    detections: Path | None = None  # MOT-format detection file; None: use ``detector``
    detector: str | None = None  # "bgsub" (the default when there is no detection file)
    params: list[str] = field(default_factory=list)  # tracker name=value overrides
    bgsub: dict[str, str] = field(default_factory=dict)  # BgSubParams overrides by name
    out: Path | None = None  # default: results/track-<video stem>
    video_out: bool = True
    detect_every: int = 1
    max_frames: int | None = None
    trail: int = 30
    show_detections: bool = False


@dataclass
class Timings:
    """Seconds spent in each stage of the loop."""

    decode: float = 0.0
    detect: float = 0.0
    track: float = 0.0
    draw: float = 0.0
    wall: float = 0.0


@dataclass
class TrackOutcome:
    result_path: Path
    video_path: Path | None
    frames: int
    tracks: int
    detections: int
    timings: Timings
    source: str = ""  # where the detections came from
    video_note: str | None = None  # why the video is not H.264, when it is not

    def fps(self, seconds: float) -> float:
        return self.frames / seconds if seconds > 0 else float("nan")


DetectFn = Callable[[int, np.ndarray], Detections]


def output_folder(request: TrackRequest) -> Path:
    return request.out if request.out is not None else Path("results") / f"track-{request.video.stem}"


def make_detector(request: TrackRequest) -> tuple[DetectFn, str]:
    """The per-frame detection source and a description of it."""
    if request.detections is not None and request.detector is not None:
        raise ParamError("give either --detections FILE or --detector, not both")
    if request.detections is not None:
        table = read_mot_file(request.detections, "det")
        return (lambda frame_no, image: table.detections(frame_no)), f"detections from {request.detections}"
    name = request.detector or "bgsub"
    if name not in DETECTORS:
        raise ParamError(f"unknown detector {name!r}; available: {', '.join(DETECTORS)}")
    bgsub = BackgroundSubtractionDetector(build_params(BgSubParams, request.bgsub))
    return (lambda frame_no, image: bgsub.detect(image)), "background subtraction (MOG2)"


def _timed_frames(source: VideoSource, limit: int, timings: Timings) -> Iterator[np.ndarray]:
    frames = iter(source)
    for _ in range(limit):
        t0 = time.perf_counter()
        image = next(frames, None)
        timings.decode += time.perf_counter() - t0
        if image is None:
            return
        yield image


def execute(request: TrackRequest, console: Console | None = None) -> TrackOutcome:
    """Track a video, write results (and the annotated video); raises on bad input."""
    console = console or make_console(stderr=True)
    if request.detect_every < 1:
        raise ParamError("--detect-every must be >= 1")
    source = VideoSource(request.video)
    tracker = registry.create(request.tracker, parse_assignments(request.params))
    reason = tracker.check_sequence(True, False)
    if reason:
        raise ParamError(f"cannot track {request.video.name}: {reason}")
    detect, described = make_detector(request)
    limit = len(source) if request.max_frames is None else min(len(source), request.max_frames)
    info = SequenceInfo(request.video.stem, "video", limit, source.fps, source.width, source.height)
    tracker.reset(info)
    folder = output_folder(request)
    folder.mkdir(parents=True, exist_ok=True)
    timings = Timings()
    rows: list[tuple[np.ndarray, ...]] = []
    n_dets = 0
    trails = Trails(request.trail)
    writer = AtomicVideoWriter(folder / f"{request.video.stem}_annotated", source.fps, (source.width, source.height)) if request.video_out else None
    start = time.perf_counter()
    frame_no = 0
    with ProgressReport(console, folder / "track.log") as bar, (writer if writer is not None else nullcontext()):
        task = f"{request.tracker} on {request.video.name}"
        bar.add(task, limit)
        for frame_no, image in enumerate(_timed_frames(source, limit, timings), start=1):
            t0 = time.perf_counter()
            # The detector sees every frame (a background model must); --detect-every only
            # decides which frames' detections the tracker is given.
            dets = detect(frame_no, image)
            t1 = time.perf_counter()
            timings.detect += t1 - t0
            shown_image = image if tracker.requires.images else None
            if is_detector_frame(frame_no, request.detect_every):
                n_dets += len(dets)
                out = tracker.update(shown_image, dets)
            else:  # no detector run for the tracker: it coasts (predicted boxes for live tracks)
                dets = Detections.empty()
                out = tracker.coast(shown_image)
            timings.track += time.perf_counter() - t1
            if len(out):
                scores = out.scores if out.scores is not None else np.ones(len(out))
                rows.append((np.full(len(out), frame_no), out.ids, out.boxes, scores))
            if writer is not None:
                t2 = time.perf_counter()
                trails.update(out.ids, out.boxes)
                # Draw on a copy: a tracker may keep a reference to the frame it was given.
                canvas = draw_tracks(image.copy(), out.ids, out.boxes, trails, dets.boxes if request.show_detections else None)
                writer.write(canvas)
                timings.draw += time.perf_counter() - t2
            bar.advance(task, 1)
    if frame_no == 0:
        raise ValueError(f"no frames could be decoded from {request.video}")
    timings.wall = time.perf_counter() - start
    result_path = folder / f"{request.video.stem}.txt"
    write_results(result_path, *_stack(rows))
    n_tracks = len(np.unique(np.concatenate([r[1] for r in rows]))) if rows else 0
    return TrackOutcome(result_path, writer.path if writer else None, frame_no, n_tracks, n_dets, timings, described,
                        writer.note if writer else None)


def _stack(rows: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not rows:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0)
    frames, ids, boxes, scores = zip(*rows)
    return np.concatenate(frames), np.concatenate(ids), np.concatenate(boxes), np.concatenate(scores)


def execute_track(request: TrackRequest, console: Console, err_console: Console) -> TrackOutcome:
    """CLI entry: run, print where the files are and how fast it went; known errors become messages."""
    with reported(err_console, also=(RuntimeError,)):
        outcome = execute(request, err_console)
    t = outcome.timings
    console.print(f"{outcome.frames} frames, {outcome.detections} detections ({outcome.source}), {outcome.tracks} track ids")
    console.print(f"results: {outcome.result_path}")
    if outcome.video_path is not None:
        console.print(f"annotated video: {outcome.video_path}")
        if outcome.video_note:
            console.print(labelled("note", "yellow", outcome.video_note))
    console.print(
        f"frames/s: tracker {outcome.fps(t.track):,.1f} | detector {outcome.fps(t.detect):,.1f} | "
        f"decode {outcome.fps(t.decode):,.1f} | end to end {outcome.fps(t.wall):,.1f}"
    )
    return outcome

"""Timed tracker passes over the shared MOT17 sequences, for the speed benchmarks beside this file.

``botsort_speed.py`` and ``cmc_speed.py`` time the same thing: YOLOX detections
and the GMC files' camera motion of MOT17 sequences fed to trackers through
trackbench's Tracker interface, timing what ``bench run`` times (``compensate``
on frames with motion, then ``update``), with the variants interleaved pass by
pass so machine load hits them alike and the best pass counting.  Both import
this module (it stands beside them; run them as scripts from any folder).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

#: The MOT17 training videos timed by default.
SEQUENCES = ("MOT17-02", "MOT17-04", "MOT17-05", "MOT17-10", "MOT17-11")


def load(data: Path, videos: list[str]) -> list[tuple[Any, list[Any], Any]]:
    """(info, per-frame detections, camera motion) of each ``<video>-FRCNN``, with YOLOX detections."""
    from trackbench.datasets import load_dataset
    from trackbench.datasets.camera_motion import load_gmc
    from trackbench.datasets.detsets import with_folder_detections

    out = []
    for video in videos:
        (seq,) = load_dataset("mot17", data / "mot17", [f"{video}-FRCNN"])
        seq = with_folder_detections(seq, data / "mot17-yolox")
        motion = load_gmc(data / "mot17-gmc", seq.name, seq.info.length)
        frames = [seq.detections.detections(f) for f in range(1, seq.info.length + 1)]
        out.append((seq.info, frames, motion))
    return out


def one_pass(name: str, sequences: Sequence[tuple[Any, list[Any], Any]], cmc: bool) -> tuple[float, int]:
    """Seconds inside compensate (with ``cmc``, on frames with motion) and update over all sequences, and frames."""
    from trackbench.trackers import create

    spent, frames = 0.0, 0
    for info, dets, motion in sequences:
        tracker = create(name)
        tracker.reset(info)
        moving = motion.moving() if cmc else np.zeros(len(dets), bool)
        t0 = time.perf_counter()
        for f, d in enumerate(dets):
            if moving[f]:
                tracker.compensate(motion.warps[f])
            tracker.update(None, d)
        spent += time.perf_counter() - t0
        frames += len(dets)
    return spent, frames


def best_of(variants: Sequence[tuple[Any, ...]], sequences: Sequence[tuple[Any, list[Any], Any]], repeat: int,
            timed: Callable[[tuple[Any, ...], Sequence[tuple[Any, list[Any], Any]]], tuple[float, int]],
            ) -> tuple[dict[str, float], int]:
    """({label: best seconds}, frames): a warm-up pass of each variant, then ``repeat`` interleaved passes.

    ``variants`` are tuples whose first item is the label; ``timed(variant, sequences)``
    runs one pass (:func:`one_pass`).  The warm-up, on the first sequence only, takes
    imports and numba cache loads out of the timed passes.
    """
    for variant in variants:
        timed(variant, sequences[:1])
    best: dict[str, float] = {}
    frames = 0
    for _ in range(repeat):
        for variant in variants:
            seconds, frames = timed(variant, sequences)
            best[variant[0]] = min(best.get(variant[0], np.inf), seconds)
    return best, frames

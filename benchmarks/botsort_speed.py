"""BoT-SORT's speed: trackbench's ``botsort`` against the packaged ones (``rf.botsort``, ``boxmot.botsort``).

Feeds the same YOLOX detections of the shared MOT17 sequences to every
implementation in one process, through trackbench's Tracker interface (what
``bench run`` times: ``update`` calls only, each adapter converting the
detections to its library's format inside ``update``), interleaving the
implementations pass by pass so machine load hits them alike; the best pass of
``--repeat`` counts.  ``botsort+cmc`` also gets the GMC files' camera motion
(``compensate`` is timed with ``update``); the packaged ones run with their
camera-motion compensation off, as their trackbench adapters do.

    python benchmarks/botsort_speed.py [--data DATA] [--repeat 3] [--sequences MOT17-02,...]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEQUENCES = ("MOT17-02", "MOT17-04", "MOT17-05", "MOT17-10", "MOT17-11")


def load(data: Path, videos: list[str]):
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


def one_pass(name: str, sequences, cmc: bool) -> tuple[float, int]:
    """Seconds inside update (and compensate) over all sequences, and frames."""
    from trackbench.trackers import create

    spent, frames = 0.0, 0
    for info, dets, motion in sequences:
        tracker = create(name)
        tracker.reset(info)
        moving = motion.moving()
        t0 = time.perf_counter()
        for f, d in enumerate(dets):
            if cmc and moving[f]:
                tracker.compensate(motion.warps[f])
            tracker.update(None, d)
        spent += time.perf_counter() - t0
        frames += len(dets)
    return spent, frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    args = parser.parse_args(argv)
    sequences = load(args.data, args.sequences.split(","))
    impls = [("botsort", "botsort", False), ("botsort+cmc", "botsort", True),
             ("rf.botsort", "rf.botsort", False), ("boxmot.botsort", "boxmot.botsort", False)]
    best: dict[str, float] = {}
    frames = 0
    for label, name, cmc in impls:  # warm-up pass: imports, numba cache loads
        one_pass(name, sequences[:1], cmc)
    for _ in range(args.repeat):
        for label, name, cmc in impls:
            seconds, frames = one_pass(name, sequences, cmc)
            best[label] = min(best.get(label, np.inf), seconds)
    fastest_packaged = max(frames / best[k] for k in ("rf.botsort", "boxmot.botsort"))
    print(f"{frames} frames, best of {args.repeat} interleaved passes\n")
    print("| implementation | fr/s | × fastest packaged |")
    print("|---|---|---|")
    for label, _, _ in impls:
        hz = frames / best[label]
        print(f"| {label} | {hz:,.0f} | {hz / fastest_packaged:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The shipped networks on onnxruntime against torch, on one CPU core: ``reid`` crops/s and rolo's per-frame time.

Run: ``python benchmarks/onnx_vs_torch.py [--rounds 5] [--crops 256] [--batch 32] [--frames 400]``

- **reid**: the same real crops (PETS09-S2L1 ground truth from ``../shared``,
  else synthetic frames) through ``embedder=reid`` (the shipped ``.onnx`` on
  onnxruntime) and ``siamese:<the shipped .pt>`` (the same weights on torch,
  channels-last float32), ``--batch`` crops per call, preprocessing included.
- **rolo**: ``Rolo.update`` over the first ``--frames`` frames of MOT17-05
  (``../shared``, else a synthetic sequence), with the default checkpoint (the
  ``.onnx`` on onnxruntime), with ``checkpoint=<the .pt>`` (read with torch, LSTM in
  NumPy: how rolo ran before), and with the torch module itself as the forward
  pass (``RoloNet`` on the CPU).  Time per update, association and Kalman guard
  included: what a tracker user pays.

One core: torch and onnxruntime are both given one intra-op thread (onnxruntime's
is trackbench's default anyway).  The variants are **interleaved**, round after
round, and each figure is the median of its rounds, so a change in the shared
machine's load hits every variant alike; ratios are the result, absolute figures
depend on the load (printed with ``os.getloadavg``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def pets_crops(n: int) -> tuple[list[np.ndarray], str]:
    from trackbench.datasets import load_dataset
    from trackbench.datasets.synth import load_synth
    from trackbench.harness.training.reid.crops import CropRules, crops_from_sequence

    if (SHARED / "mot15" / "PETS09-S2L1" / "img1").is_dir():
        seq, label = load_dataset("mot15", SHARED / "mot15", ["PETS09-S2L1"])[0], "PETS09-S2L1 gt crops"
    else:
        seq, label = load_synth(sequences=["synth-01"])[0], "synth-01 gt crops (no ../shared)"
    images = crops_from_sequence(seq, CropRules(every=5, min_height=1, min_visibility=0.0)).images[:n]
    return images, f"{len(images)} {label}"


def tracking_sequence():
    from trackbench.datasets import load_dataset
    from trackbench.datasets.synth import load_synth

    root = SHARED / "mot17" / "train"
    if (root / "MOT17-05-FRCNN").is_dir():
        return load_dataset("mot17", root, ["MOT17-05"])[0]
    return load_synth(sequences=["synth-02"])[0]


def interleaved(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each variant's seconds per round, variants taking turns (order rotated every round)."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(variants[name]())
    return times


def reid_variants(crops: list[np.ndarray], batch: int) -> dict[str, Callable[[], float]]:
    from trackbench.trackers.embedders import create_embedder
    from trackbench.trackers.embedders.shipped import weights_path

    embedders = {"reid on onnxruntime": create_embedder("reid", device="cpu"),
                 "reid on torch (siamese:<.pt>)": create_embedder(f"siamese:{weights_path()}", device="cpu")}
    for e in embedders.values():
        e.batch_size = batch
        e.embed_crops(crops[:batch])  # warm-up: first-run allocations, oneDNN/MLAS kernel choice

    def timed(e) -> Callable[[], float]:
        def run() -> float:
            t0 = time.perf_counter()
            for start in range(0, len(crops), batch):
                e.embed_crops(crops[start:start + batch])
            return time.perf_counter() - t0
        return run

    return {name: timed(e) for name, e in embedders.items()}


def rolo_variants(seq, frames: int) -> dict[str, Callable[[], float]]:
    from trackbench import trackers
    from trackbench.trackers.rolo.inference import DEFAULT_CHECKPOINT

    onnx = trackers.create("rolo", {"device": "cpu"})
    module = trackers.create("rolo", {"device": "cpu", "checkpoint": str(DEFAULT_CHECKPOINT)})
    dets = [seq.detections.detections(f) for f in range(1, min(frames, seq.info.length) + 1)]

    def timed(tracker) -> Callable[[], float]:
        def run() -> float:
            tracker.reset(seq.info)
            t0 = time.perf_counter()
            for d in dets:
                tracker.update(None, d)
            return (time.perf_counter() - t0) / len(dets)
        return run

    return {"rolo, default (.onnx on onnxruntime)": timed(onnx),
            "rolo, checkpoint=<.pt> (torch RoloNet forward)": timed(module)}


def report(title: str, times: dict[str, list[float]], unit: Callable[[float], str], base: str) -> None:
    print(f"\n{title}")
    ref = statistics.median(times[base])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:40s} {unit(m):>18s}   time / first row's: {m / ref:5.2f}"
              f"   (rounds: {', '.join(f'{t * 1e3:.1f}' for t in ts)} ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--crops", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--frames", type=int, default=400)
    args = ap.parse_args()
    import onnxruntime
    import torch

    torch.set_num_threads(1)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} CPUs; "
          f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}; one thread each; "
          f"{args.rounds} interleaved rounds, medians")
    crops, label = pets_crops(args.crops)
    times = interleaved(reid_variants(crops, args.batch), args.rounds)
    report(f"reid: {label}, batches of {args.batch}", times,
           lambda s: f"{len(crops) / s:8.0f} crops/s", next(iter(times)))
    seq = tracking_sequence()
    times = interleaved(rolo_variants(seq, args.frames), args.rounds)
    report(f"rolo: Rolo.update on {seq.name}, first {min(args.frames, seq.info.length)} frames", times,
           lambda s: f"{s * 1e3:8.3f} ms/frame", next(iter(times)))
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

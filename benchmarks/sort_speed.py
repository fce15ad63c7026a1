"""SORT speed, tracker-only, over the MOT15 train sequences (issue 2).

Times ``update`` calls only (detections are sliced beforehand, as the runner
does), on one core, for the batched :class:`trackbench.trackers.sort.tracker.Sort` and for
the reference-style loop (one Kalman filter object per track,
:class:`trackbench.trackers.sort.reference.ReferenceSort`) in the same process, best of
``--repeat`` passes each.  Also checks both report the same tracks.

    python benchmarks/sort_speed.py [--data ../shared/data/mot15] [--repeat 5]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from trackbench.datasets import load_dataset  # noqa: E402
from trackbench.trackers.sort.reference import ReferenceSort  # noqa: E402
from trackbench.trackers.sort.tracker import Sort  # noqa: E402


def one_pass(make, detections) -> tuple[float, int, list]:
    spent, frames, outputs = 0.0, 0, []
    for info, dets in detections:
        tracker = make(info)
        for d in dets:
            t0 = time.perf_counter()
            out = tracker(d)
            spent += time.perf_counter() - t0
            outputs.append(out)
            frames += 1
    return spent, frames, outputs


def batched(info):
    t = Sort()
    t.reset(info)
    return lambda d: t.update(None, d).ids


def reference(info):
    t = ReferenceSort()
    return lambda d: t.update(d.boxes)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mot15"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    seqs = load_dataset("mot15", args.data)
    detections = [(s.info, [s.detections.detections(f) for f in range(1, s.info.length + 1)]) for s in seqs]
    n_dets = sum(len(d) for _, ds in detections for d in ds)
    results = {}
    for name, make in (("batched (trackbench)", batched), ("reference-style loop", reference)):
        best = float("inf")
        for _ in range(args.repeat):
            spent, frames, outs = one_pass(make, detections)
            best = min(best, spent)
        results[name] = (frames, best, outs)
    same = all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(results["batched (trackbench)"][2], results["reference-style loop"][2]))
    print(f"MOT15 train: {len(seqs)} sequences, {results['batched (trackbench)'][0]} frames, {n_dets} detections; one core; best of {args.repeat}")
    print(f"{'implementation':<24}{'seconds':>10}{'frames/s':>12}")
    for name, (frames, secs, _) in results.items():
        print(f"{name:<24}{secs:>10.3f}{frames / secs:>12,.0f}")
    ratio = results["reference-style loop"][1] / results["batched (trackbench)"][1]
    print(f"speed-up over the reference-style loop: {ratio:.2f}x; identical track ids every frame: {same}")


if __name__ == "__main__":
    main()

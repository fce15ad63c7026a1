"""SORT speed, tracker-only, over the MOT15 train sequences (issue 2).

Times ``update`` calls only (detections are sliced beforehand, as the runner
does), on one core, for the batched :class:`trackbench.trackers.sort.tracker.Sort`
and, given ``--reference PATH`` (a checkout of abewley/sort, loaded by file
path; needs ``pip install filterpy``), for the authors' implementation in the
same process, best of ``--repeat`` passes each.  Also checks both report the
same track ids on every frame.  Without ``--reference`` only trackbench is timed.

    python benchmarks/sort_speed.py --data DATA/mot15 [--reference ~/src/sort] [--repeat 5]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from reference_impl import ReferenceSortRunner, load_sort  # noqa: E402  (beside this script)

from trackbench.datasets import load_dataset  # noqa: E402
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


def reference_factory(module):
    def reference(info):
        t = ReferenceSortRunner(module)
        return lambda d: t.update(d.boxes, d.scores)[0]
    return reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a MOT15 train folder (one sub-folder per sequence)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="checkout of abewley/sort to compare with (needs filterpy); omitted: time trackbench only")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes of each implementation (best is kept)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    seqs = load_dataset("mot15", args.data)
    detections = [(s.info, [s.detections.detections(f) for f in range(1, s.info.length + 1)]) for s in seqs]
    n_dets = sum(len(d) for _, ds in detections for d in ds)
    results = {}
    contenders = [("batched (trackbench)", batched)]
    if args.reference is not None:
        contenders.append(("abewley/sort", reference_factory(load_sort(args.reference))))
    for name, make in contenders:
        best = float("inf")
        for _ in range(args.repeat):
            spent, frames, outs = one_pass(make, detections)
            best = min(best, spent)
        results[name] = (frames, best, outs)
    print(f"MOT15 train: {len(seqs)} sequences, {results['batched (trackbench)'][0]} frames, {n_dets} detections; one core; best of {args.repeat}")
    print(f"{'implementation':<24}{'seconds':>10}{'frames/s':>12}")
    for name, (frames, secs, _) in results.items():
        print(f"{name:<24}{secs:>10.3f}{frames / secs:>12,.0f}")
    if "abewley/sort" in results:
        ours, ref = results["batched (trackbench)"], results["abewley/sort"]
        same = all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(ours[2], ref[2]))
        print(f"speed-up over abewley/sort: {ref[1] / ours[1]:.2f}x; identical track ids every frame: {same}")
    else:
        print("(no --reference given: nothing compared)")


if __name__ == "__main__":
    main()

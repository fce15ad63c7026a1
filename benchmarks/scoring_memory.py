"""Scoring memory at MOT20 density: 2,000 frames x 500 boxes within a stated ceiling, and TrackEval's numbers.

Scoring memory is O(boxes in the largest frame²) + O(pairs): preprocessing
keeps each frame's IoU matrix as its overlapping cells only
(``harness/metrics/sparse_frames.py``) and the fast engine flattens one frame
at a time (``harness/metrics/pairs.py``).  Before, a sequence cost
frames x gt x tracks x 8 bytes dense (4 GB here) and its flattening several
times that, ending in ``MemoryError``.

This script builds one synthetic MOT20-like sequence (boxes drifting over a
1920x1080 image, ids living 200 frames, a class-1 gt, the result the gt moved
by 2 px with other ids), then in fresh subprocesses (so each peak is its own):

1. scores all frames with the fast engine under ``RLIMIT_AS`` = ``--cap``
   (default 2 GiB) and reports peak resident memory and seconds;
2. scores the first ``--slice`` frames (default 100) with the fast engine and
   with TrackEval's and motmetrics' own classes (the library engine) and
   prints both rows of counts and whether they are equal (``verify.differences``).

    python benchmarks/scoring_memory.py                   # 2,000 x 500, slice 100
    python benchmarks/scoring_memory.py --frames 400 --boxes 300
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

GIB = 1 << 30


def crowd(frames: int, boxes: int, seed: int = 20):
    """(gt, result) FrameTables of one crowded sequence (see module docstring)."""
    from trackbench.datasets.boxes import tlwh_to_tlbr
    from trackbench.datasets.sequence import FrameTable

    rng = np.random.default_rng(seed)
    wh = rng.uniform(10, 50, (boxes, 2))
    start = rng.uniform(0, 1, (boxes, 2)) * (np.array([1920.0, 1080.0]) - wh)
    drift = rng.normal(0, 1, (boxes, 2))
    f = np.repeat(np.arange(1, frames + 1), boxes)
    k = np.tile(np.arange(boxes), frames)
    xy = np.clip(start[k] + drift[k] * (f[:, None] * 0.1), 0, [1900, 1060])
    tlwh = np.round(np.hstack([xy, wh[k]]), 2)
    ids = (f - 1) // 200 * boxes + k + 1
    n = len(f)

    def table(box_tlwh: np.ndarray, id_offset: int) -> FrameTable:
        return FrameTable(frames=f.astype(np.int64), ids=(ids + id_offset).astype(np.int64),
                          boxes=tlwh_to_tlbr(box_tlwh), scores=np.ones(n), classes=np.ones(n, np.int64),
                          visibility=np.ones(n))
    moved = tlwh.copy()
    moved[:, :2] += 2
    return table(tlwh, 0), table(moved, 7)


def _count(frames: int, boxes: int, engine: str, backend: str) -> dict:
    from trackbench.datasets.mot_scoring import spec_for_benchmark
    from trackbench.harness.metrics.evaluate import count_sequence, finalize

    gt, result = crowd(frames, boxes)
    t0 = time.perf_counter()
    counts = count_sequence(gt, result, spec_for_benchmark("MOT20"), frames, "CROWD-01", backend, engine)
    seconds = time.perf_counter() - t0
    return {"counts": counts, "metrics": finalize(counts), "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(args: argparse.Namespace) -> None:
    """Run in a subprocess: one measurement, printed as JSON (counts pickled as repr for comparison)."""
    import pickle

    resource.setrlimit(resource.RLIMIT_AS, (args.cap, args.cap))
    out = {}
    for engine in args.engines.split(","):
        r = _count(args.frames, args.boxes, engine, args.backend)
        out[engine] = {"metrics": r["metrics"], "seconds": r["seconds"], "peak_mb": r["peak_mb"],
                       "counts": pickle.dumps(r["counts"]).hex()}
    print(json.dumps(out, default=float))


def measure(frames: int, boxes: int, engines: str, backend: str, cap: int) -> dict:
    cmd = [sys.executable, __file__, "--child", "--frames", str(frames), "--boxes", str(boxes),
           "--engines", engines, "--backend", backend, "--cap", str(cap)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {proc.returncode}: {last}", "peak_mb": peak}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--boxes", type=int, default=500)
    ap.add_argument("--slice", type=int, default=100, help="frames compared with the libraries")
    ap.add_argument("--cap", type=int, default=2 * GIB, help="address-space limit of each measurement (bytes)")
    ap.add_argument("--backend", default="trackeval", choices=("trackeval", "motmetrics"))
    ap.add_argument("--engines", default="fast")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return 0
    import pickle

    from trackbench.harness.metrics.verify import differences

    print(f"sequence: {args.frames} frames x {args.boxes} boxes, MOT20 rules, CLEAR/ID backend {args.backend}, "
          f"address space capped at {args.cap / GIB:.1f} GiB per measurement")
    full = measure(args.frames, args.boxes, "fast", args.backend, args.cap)
    if "error" in full:
        print(f"full sequence, fast engine: FAILED {full['error']}")
    else:
        r = full["fast"]
        m = r["metrics"]
        print(f"full sequence, fast engine: peak {r['peak_mb']:.0f} MB, {r['seconds']:.1f} s; "
              f"HOTA {m['HOTA']:.4f} MOTA {m['MOTA']:.4f} IDF1 {m['IDF1']:.4f} IDsw {m['IDsw']} FP {m['FP']} FN {m['FN']}")
    both = measure(args.slice, args.boxes, "fast,library", args.backend, 8 * GIB)
    if "error" in both:
        print(f"first {args.slice} frames: FAILED {both['error']}")
        return 1
    fast, lib = (pickle.loads(bytes.fromhex(both[e]["counts"])) for e in ("fast", "library"))
    wrong = differences([fast], [lib])
    for engine in ("fast", "library"):
        m = both[engine]["metrics"]
        print(f"first {args.slice} frames, {engine:7s} engine: HOTA {m['HOTA']:.12f} MOTA {m['MOTA']:.12f} "
              f"IDF1 {m['IDF1']:.12f} IDsw {m['IDsw']} FP {m['FP']} FN {m['FN']} ({both[engine]['seconds']:.1f} s)")
    print("fast == libraries (TrackEval's HOTA, " + args.backend + "'s CLEAR/identity): "
          + ("every count equal, ratios within 1e-9" if not wrong else f"{len(wrong)} differences: {wrong[:3]}"))
    return 1 if wrong or "error" in full else 0


if __name__ == "__main__":
    sys.exit(main())

"""What camera-motion compensation costs: per frame in sort, bytetrack and ocsort, and per call of each warp.

The warps are the compiled kernels of :mod:`trackbench.trackers.core.cmc_kernels`, what the trackers run.  Per
frame: feeds the YOLOX detections of the shared MOT17 sequences and the GMC files' camera motion to each tracker in
one process, timing what ``bench run`` times (``compensate`` on frames with motion, then ``update``), and
interleaves the variants pass by pass so that machine load hits them alike; the best pass of ``--repeat`` counts.
The difference between a tracker's two rows is what the warps cost it, at the track counts real sequences have.  Per
call: each kernel on ``--rows`` random states or boxes (on the five MOT17 sequences, 5th to 95th percentile of the
tracks held a frame: sort 14-93, bytetrack 8-50, ocsort 9-51), best of ``--repeat`` rounds of ``--calls`` calls, so
the per-frame cost splits into the kernels' own time and what the tracker's ``compensate`` adds.  Prints ``uptime``
before and after, since on a shared machine the load decides how far the numbers can be trusted.

    python benchmarks/cmc_speed.py [--data DATA] [--repeat 5] [--trackers sort,bytetrack,ocsort]
                                   [--rows 10,50,100] [--calls 2000] [--no-passes]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

from mot17_passes import SEQUENCES, best_of, load, one_pass  # noqa: E402  (beside this script)

#: (label suffix, compensate): the tracker without and with the GMC files' camera motion.
MODES = (("", False), ("+cmc", True))

#: A similarity of the size MOT17's GMC files hold: scale 1.005, rotation 0.2°, a few pixels of translation.
WARP = np.array([[1.005 * np.cos(0.0035), -1.005 * np.sin(0.0035), 2.6],
                 [1.005 * np.sin(0.0035), 1.005 * np.cos(0.0035), -2.0]])

#: Cells a track of the per-call box warp: OC-SORT's ring of recent observations (``delta_t``, default 3).
RING = 3


def timed_pass(variant: tuple[str, str, bool], sequences) -> tuple[float, int]:
    """One pass of a (label, tracker, compensate) variant."""
    _, name, cmc = variant
    return one_pass(name, sequences, cmc=cmc)


def kernel_calls(rows: int) -> dict[str, Callable[[], None]]:
    """Each warp kernel as the trackers call it, on ``rows`` random tracks.  The same arrays are warped again
    call after call; they grow by the warp's scale (0.5 % a call) and stay finite far beyond the calls timed,
    so every call does the same arithmetic on normal floats."""
    from trackbench.trackers.core import cmc_kernels

    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(0, 1900, (rows, 2)), rng.uniform(100, 9000, (rows, 2)),
                         rng.normal(0, 3, (rows, 4))])
    P = rng.uniform(0.1, 50.0, (rows, 3, 4))
    z = x[:, :4].copy()
    corners = rng.uniform(0, 1000, (rows, RING, 2))
    ring = np.concatenate([corners, corners + 50.0, np.ones((rows, RING, 1))], axis=2)
    filled = rng.random((rows, RING)) < 0.7
    return {"warp_usr (sort, ocsort)": lambda: cmc_kernels.warp_usr(x, P, WARP),
            "warp_uvah (bytetrack, deepsort, rolo)": lambda: cmc_kernels.warp_uvah(x, P, WARP),
            "warp_usr_measurements (ocsort)": lambda: cmc_kernels.warp_usr_measurements(z, WARP),
            f"warp_box_cells, {RING} cells a track (ocsort's ring)":
                lambda: cmc_kernels.warp_box_cells(ring, filled, WARP)}


def per_call(call: Callable[[], None], calls: int, repeat: int) -> float:
    """Best over ``repeat`` rounds of the mean seconds of one call, over ``calls`` calls."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


def print_passes(data: Path, videos: list[str], names: list[str], repeat: int) -> None:
    """The per-frame table: each tracker without and with compensation on the MOT17 sequences."""
    sequences = load(data, videos)
    variants = [(name + suffix, name, cmc) for name in names for suffix, cmc in MODES]
    best, frames = best_of(variants, sequences, repeat, timed_pass)
    print(f"\n{frames} frames ({len(sequences)} sequences, YOLOX detections, GMC files), best of {repeat} "
          "interleaved passes\n")
    print("| variant | fr/s | µs/frame | × without cmc |")
    print("|---|---|---|---|")
    for label, name, _ in variants:
        hz = frames / best[label]
        print(f"| {label} | {hz:,.0f} | {1e6 / hz:.1f} | {best[name] / best[label]:.2f} |")


def print_calls(rows: list[int], calls: int, repeat: int) -> None:
    """The per-call table: each kernel at each track count."""
    print(f"\nper call, best of {repeat} rounds of {calls} calls\n")
    print("| kernel | " + " | ".join(f"{n} tracks, µs" for n in rows) + " |")
    print("|---|" + "---|" * len(rows))
    timings = {n: {label: per_call(call, calls, repeat) for label, call in kernel_calls(n).items()} for n in rows}
    for label in timings[rows[0]]:
        print(f"| {label} | " + " | ".join(f"{1e6 * timings[n][label]:.2f}" for n in rows) + " |")


def main(argv: list[str] | None = None) -> int:
    from trackbench.trackers.core import cmc_kernels

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    parser.add_argument("--trackers", default="sort,bytetrack,ocsort")
    parser.add_argument("--rows", default="10,50,100", help="track counts of the per-call table")
    parser.add_argument("--calls", type=int, default=2000, help="calls a round of the per-call table")
    parser.add_argument("--no-passes", action="store_true", help="the per-call table only (no data needed)")
    args = parser.parse_args(argv)
    print("before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    cmc_kernels.warm_up()
    if not args.no_passes:
        print_passes(args.data, args.sequences.split(","), args.trackers.split(","), args.repeat)
    print_calls([int(n) for n in args.rows.split(",")], args.calls, args.repeat)
    print("\nafter: ", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

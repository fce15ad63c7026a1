"""What camera-motion compensation costs: sort, bytetrack and ocsort without ``--cmc``, with the compiled warps
(:mod:`trackbench.trackers.core.cmc_kernels`, what the trackers run) and with the NumPy definitions
(:mod:`trackbench.trackers.core.cmc`, what they ran before).

Feeds the YOLOX detections of the shared MOT17 sequences and the GMC files' camera motion to each tracker in
one process, timing what ``bench run`` times (``compensate`` on frames with motion, then ``update``), and
interleaves the variants pass by pass so that machine load hits them alike; the best pass of ``--repeat``
counts.  The NumPy variant swaps the tracker module's ``cmc_kernels`` for ``cmc`` (same function names and
signatures, bit-identical results: ``tests/test_cmc.py``) for its passes only.  Prints ``uptime`` before and
after, since on a shared machine the load decides how far the numbers can be trusted.

    python benchmarks/cmc_speed.py [--data DATA] [--repeat 5] [--trackers sort,bytetrack,ocsort]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterator  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

from mot17_passes import SEQUENCES, best_of, load, one_pass  # noqa: E402  (beside this script)

#: (label suffix, warps): no compensation, the NumPy definitions, the compiled kernels.
MODES = (("", None), ("+cmc numpy", "numpy"), ("+cmc compiled", "compiled"))


@contextlib.contextmanager
def warps_from(tracker: object, mode: str | None) -> Iterator[None]:
    """With ``mode == "numpy"``, the tracker's module calls the NumPy warps instead of the kernels."""
    from trackbench.trackers.core import cmc, cmc_kernels

    module = sys.modules[type(tracker).__module__]
    if mode != "numpy":
        yield
        return
    module.cmc_kernels = cmc
    try:
        yield
    finally:
        module.cmc_kernels = cmc_kernels


def timed_pass(variant: tuple[str, str, str | None], sequences) -> tuple[float, int]:
    """One pass of a (label, tracker, mode) variant; the NumPy mode swaps the warps in for its passes only."""
    _, name, mode = variant
    return one_pass(name, sequences, cmc=mode is not None, around=lambda tracker: warps_from(tracker, mode))


def main(argv: list[str] | None = None) -> int:
    from trackbench.trackers.core import cmc_kernels

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    parser.add_argument("--trackers", default="sort,bytetrack,ocsort")
    args = parser.parse_args(argv)
    print("before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    sequences = load(args.data, args.sequences.split(","))
    variants = [(name + suffix, name, mode) for name in args.trackers.split(",") for suffix, mode in MODES]
    cmc_kernels.warm_up()
    best, frames = best_of(variants, sequences, args.repeat, timed_pass)
    print("after: ", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"\n{frames} frames ({len(sequences)} sequences, YOLOX detections, GMC files), best of {args.repeat} "
          "interleaved passes\n")
    print("| variant | fr/s | µs/frame | × without cmc |")
    print("|---|---|---|---|")
    for label, name, _ in variants:
        hz = frames / best[label]
        print(f"| {label} | {hz:,.0f} | {1e6 / hz:.1f} | {best[name] / best[label]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

from mot17_passes import SEQUENCES, best_of, load, one_pass  # noqa: E402  (beside this script)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    args = parser.parse_args(argv)
    sequences = load(args.data, args.sequences.split(","))
    impls = [("botsort", "botsort", False), ("botsort+cmc", "botsort", True),
             ("rf.botsort", "rf.botsort", False), ("boxmot.botsort", "boxmot.botsort", False)]
    best, frames = best_of(impls, sequences, args.repeat, lambda impl, seqs: one_pass(impl[1], seqs, impl[2]))
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

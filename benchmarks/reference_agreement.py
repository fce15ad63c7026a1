"""How many frames of trackbench's sort, deepsort, bytetrack and ocsort equal the authors' own outputs.

Run: ``python benchmarks/reference_agreement.py [--data DATA] [--runs FOLDER,...] [--sequences A,B]``
(``DATA`` holds ``mot15/``, ``mot17/``, ``mot17-features/`` and ``reference-outputs/``, the files written by
abewley/sort, nwojke/deep_sort, ifzhang/ByteTrack and noahcao/OC_SORT; default: the ``shared/data`` folder
beside this checkout).

Prints one row per tracker x sequence: frames identical to the authors' file (same boxes to 1e-6 px and same
ids) out of all frames, frames with the same boxes, the kind of difference (``identical``, ``relabelled``: same
boxes and ids one consistent one-to-one relabelling, or what differs), the largest box difference in pixels,
and the first frame that differs.  The runs, the settings and the comparison are the ones
``tests/test_reference_outputs.py`` asserts (``tests/reference_files.py``), so the table and the test cannot
drift apart.  Exit status 1 when a run disagrees beyond what its case allows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the cases and the comparison live beside the test that asserts them

from reference_files import RUNS, Agreement, ReferenceRun, agreement, reference_root  # noqa: E402


def _allowed(run: ReferenceRun, found: Agreement) -> bool:
    """What the test accepts: identical frames, or a consistent relabelling where the case explains one."""
    return found.kind == "identical" or (bool(run.relabelled) and found.kind == "relabelled")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", help="reference folders to compare (default: all)")
    parser.add_argument("--sequences", help="sequences to compare (default: each run's)")
    args = parser.parse_args(argv)
    if not reference_root(args.data).is_dir():
        parser.error(f"no reference-outputs/ in {args.data}")
    runs = [r for r in RUNS if not args.runs or r.folder in args.runs.split(",")]
    wanted = set(args.sequences.split(",")) if args.sequences else None
    print("| tracker | authors' file | sequence | identical frames | same boxes | kind | max box diff (px) "
          "| first difference |")
    print("|---|---|---|---|---|---|---|---|")
    bad, start = 0, time.perf_counter()
    for run in runs:
        for name in run.sequences:
            if wanted is not None and name not in wanted:
                continue
            found = agreement(run, args.data, name)
            bad += not _allowed(run, found)
            print(f"| {run.tracker} | {run.folder} | {name} | {found.identical}/{found.frames} | "
                  f"{found.same_boxes}/{found.frames} | {found.kind} | {found.max_box_error:.1e} | "
                  f"{found.first_difference or '-'} |", flush=True)
    print(f"\n{bad} run(s) disagree beyond what their case allows; {time.perf_counter() - start:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

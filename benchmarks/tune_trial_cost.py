"""What one `bench tune` trial costs, part by part: bytetrack (defaults) on the five MOT17 sequences with YOLOX
detections, in this process (never a test: timings on a shared machine).

Per trial (one unit per sequence) it times, interleaved over ``--rounds`` rounds, medians reported:

- ``track``: :func:`~trackbench.harness.runs.tracking.track_unit` (the tracker's frames plus the harness around it);
- ``format``: the result text (:func:`~trackbench.datasets.motfile.format_results`);
- ``write``: writing the text atomically (fsync included);
- ``read file``: ``read_mot_file`` of the written file (what scoring did before: the old path);
- ``parse text``: :func:`~trackbench.datasets.motfile.parse_results` (what a trial does now instead);
- ``prepare gt``: the ground truth's half of preprocessing (now once per process, not per trial);
- ``preprocess``: the result's half (distractor removal, IoU per frame);
- ``CLEAR``, ``Identity``, ``HOTA``: the fast engine's counts.

Usage: ``python benchmarks/tune_trial_cost.py [--rounds 5] [--shared ../shared]``.  Prints a Markdown table with
``uptime`` before and after (these machines are shared).  To time an older revision the same way, run this file
with that revision's package first on ``sys.path`` (e.g. a ``git worktree`` of it linked as ``trackbench`` in a
folder on ``PYTHONPATH``); without ``parse_results`` it times the file read back instead.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from trackbench.datasets.motfile import atomic_write_text, format_results, read_mot_file

try:  # absent before the tune trial path parsed its own text: the script then times the rest (a "before" run)
    from trackbench.datasets.motfile import parse_results
except ImportError:
    parse_results = None
from trackbench.harness.cli.run import RunRequest, load
from trackbench.harness.metrics import evaluate
from trackbench.harness.metrics.preprocess import prepare_gt, preprocess_result
from trackbench.harness.runs.tracking import Variant, track_unit

ROOT = Path(__file__).resolve().parents[1]


def shared_root(given: str | None) -> Path:
    for candidate in ([Path(given)] if given else []) + [ROOT.parent / "shared", Path("/work/shared")]:
        if (candidate / "data" / "mot17").is_dir():
            return candidate
    sys.exit("no shared data (data/mot17): pass --shared")


def one_trial(sequences, variant: Variant, folder: Path) -> dict[str, float]:
    """Seconds of each part of one trial (all sequences)."""
    spent: dict[str, float] = defaultdict(float)

    def clock(part: str, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        spent[part] += time.perf_counter() - start
        return out

    for seq in sequences:
        out = clock("track", track_unit, variant, seq)
        text = clock("format", format_results, out.frames, out.ids, out.boxes, out.scores)
        path = folder / f"{seq.name}.txt"
        clock("write", atomic_write_text, path, text)
        clock("read file", read_mot_file, path, "result")
        table = clock("parse text", parse_results, text) if parse_results else read_mot_file(path, "result")
        prep = clock("prepare gt", prepare_gt, seq.ground_truth, seq.eval_spec, seq.info.length, seq.name)
        data = clock("preprocess", preprocess_result, prep, table)
        for family in evaluate.families():
            clock(family.NAME, family.evaluate, data)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--shared", default=None)
    args = parser.parse_args()
    data = shared_root(args.shared) / "data"
    sequences = load(RunRequest(dataset="mot17", data_root=data / "mot17", detections=str(data / "mot17-yolox")))
    variant = Variant("bytetrack", (), "bytetrack")
    before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        one_trial(sequences, variant, Path(folder))  # warm: kernels loaded, files cached
        rounds = [one_trial(sequences, variant, Path(folder)) for _ in range(args.rounds)]
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    parts = list(rounds[0])
    median = {p: statistics.median(r[p] for r in rounds) * 1000 for p in parts}
    old = ["track", "format", "write", "read file", "prepare gt", "preprocess", "CLEAR", "Identity", "HOTA"]
    new = ["track", "format", "write", "parse text", "preprocess", "CLEAR", "Identity", "HOTA"]
    print(f"load before: {before}\nload after:  {after}\n")
    print(f"bytetrack defaults, {len(sequences)} MOT17 sequences (YOLOX), {sum(len(s.detections) for s in sequences)} "
          f"detections, {sum(len(s.ground_truth) for s in sequences)} gt rows; median of {args.rounds} rounds\n")
    print("| part | ms per trial |\n|---|---|")
    for p in parts:
        print(f"| {p} | {median[p]:.1f} |")
    print(f"\ntrial path with the file read back and gt prepared per trial: {sum(median[p] for p in old):.0f} ms")
    if parse_results is not None:
        print(f"trial path with the text parsed without the file, gt prepared once per process: "
              f"{sum(median[p] for p in new):.0f} ms")

if __name__ == "__main__":
    main()

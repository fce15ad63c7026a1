"""Image-based trackers vs SORT on real PETS09-S2L1 frames, detections every frame and every 5th.

Run: ``.venv/bin/python benchmarks/image_trackers.py [--shared PATH] [--intervals 1,5] [--out DIR]``

Sequence: MOT15 PETS09-S2L1 (795 real frames, 768x576, 7 fps) with its public
ACF detections and MOT15 gt.  For each detection interval K (``--detect-every``
in ``bench run``: detections only on frames 1, K+1, 2K+1, ..., empty lists in
between, by the runner's own :func:`trackbench.harness.runs.tracking.detections_for`) it runs:

* ``meanshift``, ``camshift``, ``optical_flow`` with their defaults;
* ``sort`` with its defaults (reference: max_age=1, min_hits=3 consecutive);
* for K > 1, ``sort max_age=K min_hits=1`` -- SORT with its defaults drops
  every track between detections at K=5 (legitimate SORT behaviour), so this
  is the fair SORT: tracks survive the gap and are reported on every
  detection frame (SORT never reports predicted boxes between detections);
* ``prediction-only`` (control, not a registered tracker): the image trackers'
  own life cycle with the image step removed, so tracks move on the Kalman
  prediction alone and are reported between detections like the image
  trackers.  The gap between it and the image trackers is what the image
  evidence itself buys.

The same numbers come out of ``bench run -d mot15 --data-root ../shared/data/mot15
-s PETS09-S2L1 -t meanshift,camshift,optical_flow,sort --detect-every K``.

Speed is measured on one core (OpenCV, OpenMP and BLAS threads set to 1 before
numpy and cv2 load): tracker frames/s time the ``update`` calls only (frames
already decoded in memory, as MOTChallenge reports tracker Hz), by wall clock
(``Hz``, as ``bench run`` reports it) and by this process's CPU time
(``cpu_Hz``, unaffected by other processes on a shared machine); JPEG decoding
is timed separately over the same frames.  The check is >= 30 frames/s (wall)
per tracker at 768x576.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

cv2.setNumThreads(1)

ROOT = Path(__file__).resolve().parents[1]

from trackbench import trackers  # noqa: E402
from trackbench.datasets import load_dataset  # noqa: E402
from trackbench.datasets.motfile import read_mot_file, write_results  # noqa: E402
from trackbench.datasets.sequence import FrameTable, Sequence  # noqa: E402
from trackbench.harness.report.leaderboard import to_markdown  # noqa: E402
from trackbench.harness.metrics.evaluate import evaluate_sequence  # noqa: E402
from trackbench.harness.runs.tracking import detections_for  # noqa: E402
from trackbench.trackers.base import Tracker  # noqa: E402
from trackbench.trackers.image_based.lifecycle import ImagePropagatedTracker, LifecycleParams  # noqa: E402

IMAGE_TRACKERS = ("meanshift", "camshift", "optical_flow")
MIN_HZ = 30.0


class PredictionOnly(ImagePropagatedTracker[None, bool]):
    """Control: the image trackers' life cycle with every track moved by its Kalman prediction only."""

    name = "prediction-only"
    Params = LifecycleParams

    def prepare(self, frame: np.ndarray) -> None:
        return None

    def model_from(self, ctx: None, box: np.ndarray) -> bool:
        return True  # "evidence" never collapses: tracks are reported between detections

    def propagate(self, ctx: None, before: np.ndarray, predicted: np.ndarray, models: list) -> tuple[np.ndarray, list]:
        return predicted.copy(), models


@dataclass
class Entry:
    label: str
    make: object  # () -> Tracker


def entries(interval: int) -> list[Entry]:
    rows = [Entry(name, lambda name=name: trackers.create(name)) for name in IMAGE_TRACKERS]
    rows.append(Entry("sort", lambda: trackers.create("sort")))
    if interval > 1:
        overrides = {"max_age": str(interval), "min_hits": "1"}
        rows.append(Entry(f"sort max_age={interval} min_hits=1", lambda: trackers.create("sort", overrides)))
    rows.append(Entry("prediction-only (control)", lambda: PredictionOnly()))
    return rows


def decode_all(seq: Sequence) -> tuple[list[np.ndarray], float]:
    """Every frame in memory, and the seconds JPEG decoding took."""
    t0 = time.perf_counter()
    frames = list(seq.images())
    return frames, time.perf_counter() - t0


def track(tracker: Tracker, seq: Sequence, frames: list[np.ndarray], interval: int) -> tuple[FrameTable, float, float]:
    """Run one tracker over the frames: results as a table, wall and CPU seconds spent in ``update``."""
    tracker.reset(seq.info)
    needs_images = tracker.requires.images
    rows_f, rows_i, rows_b = [], [], []
    spent = cpu = 0.0
    for frame_no, image in enumerate(frames, start=1):
        dets = detections_for(seq, frame_no, interval)
        t0, c0 = time.perf_counter(), time.process_time()
        out = tracker.update(image if needs_images else None, dets)
        spent += time.perf_counter() - t0
        cpu += time.process_time() - c0
        rows_f.append(np.full(len(out), frame_no))
        rows_i.append(out.ids)
        rows_b.append(out.boxes)
    # Scored from a written MOT file, as `bench run` scores it (boxes rounded to 0.01 px there).
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{seq.name}.txt"
        write_results(path, np.concatenate(rows_f), np.concatenate(rows_i), np.concatenate(rows_b).reshape(-1, 4))
        table = read_mot_file(path, "result")
    return table, spent, cpu


def run(shared: Path, intervals: list[int], repeat: int) -> pd.DataFrame:
    seq = load_dataset("mot15", shared / "mot15", ["PETS09-S2L1"])[0]
    frames, decode_s = decode_all(seq)
    n = len(frames)
    print(f"{seq.name}: {n} frames {seq.info.width}x{seq.info.height}; JPEG decode {decode_s:.2f} s "
          f"({n / decode_s:.0f} frames/s, {1000 * decode_s / n:.2f} ms/frame), excluded from tracker Hz")
    rows = []
    for interval in intervals:
        for entry in entries(interval):
            best = best_cpu = float("inf")
            for _ in range(repeat):
                result, spent, cpu = track(entry.make(), seq, frames, interval)
                best, best_cpu = min(best, spent), min(best_cpu, cpu)
            m = evaluate_sequence(seq.ground_truth, result, seq.eval_spec, seq.info.length)
            rows.append({"K": interval, "tracker": entry.label, "HOTA": m["HOTA"], "MOTA": m["MOTA"], "IDF1": m["IDF1"],
                         "DetA": m["DetA"], "AssA": m["AssA"], "IDsw": m["IDsw"], "FP": m["FP"], "FN": m["FN"],
                         "Hz": n / best, "cpu_Hz": n / best_cpu if best_cpu > 0 else float("nan"),
                         "decode_ms": 1000 * decode_s / n})
            r = rows[-1]
            print(f"  K={interval} {entry.label:28s} HOTA {r['HOTA']:5.1f} MOTA {r['MOTA']:5.1f} IDF1 {r['IDF1']:5.1f} "
                  f"IDsw {r['IDsw']:4d} Hz {r['Hz']:8.1f} (CPU {r['cpu_Hz']:8.1f})", flush=True)
    return pd.DataFrame(rows).set_index(["K", "tracker"])


def verdicts(table: pd.DataFrame) -> list[str]:
    lines = []
    for interval in sorted(table.index.get_level_values("K").unique()):
        part = table.loc[interval]
        image = part.loc[list(IMAGE_TRACKERS)]
        best = image["HOTA"].idxmax()
        for baseline in [b for b in part.index if b.startswith("sort") or b.startswith("prediction")]:
            beats = image.index[image["HOTA"] > part.loc[baseline, "HOTA"]].tolist()
            lines.append(f"K={interval}: image trackers beating {baseline!r} on HOTA "
                         f"({part.loc[baseline, 'HOTA']:.1f}): {', '.join(beats) or 'none'}; best {best} {image.loc[best, 'HOTA']:.1f}")
    for (interval, name), row in table.iterrows():
        if name in IMAGE_TRACKERS or name == "sort":
            hz = row["Hz"]
            lines.append(f"speed K={interval} {name}: {hz:.0f} frames/s wall, {row['cpu_Hz']:.0f} by CPU time, one core "
                         f"-> {'PASS' if hz >= MIN_HZ else 'FAIL'} (>= {MIN_HZ:.0f} wall)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="the shared data folder")
    parser.add_argument("--intervals", default="1,5", help="detection intervals K, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tracker; the fastest is reported")
    parser.add_argument("--out", type=Path, default=None, help="also write image_trackers.csv/.md here")
    args = parser.parse_args()
    if not (args.shared / "mot15" / "PETS09-S2L1" / "img1").is_dir():
        sys.exit(f"PETS09-S2L1 frames not found under {args.shared}/mot15 (see ../shared/README.md)")
    table = run(args.shared, [int(k) for k in args.intervals.split(",")], args.repeat)
    print()
    print(to_markdown(table.round(2)))
    for line in verdicts(table):
        print(line)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "image_trackers.csv", float_format="%.4f")
        (args.out / "image_trackers.md").write_text(to_markdown(table.round(2)))


if __name__ == "__main__":
    main()

"""How tracking and scoring scale with crowd size: time and peak memory, each case in a fresh, capped process.

Cases:

- a synthetic crowd of N = 50, 200 and 1,000 objects per frame (boxes generated
  here: N objects on constant-velocity random walks in a 4K frame, detections =
  gt boxes with 2 px jitter, 5 % dropped, ids of -1), every box-only tracker
  (``sort``, ``bytetrack``, ``ocsort``, ``botsort``, ``rolo``, and ``deepsort``
  with precomputed appearance vectors: one random unit vector per object plus
  noise, so association is meaningful); then scoring (``count_sequences``,
  TrackEval CLEAR backend) of sort's result against the gt;
- MOT20-01 with ``../shared/data/mot20-yolox`` detections (429 frames, no gt):
  tracking time and peak memory per tracker (deepsort with random vectors:
  cost only, the identities mean nothing).

Each case runs as ``prlimit --as=6G python scale.py --worker CASE`` under a
fresh measuring process that reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``
after the worker exits, so a peak is that worker's alone and a blow-up fails
fast (MemoryError, reported as such) instead of hurting the machine.  A tracker
that refuses a frame over its association ceiling (``FrameTooLarge``) is
reported as "ceiling", not as a failure.

Run:  python benchmarks/scale.py [--frames 30] [--sizes 50,200,1000] [--out scale.md]
(several minutes at 1,000 objects).  Times are wall seconds inside the worker
(tracker ``update`` time for tracking; the counting call for scoring).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

TRACKERS = ("sort", "bytetrack", "ocsort", "botsort", "rolo", "deepsort")
MEMORY_CAP = "6G"
MEMORY_CAP_BYTES = 6 * 1024**3  # the same cap, as prlimit takes it
CASE_TIMEOUT_S = 600
WIDTH, HEIGHT = 3840, 2160
FEATURE_DIM = 128


# ---------------------------------------------------------------- data


def crowd(objects: int, frames: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(gt rows, det rows) of MOT text columns ``frame,id,left,top,width,height,conf``: a crowd on random walks."""
    rng = np.random.default_rng(seed)
    size = rng.uniform([20, 40], [60, 120], (objects, 2))
    pos = rng.uniform([0, 0], [WIDTH - 60, HEIGHT - 120], (objects, 2))
    vel = rng.normal(0, 3, (objects, 2))
    gt, det = [], []
    for f in range(1, frames + 1):
        pos = np.clip(pos + vel, 0, [WIDTH - 60, HEIGHT - 120])
        ids = np.arange(1, objects + 1)
        gt.append(np.column_stack([np.full(objects, f), ids, pos, size, np.ones(objects)]))
        keep = rng.random(objects) > 0.05
        noisy = pos[keep] + rng.normal(0, 2, (int(keep.sum()), 2))
        det.append(np.column_stack([np.full(keep.sum(), f), ids[keep], noisy, size[keep],
                                    rng.uniform(0.5, 1.0, keep.sum())]))
    return np.concatenate(gt), np.concatenate(det)


def write_rows(path: Path, rows: np.ndarray) -> None:
    np.savetxt(path, rows, fmt=["%d", "%d", "%.2f", "%.2f", "%.2f", "%.2f", "%.3f"], delimiter=",")


def features_for(ids: np.ndarray, seed: int = 1) -> np.ndarray:
    """One random unit vector per object id plus small noise (ids of -1 or unknown: pure noise)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(int(ids.max(initial=0)) + 2, FEATURE_DIM))
    vectors = base[np.clip(ids, 0, None)] + rng.normal(0, 0.3, (len(ids), FEATURE_DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


# ---------------------------------------------------------------- worker (the measured process)


def _sequence(det_path: str, length: int, name: str, object_ids: np.ndarray | None):
    from trackbench.datasets.motfile import read_mot_file
    from trackbench.datasets.sequence import Sequence, SequenceInfo

    dets = read_mot_file(det_path, "det")
    dets.features = features_for(object_ids if object_ids is not None else np.full(len(dets), -1))
    info = SequenceInfo(name=name, dataset="scale", length=length, fps=25.0, width=WIDTH, height=HEIGHT)
    return Sequence(info=info, detections=dets)


def work_track(case: dict[str, Any]) -> dict[str, Any]:
    from trackbench.harness.runs.runner import run_unit
    from trackbench.harness.runs.tracking import Variant

    ids = np.loadtxt(case["ids"], dtype=np.int64, ndmin=1) if case.get("ids") else None
    seq = _sequence(case["det"], case["length"], case["name"], ids)
    params = (("embedder", "precomputed"),) if case["tracker"] == "deepsort" else ()
    unit = run_unit(Variant(case["tracker"], params), seq, Path(case["out"]))
    return {"seconds": unit.tracker_seconds, "failed": unit.failed, "skipped": unit.skipped}


def work_score(case: dict[str, Any]) -> dict[str, Any]:
    from trackbench.datasets.mot_scoring import spec_for_benchmark
    from trackbench.datasets.motfile import read_mot_file
    from trackbench.harness.metrics.evaluate import SequenceJob, count_sequences, finalize

    gt, result = read_mot_file(case["gt"], "gt"), read_mot_file(case["result"], "result")
    t0 = time.perf_counter()
    counts = count_sequences([SequenceJob("crowd", gt, result, spec_for_benchmark("MOT15"), case["length"])],
                             backend="trackeval")
    seconds = time.perf_counter() - t0
    row = finalize(counts[0])
    return {"seconds": seconds, "HOTA": row["HOTA"], "MOTA": row["MOTA"]}


def worker(case: dict[str, Any]) -> None:
    try:
        out = work_score(case) if case["kind"] == "score" else work_track(case)
    except MemoryError:
        out = {"failed": f"MemoryError under prlimit --as={MEMORY_CAP}"}
    except Exception as exc:  # noqa: BLE001 - the table says what happened to every case
        out = {"failed": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out))


# ---------------------------------------------------------------- measuring process and driver


def measure(case: dict[str, Any]) -> None:
    """Run the worker capped, then report its result with its peak memory (this process's only child)."""
    cmd = ["prlimit", f"--as={MEMORY_CAP_BYTES}", sys.executable, __file__, "--worker", json.dumps(case)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=CASE_TIMEOUT_S)
        lines = done.stdout.strip().splitlines()
        out = json.loads(lines[-1]) if lines else {"failed": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    except subprocess.TimeoutExpired:
        out = {"failed": f"over {CASE_TIMEOUT_S} s"}
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out))


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--measure", json.dumps(case)], capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def status(out: dict[str, Any]) -> str:
    failed = out.get("failed") or out.get("skipped")
    if not failed:
        return "ok"
    return f"ceiling: {failed}" if "FrameTooLarge" in failed or "ceiling" in failed.lower() else f"failed: {failed}"


def table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def crowd_tables(sizes: list[int], frames: int, trackers: tuple[str, ...], tmp: Path) -> str:
    track_rows, score_rows = [], []
    for n in sizes:
        gt, det = crowd(n, frames)
        gt_path, det_path, ids_path = tmp / f"gt{n}.txt", tmp / f"det{n}.txt", tmp / f"ids{n}.txt"
        write_rows(gt_path, gt)
        order = np.argsort(det[:, 0], kind="stable")
        write_rows(det_path, det[order])
        np.savetxt(ids_path, det[order, 1], fmt="%d")
        for tracker in trackers:
            out_path = tmp / f"{tracker}{n}.txt"
            case = {"kind": "track", "tracker": tracker, "det": str(det_path), "ids": str(ids_path),
                    "length": frames, "name": f"crowd{n}", "out": str(out_path)}
            out = run_case(case)
            hz = frames / out["seconds"] if out.get("seconds") else float("nan")
            track_rows.append((str(n), tracker, f"{out.get('seconds', float('nan')):.3f}", f"{hz:.1f}",
                               f"{out['peak_mib']:.0f}", status(out)))
            print(track_rows[-1], flush=True)
        result = tmp / f"sort{n}.txt"
        if result.is_file():
            out = run_case({"kind": "score", "gt": str(gt_path), "result": str(result), "length": frames})
            score_rows.append((str(n), str(len(gt)), f"{out.get('seconds', float('nan')):.3f}",
                               f"{out['peak_mib']:.0f}", f"{out.get('HOTA', float('nan')):.1f}", status(out)))
            print(score_rows[-1], flush=True)
    return (f"### Tracking a synthetic crowd ({frames} frames)\n\n"
            + table(track_rows, ("objects/frame", "tracker", "seconds", "Hz", "peak MiB", "status"))
            + f"\n### Scoring sort's result against the gt (TrackEval CLEAR backend, {frames} frames)\n\n"
            + table(score_rows, ("objects/frame", "gt boxes", "seconds", "peak MiB", "HOTA", "status")))


def mot20_table(det: Path, trackers: tuple[str, ...], tmp: Path) -> str:
    from trackbench.datasets.motfile import read_mot_file

    length = read_mot_file(det, "det").last_frame
    rows = []
    for tracker in trackers:
        case = {"kind": "track", "tracker": tracker, "det": str(det), "ids": None, "length": length,
                "name": "MOT20-01", "out": str(tmp / f"mot20-{tracker}.txt")}
        out = run_case(case)
        hz = length / out["seconds"] if out.get("seconds") else float("nan")
        rows.append((tracker, f"{out.get('seconds', float('nan')):.3f}", f"{hz:.1f}", f"{out['peak_mib']:.0f}",
                     status(out)))
        print(rows[-1], flush=True)
    return (f"### MOT20-01, YOLOX detections ({length} frames, no gt)\n\n"
            + table(rows, ("tracker", "seconds", "Hz", "peak MiB", "status")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker")
    parser.add_argument("--measure")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--sizes", default="50,200,1000")
    parser.add_argument("--trackers", default=",".join(TRACKERS))
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    if args.measure:
        measure(json.loads(args.measure))
        return 0
    trackers = tuple(t for t in args.trackers.split(",") if t)
    with tempfile.TemporaryDirectory() as tmp:
        text = crowd_tables([int(s) for s in args.sizes.split(",")], args.frames, trackers, Path(tmp))
        mot20 = args.data / "mot20-yolox" / "MOT20-01.txt"
        if mot20.is_file():
            text += "\n" + mot20_table(mot20, trackers, Path(tmp))
    print(text)
    if args.out:
        from trackbench.datasets.motfile import atomic_write_text

        atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

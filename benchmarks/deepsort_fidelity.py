"""Deep SORT fidelity and speed on MOT17-05-FRCNN with the deep_sort feature file.

Run: ``python benchmarks/deepsort_fidelity.py --shared DATA [--reference PATH] [--repeat N] [--results DIR]``
(``DATA`` holds ``mot17/`` and ``mot17-features/``; ``PATH`` is a checkout of nwojke/deep_sort).

1. **Fidelity**: the same path as

       bench run --trackers deepsort --dataset mot17 --data-root DATA/mot17 \\
           --sequences MOT17-05-FRCNN --param embedder=precomputed \\
           --param features=DATA/mot17-features --param min_confidence=0.3

   (λ = 0, nn_budget 100, max_cosine_distance 0.2 are the defaults), scored
   twice: by the harness (MOTChallenge MOT17 preprocessing: distractors
   removed, pedestrians only) and plainly with motmetrics (IoU 0.5, gt rows
   with conf 0 dropped, nothing else), the way the reference's numbers were
   taken: MOTA 47.6 %, IDF1 60.1 %, 22 ID switches.
2. **Speed**, tracker only (the ``update`` calls; detections and vectors in
   memory), only with ``--reference PATH``: the batched
   :class:`~trackbench.trackers.deepsort.tracker.DeepSort` vs the authors' own
   implementation (nwojke/deep_sort, loaded from the checkout by file path and
   driven as its ``deep_sort_app`` does), in this process, best of
   ``--repeat`` runs each; both must report the same ids and boxes on every
   frame (checked).  Measured twice: with the BLAS library's default threading,
   and in a child process with ``OPENBLAS_NUM_THREADS=1``.  The reference
   solves many tiny triangular systems with scipy (``solve_triangular``), which
   OpenBLAS spreads over threads: on a busy machine that costs milliseconds per
   call and dominates its time, so the single-threaded row is the fairer
   comparison of the algorithms themselves.  The reference has no motion
   weight, so every comparison runs at λ = 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from reference_impl import ReferenceDeepSortRunner, load_deep_sort  # beside this script

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.motfile import read_mot_file
from trackbench.harness.cli.run import RunRequest, execute
from trackbench.harness.runs.features import with_features
from trackbench.trackers.deepsort.tracker import DeepSort, DeepSortParams

SEQUENCE = "MOT17-05-FRCNN"
REFERENCE = {"MOTA": 47.6, "IDF1": 60.1, "IDsw": 22}


def plain_motmetrics(gt_path: Path, result_path: Path) -> dict[str, float]:
    """MOTA, IDF1 and ID switches from motmetrics: IoU >= 0.5, gt rows with conf 0 dropped."""
    import motmetrics as mm

    gt = read_mot_file(gt_path, "gt")
    res = read_mot_file(result_path, "result")
    acc = mm.MOTAccumulator(auto_id=True)
    for frame in range(1, max(gt.last_frame, res.last_frame) + 1):
        g, r = gt.rows(frame), res.rows(frame)
        keep = gt.scores[g] != 0
        g_ids, g_boxes = gt.ids[g][keep], gt.boxes[g][keep]
        dist = 1.0 - iou_matrix(g_boxes, res.boxes[r])
        dist[dist > 0.5] = np.nan
        acc.update(g_ids, res.ids[r], dist)
    summary = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "num_switches"], name="x")
    return {"MOTA": 100 * float(summary["mota"].iloc[0]), "IDF1": 100 * float(summary["idf1"].iloc[0]),
            "IDsw": int(summary["num_switches"].iloc[0])}


def fidelity(shared: Path, results: Path) -> tuple[dict, dict, Path]:
    outcome = execute(RunRequest(
        trackers=["deepsort"], dataset="mot17", data_root=shared / "mot17", sequences=[SEQUENCE],
        params=["embedder=precomputed", f"features={shared / 'mot17-features'}", "min_confidence=0.3"],
        name="deepsort-fidelity", results=results,
    ))
    unit = outcome.units[0]
    if unit.skipped:
        raise SystemExit(f"deepsort skipped: {unit.skipped}")
    row = outcome.overall.loc["deepsort"]
    harness = {"MOTA": float(row["MOTA"]), "IDF1": float(row["IDF1"]), "IDsw": int(row["IDsw"]),
               "HOTA": float(row["HOTA"]), "Hz (runner)": float(row["Hz"])}
    gt_path = shared / "mot17" / "train" / SEQUENCE / "gt" / "gt.txt"
    return harness, plain_motmetrics(gt_path, Path(unit.result_path)), Path(unit.result_path)


def _reference_runner(modules, params: DeepSortParams) -> ReferenceDeepSortRunner:
    return ReferenceDeepSortRunner(modules, min_confidence=params.min_confidence,
                                   nms_max_overlap=params.nms_max_overlap,
                                   min_detection_height=params.min_detection_height,
                                   max_cosine_distance=params.max_cosine_distance, nn_budget=params.nn_budget)


def speed(shared: Path, repeat: int, modules) -> dict[str, float]:
    from trackbench.datasets import load_dataset

    seq = load_dataset("mot17", shared / "mot17", [SEQUENCE])[0]
    seq, _ = with_features(seq, "precomputed", str(shared / "mot17-features"))
    frames = [seq.detections.detections(f) for f in range(1, seq.info.length + 1)]
    params = DeepSortParams(min_confidence=0.3, embedder="precomputed")

    def ours() -> tuple[float, list]:
        tracker = DeepSort(params)
        tracker.reset(seq.info)
        out, spent = [], 0.0
        for d in frames:
            t0 = time.perf_counter()
            o = tracker.update(None, d)
            spent += time.perf_counter() - t0
            out.append((o.ids, o.boxes))
        return spent, out

    def reference() -> tuple[float, list]:
        tracker = _reference_runner(modules, params)
        out, spent = [], 0.0
        for d in frames:
            t0 = time.perf_counter()
            o = tracker.update(d.boxes, d.scores, d.features)
            spent += time.perf_counter() - t0
            out.append(o)
        return spent, out

    t_ours, out_ours = min((ours() for _ in range(repeat)), key=lambda r: r[0])
    t_ref, out_ref = min((reference() for _ in range(max(1, repeat // 5))), key=lambda r: r[0])
    same = all(np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1], atol=1e-6, rtol=0)
               for a, b in zip(out_ours, out_ref))
    n = len(frames)
    return {"frames": n, "detections": len(seq.detections), "ours_fps": n / t_ours, "reference_fps": n / t_ref,
            "ratio": t_ref / t_ours, "identical": same}


def _speed_lines(s: dict, label: str) -> None:
    print(f"  [{label}]")
    print(f"    ours (batched)           {s['ours_fps']:8.0f} frames/s")
    print(f"    nwojke/deep_sort         {s['reference_fps']:8.1f} frames/s")
    print(f"    ratio                    {s['ratio']:8.1f}x   identical output: {s['identical']}")


def dense_speed(shared: Path, modules, frames: int = 300) -> dict[str, float]:
    """Speed on a crowded sequence: MOT17-04-FRCNN (about 27 detections a frame), its first
    ``frames`` frames, with random unit vectors (no feature file exists for it), λ = 0."""
    import dataclasses

    from trackbench.datasets import load_dataset

    seq = load_dataset("mot17", shared / "mot17", ["MOT17-04-FRCNN"])[0]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(seq.detections), 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    seq = dataclasses.replace(seq, detections=dataclasses.replace(seq.detections, features=vectors))
    dets = [seq.detections.detections(f) for f in range(1, frames + 1)]
    params = DeepSortParams(min_confidence=0.3)
    ours = DeepSort(params)
    ours.reset(seq.info)
    t0 = time.perf_counter()
    out_ours = [ours.update(None, d) for d in dets]
    t_ours = time.perf_counter() - t0
    ref = _reference_runner(modules, params)
    t0 = time.perf_counter()
    out_ref = [ref.update(d.boxes, d.scores, d.features) for d in dets]
    t_ref = time.perf_counter() - t0
    same = all(np.array_equal(a.ids, b[0]) and np.allclose(a.boxes, b[1], atol=1e-6, rtol=0)
               for a, b in zip(out_ours, out_ref))
    return {"frames": frames, "detections": sum(len(d) for d in dets), "ours_fps": frames / t_ours,
            "reference_fps": frames / t_ref, "ratio": t_ref / t_ours, "identical": same}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, required=True, help="data folder holding mot17/ and mot17-features/")
    ap.add_argument("--reference", type=Path, default=None,
                    help="checkout of nwojke/deep_sort: time it against trackbench (omitted: fidelity figures only)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of ours (a fifth as many of the slow reference loop, at least one)")
    ap.add_argument("--results", type=Path, default=None, help="where the run folder goes (default: a temp dir)")
    ap.add_argument("--speed-only", action="store_true", help="print only the speed numbers, as JSON (used for the single-threaded run)")
    ap.add_argument("--no-single-thread", action="store_true", help="skip the OPENBLAS_NUM_THREADS=1 child run")
    args = ap.parse_args()
    if not (args.shared / "mot17-features" / f"{SEQUENCE}.npy").is_file():
        raise SystemExit(f"needs {args.shared}/mot17-features/{SEQUENCE}.npy and {args.shared}/mot17")
    modules = load_deep_sort(args.reference) if args.reference is not None else None
    if args.speed_only:
        print(json.dumps({"sparse": speed(args.shared, args.repeat, modules),
                          "dense": dense_speed(args.shared, modules)}))
        return
    results = args.results or Path(tempfile.mkdtemp(prefix="deepsort-fidelity-"))
    harness, plain, path = fidelity(args.shared, results)
    print(f"Fidelity on {SEQUENCE} (precomputed deep_sort vectors, min_confidence 0.3, lambda 0)")
    print(f"{'':28s}{'MOTA':>8s}{'IDF1':>8s}{'IDsw':>6s}")
    print(f"{'reference (stated)':28s}{REFERENCE['MOTA']:8.1f}{REFERENCE['IDF1']:8.1f}{REFERENCE['IDsw']:6d}")
    print(f"{'ours, plain motmetrics':28s}{plain['MOTA']:8.1f}{plain['IDF1']:8.1f}{plain['IDsw']:6d}")
    print(f"{'ours, harness (MOT17 prep)':28s}{harness['MOTA']:8.1f}{harness['IDF1']:8.1f}{harness['IDsw']:6d}"
          f"   HOTA {harness['HOTA']:.1f}")
    print(f"result file: {path}")
    if modules is None:
        print("\n(no --reference given: speed against nwojke/deep_sort not measured)")
        return
    s = speed(args.shared, args.repeat, modules)
    print(f"\nTracker-only speed, {s['frames']} frames, {s['detections']} detections (best of runs, same process)")
    _speed_lines(s, f"BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}")
    if not args.no_single_thread and os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        child = subprocess.run([sys.executable, __file__, "--speed-only", "--shared", str(args.shared),
                                "--reference", str(args.reference), "--repeat", str(args.repeat)],
                               env=env, capture_output=True, text=True, check=True)
        numbers = json.loads(child.stdout.strip().splitlines()[-1])
        _speed_lines(numbers["sparse"], "BLAS threads: 1 (child process)")
        d = numbers["dense"]
        print(f"\nCrowded sequence, speed only: MOT17-04-FRCNN first {d['frames']} frames, {d['detections']} "
              f"detections, random vectors, lambda 0")
        _speed_lines(d, "BLAS threads: 1 (child process)")


if __name__ == "__main__":
    main()

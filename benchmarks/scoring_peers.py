"""CLEAR + Identity + HOTA scoring speed: trackbench against roboflow ``trackers.eval``, TrackEval and motmetrics.

Run: ``python benchmarks/scoring_peers.py --shared DATA [--samples 10] [--out DIR]``
(``DATA`` holds ``mot15/`` and ``mot17/``).

Input: the 7 shared sequences with gt (MOT15 TUD-Campus and TUD-Stadtmitte,
MOT17-02/04/05/10/11-FRCNN, 4,291 frames), each with the result file of
trackbench's SORT on the public detections, written once by this script
(MOTChallenge text, TrackEval's layout).  MOT17 sequences are scored with the
MOTChallenge preprocessing (distractor matches removed, pedestrians only), the
TUD ones without.

Every sample of every system runs in a fresh Python process (``--child``),
BLAS on one thread; the child imports its library first (import time reported
apart), then times reading the files and computing CLEAR, Identity and HOTA
for every sequence plus the combined row, as the library's own entry point does
it.  Systems, rotated in order from sample to sample:

* ``trackbench``: ``evaluate_folders`` (what ``bench eval`` runs) with the
  default fast engine, one process;
* ``trackbench-library``: the same with ``engine="library"`` (motmetrics'
  accumulator, TrackEval's HOTA loop): the speed before the fast engine;
* ``rf``: roboflow ``trackers.eval.evaluate_mot_sequences`` (2.6.x), if installed
  (it always keeps class 1 only, so its copy of the MOT15 gt, class -1, says 1);
* ``trackeval``: ``trackeval.Evaluator`` + ``MotChallenge2DBox`` (HOTA, CLEAR,
  Identity; MOT15 and MOT17 style in two calls), serial;
* ``motmetrics``: ``compare_to_groundtruth`` + ``compute_many`` (CLEAR + ID
  only; it has no MOTChallenge preprocessing, so it is handed files that hold
  only the rows trackbench's preprocessing scored, made outside its timing).

Every system's MOTA, IDF1, HOTA and IDsw per sequence are compared with
trackbench's (printed; HOTA only where the system computes it).  Times are the
median over samples; the table gives frames per second and the ratio to
trackbench.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

TUD = ("TUD-Campus", "TUD-Stadtmitte")
MOT17 = ("MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN")
SYSTEMS = ("trackbench", "trackbench-library", "rf", "trackeval", "motmetrics")


# --------------------------------------------------------------------------- preparation (parent)


def prepare(shared: Path, root: Path) -> dict[str, int]:
    """Write gt (MOT layout), SORT results and motmetrics' pre-filtered copies under ``root``; lengths."""
    from trackbench.datasets import load_dataset
    from trackbench.datasets.motfile import read_mot_file
    from trackbench.harness.metrics.preprocess import preprocess
    from trackbench.trackers.sort.tracker import Sort

    lengths = {}
    for dataset, names in (("mot15", TUD), ("mot17", MOT17)):
        for seq in load_dataset(dataset, shared / dataset, list(names)):
            bench = "MOT15" if dataset == "mot15" else "MOT17"
            gt_dir = root / "gt" / bench / seq.name
            (gt_dir / "gt").mkdir(parents=True, exist_ok=True)
            gt_file = _gt_file(shared, dataset, seq.name)
            shutil.copyfile(gt_file, gt_dir / "gt" / "gt.txt")
            (gt_dir / "seqinfo.ini").write_text(f"[Sequence]\nname={seq.name}\nseqLength={seq.info.length}\n")
            # roboflow 2.6 always scores class 1 (pedestrian) only; MOT15 gt has class -1, so its copy says 1.
            rf_dir = root / "gt-rf" / bench / seq.name / "gt"
            rf_dir.mkdir(parents=True, exist_ok=True)
            rows = [line.split(",") for line in gt_file.read_text().split()]
            if bench == "MOT15":
                rows = [r[:7] + ["1"] + r[8:] for r in rows]
            (rf_dir / "gt.txt").write_text("".join(",".join(r) + "\n" for r in rows))
            tracker = Sort()
            tracker.reset(seq.info)
            lines = []
            for frame in range(1, seq.info.length + 1):
                out = tracker.update(None, seq.detections.detections(frame))
                for i, (x1, y1, x2, y2) in zip(out.ids, out.boxes):
                    lines.append(f"{frame},{i},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},1,-1,-1,-1")
            res_dir = root / "res" / bench / "sort" / "data"
            res_dir.mkdir(parents=True, exist_ok=True)
            (res_dir / f"{seq.name}.txt").write_text("\n".join(lines) + "\n")
            lengths[seq.name] = seq.info.length
            # motmetrics' inputs: only the rows trackbench's preprocessing scores.
            gt = read_mot_file(gt_dir / "gt" / "gt.txt", "gt")
            res = read_mot_file(res_dir / f"{seq.name}.txt", "result")
            data = preprocess(gt, res, seq.eval_spec, seq.info.length)
            mm_dir = root / "mm" / seq.name
            mm_dir.mkdir(parents=True, exist_ok=True)
            for name, table, rows in (("gt.txt", gt, data.gt_rows), ("res.txt", res, data.tracker_rows)):
                (mm_dir / name).write_text("".join(
                    f"{f},{i},{x1!r},{y1!r},{x2 - x1!r},{y2 - y1!r},1,-1,-1,-1\n"
                    for f, i, (x1, y1, x2, y2) in zip(table.frames[rows], table.ids[rows], table.boxes[rows].tolist())))
    return lengths


def _gt_file(shared: Path, dataset: str, name: str) -> Path:
    for candidate in (shared / dataset / name / "gt" / "gt.txt", shared / dataset / "train" / name / "gt" / "gt.txt"):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"no gt for {name} under {shared / dataset}")


# --------------------------------------------------------------------------- one system (child process)


def child(system: str, root: Path, lengths: dict[str, int]) -> dict[str, Any]:
    t0 = time.perf_counter()
    run = _loader(system)(root, lengths)
    t1 = time.perf_counter()
    numbers = run()
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "score_s": t2 - t1, "numbers": numbers}


def _loader(system: str) -> Callable[[Path, dict[str, int]], Callable[[], dict[str, dict[str, float]]]]:
    return {"trackbench": _trackbench("fast"), "trackbench-library": _trackbench("library"), "rf": _rf,
            "trackeval": _trackeval, "motmetrics": _motmetrics}[system]


def _trackbench(engine: str):
    def load(root: Path, lengths: dict[str, int]):
        from trackbench.harness.metrics.folders import evaluate_folders

        def run():
            out = {}
            for bench in ("MOT15", "MOT17"):
                df = evaluate_folders(root / "gt" / bench, root / "res" / bench / "sort" / "data", engine=engine)
                for name, row in df.iterrows():
                    if name != "COMBINED":
                        out[name] = {"MOTA": row["MOTA"], "IDF1": row["IDF1"], "HOTA": row["HOTA"],
                                     "IDsw": int(row["IDsw"])}
            return out
        return run
    return load


def _rf(root: Path, lengths: dict[str, int]):
    from trackers.eval import evaluate_mot_sequences

    def run():
        out = {}
        for bench in ("MOT15", "MOT17"):
            res = evaluate_mot_sequences(root / "gt-rf" / bench, root / "res" / bench / "sort" / "data",
                                         metrics=["CLEAR", "HOTA", "Identity"])
            for name, seq in res.sequences.items():
                out[name] = {"MOTA": 100 * seq.CLEAR.MOTA, "IDF1": 100 * seq.Identity.IDF1,
                             "HOTA": 100 * seq.HOTA.HOTA, "IDsw": int(seq.CLEAR.IDSW)}
        return out
    return run


def _trackeval(root: Path, lengths: dict[str, int]):
    import numpy as np
    import trackeval

    def run():
        out = {}
        evaluator = trackeval.Evaluator({"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False,
                                         "TIME_PROGRESS": False, "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False,
                                         "PLOT_CURVES": False, "LOG_ON_ERROR": None})
        metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
                   trackeval.metrics.Identity({"PRINT_CONFIG": False})]
        for bench, names in (("MOT15", TUD), ("MOT17", MOT17)):
            dataset = trackeval.datasets.MotChallenge2DBox({
                "GT_FOLDER": str(root / "gt" / bench), "TRACKERS_FOLDER": str(root / "res" / bench),
                "OUTPUT_FOLDER": str(root / "te-out"), "BENCHMARK": bench, "SKIP_SPLIT_FOL": True,
                "SEQ_INFO": {n: lengths[n] for n in names}, "DO_PREPROC": bench != "MOT15", "PRINT_CONFIG": False,
                "TRACKERS_TO_EVAL": ["sort"]})
            res, _ = evaluator.evaluate([dataset], metrics)
            for name, by_class in res["MotChallenge2DBox"]["sort"].items():
                if name != "COMBINED_SEQ":
                    r = by_class["pedestrian"]
                    out[name] = {"MOTA": 100 * float(r["CLEAR"]["MOTA"]), "IDF1": 100 * float(r["Identity"]["IDF1"]),
                                 "HOTA": 100 * float(np.mean(r["HOTA"]["HOTA"])), "IDsw": int(r["CLEAR"]["IDSW"])}
        return out
    return run


def _motmetrics(root: Path, lengths: dict[str, int]):
    import motmetrics as mm

    from trackbench.harness.metrics.motmetrics_numpy2 import ensure_motmetrics_numpy2

    ensure_motmetrics_numpy2()  # motmetrics' own IoU code needs np.asfarray

    def run():
        accs, names = [], []
        for name in lengths:
            gt = mm.io.loadtxt(str(root / "mm" / name / "gt.txt"), fmt="mot15-2D", min_confidence=1)
            res = mm.io.loadtxt(str(root / "mm" / name / "res.txt"), fmt="mot15-2D")
            accs.append(mm.utils.compare_to_groundtruth(gt, res, "iou", distth=0.5))
            names.append(name)
        mh = mm.metrics.create()
        summary = mh.compute_many(accs, names=names, metrics=["mota", "idf1", "num_switches"], generate_overall=True)
        return {n: {"MOTA": 100 * float(summary.loc[n, "mota"]), "IDF1": 100 * float(summary.loc[n, "idf1"]),
                    "IDsw": int(summary.loc[n, "num_switches"])} for n in names}
    return run


# --------------------------------------------------------------------------- driver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, help="folder holding mot15/ and mot17/")
    parser.add_argument("--samples", type=int, default=10, help="fresh processes per system (median counts)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of " + ",".join(SYSTEMS))
    parser.add_argument("--out", type=Path, default=None, help="working folder (default: a temporary one, removed)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lengths = json.loads((args.root / "lengths.json").read_text())
        print(json.dumps(child(args.child, args.root, lengths)))
        return 0
    if args.shared is None:
        parser.error("--shared is required")
    import tempfile

    root = args.out or Path(tempfile.mkdtemp(prefix="scoring-peers-"))
    lengths = prepare(args.shared, root)
    (root / "lengths.json").write_text(json.dumps(lengths))
    frames = sum(lengths.values())
    systems = [s for s in args.systems.split(",") if s]
    if "rf" in systems and not _importable("trackers.eval"):
        print("rf: roboflow `trackers` is not installed (pip install 'trackers>=2.6,<3'); left out")
        systems.remove("rf")
    print(f"{len(lengths)} sequences, {frames} frames; load average at start {os.getloadavg()}")
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    for k in range(args.samples):
        order = systems[k % len(systems):] + systems[: k % len(systems)]
        for system in order:
            proc = subprocess.run([sys.executable, __file__, "--child", system, "--root", str(root)],
                                  capture_output=True, text=True, cwd="/", check=False)
            if proc.returncode:
                raise SystemExit(f"{system} failed:\n{proc.stderr[-3000:]}")
            runs[system].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"load average at end {os.getloadavg()}")
    base = statistics.median(r["score_s"] for r in runs["trackbench"]) if "trackbench" in runs else None
    print(f"\n| system | scoring s (median of {args.samples}) | frames/s | trackbench is … faster | import s |")
    print("|---|---|---|---|---|")
    for system, samples in runs.items():
        secs = statistics.median(r["score_s"] for r in samples)
        imp = statistics.median(r["import_s"] for r in samples)
        ratio = f"{secs / base:.2f}×" if base else "-"
        print(f"| {system} | {secs:.3f} | {frames / secs:,.0f} | {ratio} | {imp:.2f} |")
    if "trackbench" in runs:
        ref = runs["trackbench"][0]["numbers"]
        print("\nagreement with trackbench (max |difference| over sequences; IDsw: sequences that differ):")
        for system, samples in runs.items():
            theirs = samples[0]["numbers"]
            parts = []
            for key in ("MOTA", "IDF1", "HOTA"):
                diffs = [abs(theirs[n][key] - ref[n][key]) for n in ref if n in theirs and key in theirs[n]]
                if diffs:
                    parts.append(f"{key} {max(diffs):.2e}")
            idsw = [n for n in ref if n in theirs and theirs[n]["IDsw"] != ref[n]["IDsw"]]
            parts.append(f"IDsw differs on {idsw or 'none'}")
            print(f"  {system}: " + ", ".join(parts))
    if args.out is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())

"""`bench tune` on real MOT17: the measurements of issue 19's closing note (never a test: minutes to hours).

Each step runs the exact ``bench tune`` command it prints, under ``/usr/bin/time``
semantics (wall, user and system seconds of the child) with ``uptime`` before
and after, because these numbers come from a shared machine where other jobs
run too; then it prints the tables the run folder holds.  Steps::

    python benchmarks/tune_mot17.py yolox    [--trials 20]   # a. LOSO, sort/bytetrack/ocsort/rolo, YOLOX dets
    python benchmarks/tune_mot17.py yolox --trials 50 --trackers rolo   # one tracker per run (runs side by side)
    python benchmarks/tune_mot17.py frcnn    [--trials 10]   # a. the same on the FRCNN public detections
    python benchmarks/tune_mot17.py budget100 [--jobs 1 2]   # c. 100 trials of bytetrack, --cv none, per -j
    python benchmarks/tune_mot17.py pareto   [--trials 60]   # d. HOTA vs Hz front of bytetrack -> PNG
    python benchmarks/tune_mot17.py prune    [--trials 20]   # 3. --prune vs the yolox step's tune (no --prune)
    python benchmarks/tune_mot17.py roboflow [--trials 30]   # b. roboflow `trackers tune` vs bench tune
    python benchmarks/tune_mot17.py resume   [--trials 30]   # e. kill -9 mid-study, resume, compare
    python benchmarks/tune_mot17.py summarise RUN [RUN...]   # the tables of finished tune runs

Data: ``--shared`` (default ``../shared`` beside the checkout, else /work/shared):
``data/mot17`` (five train sequences with gt) and ``data/mot17-yolox``.
Runs go under ``--results`` (default /tmp/tunebench/results), records under
``--records`` as JSON (one per step).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TRACKERS = "sort,bytetrack,ocsort,rolo"


def shared_root(given: str | None) -> Path:
    for candidate in ([Path(given)] if given else []) + [ROOT.parent / "shared", Path("/work/shared")]:
        if (candidate / "data" / "mot17").is_dir():
            return candidate
    sys.exit("no shared data (data/mot17): pass --shared")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def timed(command: list[str], log: Path, cwd: Path | None = None) -> dict:
    """Run ``command`` (output to ``log``); wall, user and system seconds of the child, load before and after."""
    before, start = uptime(), time.perf_counter()
    with open(log, "w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    return {"command": " ".join(command), "wall_s": round(wall, 1), "user_s": round(usage.ru_utime, 1),
            "sys_s": round(usage.ru_stime, 1), "exit": os.waitstatus_to_exitcode(status),
            "uptime_before": before, "uptime_after": uptime(), "log": str(log)}


def bench_tune(results: Path, name: str, data: Path, detections: str, trackers: str, trials: int,
               *extra: str) -> list[str]:
    return ["bench", "tune", "-t", trackers, "-d", "mot17", "--data-root", str(data / "mot17"),
            "--detections", detections, "--trials", str(trials), "--seed", "0", "--results", str(results),
            "--name", name, *extra]


# --------------------------------------------------------------------------- summaries


def completed_trials(run: Path) -> pd.DataFrame:
    trials = pd.read_csv(run / "trials.csv")
    counted = trials["state"].eq("COMPLETE")
    if "reason" in trials.columns:
        counted |= trials["reason"].astype(str).str.startswith("stopped by the pruner")
    return trials[counted]


def frames_tracked(run: Path, trackers: list[str] | None = None) -> int:
    """Frames the trials of ``run`` tracked (a stopped trial counts only the sequences it ran)."""
    manifest = json.loads((run / "manifest.json").read_text())
    frames = manifest["frames"]
    train = {f["name"]: f["train"] for f in manifest.get("folds", [])}
    train["all"] = manifest["sequences"]
    total = 0
    for _, row in pd.read_csv(run / "trials.csv").iterrows():
        if trackers and row["tracker"] not in trackers:
            continue
        if row["state"] not in ("COMPLETE", "PRUNED") or (row["state"] == "PRUNED" and pd.isna(row.get("sequences run"))):
            continue  # rejected settings never run
        sequences = train[row["fold"]]
        done = int(row["sequences run"]) if "sequences run" in row and pd.notna(row["sequences run"]) else len(sequences)
        total += sum(frames[s] for s in sequences[:done])
    return total


def cache_saving(run: Path) -> dict:
    """What the unit cache saved: trial units asked for vs units actually tracked (recorded once each)."""
    manifest = json.loads((run / "manifest.json").read_text())
    train = {f["name"]: f["train"] for f in manifest.get("folds", [])}
    train["all"] = manifest["sequences"]
    trials = pd.read_csv(run / "trials.csv")
    ran = trials[trials["state"].eq("COMPLETE") | trials.get("sequences run", pd.Series(dtype=float)).notna()]
    asked = 0
    for _, row in ran.iterrows():
        seqs = train[row["fold"]]
        asked += int(row["sequences run"]) if "sequences run" in row and pd.notna(row["sequences run"]) else len(seqs)
    tracked = sum(1 for _ in (run / "trials").rglob("*.json")) if (run / "trials").is_dir() else 0
    return {"units_asked": asked, "unit_records": tracked}


def summarise(run: Path) -> None:
    print(f"\n## {run.name}")
    manifest = json.loads((run / "manifest.json").read_text())
    print("status:", manifest.get("status"), "| objective:", manifest.get("objective"), "| budget:",
          manifest.get("budget"), "| prune:", manifest.get("prune", False))
    print((run / "heldout.md").read_text().split("\n\n")[0])
    print((run / "folds.md").read_text().split("\n\n")[0])
    trials = pd.read_csv(run / "trials.csv")
    state = trials["state"].copy()
    if "reason" in trials.columns:  # PRUNED is either a rejected setting or a trial the pruner stopped
        reason = trials["reason"].astype(str)
        state[reason.str.startswith("stopped by the pruner")] = "STOPPED (pruner)"
        state[(trials["state"] == "PRUNED") & ~reason.str.startswith("stopped by the pruner")] = "REJECTED"
    print(trials.assign(state=state).groupby(["tracker", "state"]).size().unstack(fill_value=0).to_string())
    spent = trials.groupby("tracker")["seconds"].sum()
    print("trial seconds per tracker (sum of finished trials' wall time):",
          ", ".join(f"{t} {s:.0f}" for t, s in spent.items()))
    print("frames tracked by trials:", frames_tracked(run), "| unit cache:", cache_saving(run))
    print("best_params.json:", json.dumps(json.loads((run / "best_params.json").read_text())["trackers"]))


# --------------------------------------------------------------------------- steps


def step_loso(args, name: str, detections: str) -> dict:
    if args.trackers != TRACKERS:  # one tracker per run (e.g. two runs side by side): the studies are the same
        name += "_" + args.trackers.replace(",", "_")
    command = bench_tune(args.results, name, args.shared / "data", detections, args.trackers, args.trials,
                         "-j", str(args.jobs[-1]))
    record = timed(command, args.records / f"{name}.log")
    summarise(args.results / name)
    return record


def step_budget100(args) -> dict:
    """100 trials of bytetrack on the five sequences, ``--cv none``, once per ``--jobs`` value (one after the
    other, same machine): wall and CPU time, and the median seconds of a completed trial."""
    records = {}
    for jobs in args.jobs:
        name = f"bytetrack_cvnone{args.trials}_j{jobs}"
        command = bench_tune(args.results, name, args.shared / "data", str(args.shared / "data" / "mot17-yolox"),
                             "bytetrack", args.trials, "--cv", "none", "-j", str(jobs))
        record = timed(command, args.records / f"{name}.log")
        trials = pd.read_csv(args.results / name / "trials.csv")
        done = trials[trials["state"].eq("COMPLETE")]
        record.update(trials_started=len(trials), trials_completed=len(done),
                      median_trial_s=round(float(done["seconds"].median()), 3),
                      trial_seconds_sum=round(float(trials["seconds"].sum()), 1),
                      best_hota=round(float(done["HOTA"].max()), 2))
        summarise(args.results / name)
        records[f"-j {jobs}"] = record
    return records


def step_pareto(args) -> dict:
    name = f"bytetrack_pareto{args.trials}"
    command = bench_tune(args.results, name, args.shared / "data", str(args.shared / "data" / "mot17-yolox"),
                         "bytetrack", args.trials, "--cv", "none", "--objective", "HOTA,Hz")
    record = timed(command, args.records / "pareto.log")
    record["figure"] = str(pareto_figure(args.results / name))
    summarise(args.results / name)
    print((args.results / name / "pareto" / "bytetrack.all.csv").read_text())
    return record


def pareto_figure(run: Path) -> Path:
    """The front as benchmarks/figures/tune_bytetrack_pareto_mot17.png (the chart bench publish draws)."""
    from trackbench.harness.tune.report import pareto_chart

    trials = pd.read_csv(run / "trials.csv")
    front = pd.read_csv(run / "pareto" / "bytetrack.all.csv")
    png = pareto_chart(trials, front, "bytetrack", ["HOTA", "Hz"])
    out = ROOT / "benchmarks" / "figures" / "tune_bytetrack_pareto_mot17.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    return out


def step_prune(args) -> dict:
    """--prune on the yolox step's tune (same seed, budget, data; studies are per tracker, so its
    bytetrack and ocsort studies are the baseline whatever else that run tuned)."""
    dets = str(args.shared / "data" / "mot17-yolox")
    baseline = args.baseline or args.results / f"yolox_loso{args.trials}"
    name = f"prune_on{args.trials}"
    command = bench_tune(args.results, name, args.shared / "data", dets, args.prune_trackers, args.trials, "--prune")
    record = {name: timed(command, args.records / f"{name}.log")}
    summarise(args.results / name)
    keep = args.prune_trackers.split(",")
    for run in [r for r in (baseline, args.results / name) if (r / "heldout.csv").is_file()]:
        trials = pd.read_csv(run / "trials.csv")
        mine = trials[trials["tracker"].isin(keep)]
        record.setdefault("trial_seconds", {})[run.name] = round(float(mine["seconds"].sum()), 1)
        record.setdefault("frames_tracked", {})[run.name] = frames_tracked(run, keep)
        held = pd.read_csv(run / "heldout.csv")
        record.setdefault("heldout", {})[run.name] = held[held["tracker"].isin(keep)].to_dict(orient="records")
    return record


def _rf_staging(args) -> Path:
    """roboflow's tuner reads <gt-dir>/<seq>.txt and <detections-dir>/<seq>.txt: links to the shared files."""
    stage = args.records / "rf_data"
    for kind in ("gt", "det"):
        (stage / kind).mkdir(parents=True, exist_ok=True)
    for seq in sorted((args.shared / "data" / "mot17" / "train").iterdir()):
        short = seq.name.rsplit("-", 1)[0]  # MOT17-02-FRCNN -> MOT17-02, the YOLOX file's name
        for kind, source in (("gt", seq / "gt" / "gt.txt"), ("det", args.shared / "data" / "mot17-yolox" / f"{short}.txt")):
            link = stage / kind / f"{short}.txt"
            if not link.exists():
                link.symlink_to(source)
    return stage


RF_SCRIPT = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
from trackers.tune import Tuner
stage, trials, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tuner = Tuner("bytetrack", gt_dir=f"{stage}/gt", detections_dir=f"{stage}/det", objective="HOTA",
              metrics=["HOTA"], n_trials=trials, seed=0)
t0 = time.perf_counter()
best = tuner.run()
json.dump({"best_params": best, "best_hota": tuner.study.best_value, "seconds": time.perf_counter() - t0,
           "trials": len(tuner.study.trials)}, open(out, "w"), indent=2)
"""


def step_roboflow(args) -> dict:
    stage = _rf_staging(args)
    out = args.records / "rf_best.json"
    script = args.records / "rf_tune.py"
    script.write_text(RF_SCRIPT)
    # run outside the checkout: its trackers/ folder would shadow roboflow's installed `trackers` package
    rf = timed([sys.executable, str(script), str(stage), str(args.trials), str(out)], args.records / "rf.log",
               cwd=args.records)
    name = f"bytetrack_cvnone{args.trials}"
    if not (args.results / name / "heldout.csv").is_file():
        ours = timed(bench_tune(args.results, name, args.shared / "data", str(args.shared / "data" / "mot17-yolox"),
                                "bytetrack", args.trials, "--cv", "none"), args.records / f"{name}.log")
    else:
        ours = {"note": f"reused {name}"}
    found = json.loads(out.read_text()) if out.is_file() else {}
    record = {"roboflow": {**rf, **found}, "bench": ours}
    if found:  # roboflow's best, scored by trackbench (its tuner used frame_rate 30 for every sequence)
        params = [x for k, v in found["best_params"].items() for x in ("-p", f"{k}={v}")]
        rescore = ["bench", "run", "-t", "rf.bytetrack", *params, "-p", "frame_rate=30", "-d", "mot17",
                   "--data-root", str(args.shared / "data" / "mot17"), "--detections",
                   str(args.shared / "data" / "mot17-yolox"), "--results", str(args.results), "--name", "rf_best_rescored"]
        record["rescored"] = timed(rescore, args.records / "rf_rescored.log")
        print((args.results / "rf_best_rescored" / "leaderboard.md").read_text().split("\n\n")[0])
    summarise(args.results / name)
    return record


def _complete(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.Error:
        return 0


def step_resume(args) -> dict:
    dets = str(args.shared / "data" / "mot17-yolox")
    whole, cut = f"resume_whole{args.trials}", f"resume_killed{args.trials}"
    record = {"whole": timed(bench_tune(args.results, whole, args.shared / "data", dets, "bytetrack", args.trials,
                                        "--cv", "none"), args.records / f"{whole}.log")}
    command = bench_tune(args.results, cut, args.shared / "data", dets, "bytetrack", args.trials, "--cv", "none")
    with open(args.records / f"{cut}.log", "w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        db = args.results / cut / "study.db"
        while _complete(db) < args.trials // 2 and child.poll() is None:
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    record["killed_after_complete"] = _complete(db)
    record["resumed"] = timed(["bench", "tune", "--results", str(args.results), "--resume", cut],
                              args.records / f"{cut}.resume.log")
    a = json.loads((args.results / whole / "best_params.json").read_text())
    b = json.loads((args.results / cut / "best_params.json").read_text())
    ta, tb = completed_trials(args.results / whole), completed_trials(args.results / cut)
    params = [c for c in ta.columns if c.startswith("param ")]
    record["same_best_params"] = a == b
    record["same_completed_trials"] = ta[params + ["HOTA"]].reset_index(drop=True).equals(
        tb[params + ["HOTA"]].reset_index(drop=True))
    record["trial_states_killed_run"] = pd.read_csv(args.results / cut / "trials.csv")["state"].value_counts().to_dict()
    print(json.dumps(record, indent=2))
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["yolox", "frcnn", "budget100", "pareto", "prune", "roboflow", "resume",
                                         "summarise"])
    parser.add_argument("runs", nargs="*", type=Path, help="summarise: run folders")
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--trackers", default=TRACKERS, help="yolox/frcnn: the trackers of this run")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="budget100: -j values, run in turn; yolox/frcnn: the last one")
    parser.add_argument("--prune-trackers", default="bytetrack,ocsort")
    parser.add_argument("--baseline", type=Path, default=None, help="prune: the tune without --prune")
    parser.add_argument("--shared", default=None)
    parser.add_argument("--results", type=Path, default=Path("/tmp/tunebench/results"))
    parser.add_argument("--records", type=Path, default=Path("/tmp/tunebench/records"))
    args = parser.parse_args()
    if args.step == "summarise":
        for run in args.runs:
            summarise(run)
        return
    args.shared = shared_root(args.shared)
    args.records.mkdir(parents=True, exist_ok=True)
    defaults = {"yolox": 20, "frcnn": 10, "budget100": 100, "pareto": 60, "prune": 20, "roboflow": 30, "resume": 30}
    args.trials = args.trials or defaults[args.step]
    if args.step == "yolox":
        record = step_loso(args, f"yolox_loso{args.trials}", str(args.shared / "data" / "mot17-yolox"))
    elif args.step == "frcnn":
        record = step_loso(args, f"frcnn_loso{args.trials}", "FRCNN")
    else:
        record = globals()[f"step_{args.step}"](args)
    (args.records / f"{args.step}.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(json.dumps(record, indent=2, default=str))


if __name__ == "__main__":
    main()

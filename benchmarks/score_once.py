"""Issue 14's harness costs, measured in one sitting: sweeps that score once, warm caches without torch, scoring share.

Run: ``.venv/bin/python benchmarks/score_once.py [--shared PATH] [--rounds N]``

Printed (with ``uptime`` load; every CLI figure is a fresh process timed from outside, imports included):

1. Deep SORT on MOT17-05-FRCNN with precomputed vectors: one run (λ=0) and an
   11-point λ sweep, interleaved ``--rounds`` times; their wall-time ratio.
2. The same sweep's scoring alone, in this process, on its 11 result files:
   one ``count_sequence`` per unit (what every run did before: gt preprocessed
   and every result counted each time) against ``count_sequences`` (gt
   prepared once per sequence, identical results counted once); counts must
   be equal.
3. ``bench run --trackers deepsort -p embedder=reid`` on PETS09-S2L1: cold
   cache, then warm, each in a fresh interpreter that reports whether torch
   was imported.
4. ``bench run --trackers sort --dataset mot17``: wall time and the share
   spent in scoring (``score_units``) and in trackers' ``update``.
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

ROOT = Path(__file__).resolve().parents[1]
SEQ = "MOT17-05-FRCNN"

PHASES = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
import trackbench.harness.cli.run as run
spent = {"scoring": 0.0}
real = run.score_units
def timed(*a, **k):
    t = time.perf_counter()
    try:
        return real(*a, **k)
    finally:
        spent["scoring"] += time.perf_counter() - t
run.score_units = timed
out = run.execute(run.RunRequest(trackers=["sort"], dataset="mot17", data_root=Path(sys.argv[1]),
                                 results=Path(sys.argv[2]), name="sort", format="json"))
print(json.dumps({"inside": time.perf_counter() - t0, "scoring": spent["scoring"],
                  "tracking": sum(u.tracker_seconds for u in out.units)}))
"""

WARM = """
import json, sys, time
from typer.testing import CliRunner
from trackbench.harness.cli.app import app
out = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": out.exit_code, "torch": "torch" in sys.modules}))
"""


def bench(*args: str, env: dict | None = None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "bench"), *args], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg", **(env or {})})
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return time.perf_counter() - t0


def py(code: str, *args: str, env: dict | None = None) -> tuple[float, dict]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg", **(env or {})})
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def sweep_vs_run(shared: Path, out: Path, rounds: int) -> Path:
    common = ["-d", "mot17", "--data-root", str(shared / "mot17"), "-s", SEQ, "-p", "embedder=precomputed",
              "-p", f"features={shared / 'mot17-features'}", "--results", str(out)]
    runs, sweeps = [], []
    for r in range(rounds):
        runs.append(bench("run", "--trackers", "deepsort", "-p", "lambda=0", *common, "--name", f"run{r}"))
        sweeps.append(bench("sweep", "--tracker", "deepsort", "--param", "lambda=0:1:0.1", *common, "--name", f"sweep{r}"))
    print(f"1. MOT17-05 precomputed ({uptime()})")
    print(f"   one run   {', '.join(f'{t:.1f}' for t in runs)} s  (median {np.median(runs):.1f})")
    print(f"   11-pt sweep {', '.join(f'{t:.1f}' for t in sweeps)} s  (median {np.median(sweeps):.1f})")
    print(f"   sweep / run: {np.median(sweeps) / np.median(runs):.2f}x  (target <= 2.5x)")
    return out / "sweep0"


def scoring_once(shared: Path, sweep_dir: Path, rounds: int) -> None:
    from trackbench.datasets.mot_scoring import scoring_benchmark, spec_for_benchmark
    from trackbench.datasets.motfile import read_mot_file
    from trackbench.harness.metrics.evaluate import SequenceJob, count_sequence, count_sequences, finalize

    gt = read_mot_file(shared / "mot17" / "train" / SEQ / "gt" / "gt.txt", "gt")
    spec = spec_for_benchmark(scoring_benchmark(SEQ, gt))
    files = sorted(sweep_dir.glob(f"mot17/*/data/{SEQ}.txt"))
    jobs = [SequenceJob(f.parent.parent.name, gt, read_mot_file(f, "result"), spec, 837) for f in files]
    before, after = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        old = [count_sequence(j.gt, j.result, j.spec, j.num_frames, name=j.name) for j in jobs]
        before.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        new = count_sequences(jobs)
        after.append(time.perf_counter() - t0)
    same = all(finalize(a) == finalize(b) for a, b in zip(old, new))
    distinct = len({f.read_bytes() for f in files})
    print(f"2. scoring the sweep's {len(jobs)} result files ({distinct} distinct) in-process ({uptime()})")
    print(f"   per unit (before) {np.median(before):.2f} s, score once (after) {np.median(after):.2f} s: "
          f"{np.median(before) / np.median(after):.1f}x less; metrics identical: {same}")


def warm_cache(shared: Path, out: Path) -> None:
    env = {"TRACKBENCH_CACHE": tempfile.mkdtemp(prefix="cache-i14-")}
    args = ["run", "-t", "deepsort", "-d", "mot15", "--data-root", str(shared / "mot15"), "-s", "PETS09-S2L1",
            "-p", "embedder=reid", "-p", "device=cpu", "--results", str(out)]
    cold_s, cold = py(WARM, *args, "--name", "cold", env=env)
    warm_s, warm = py(WARM, *args, "--name", "warm", env=env)
    units = {n: json.loads((out / n / "manifest.json").read_text())["units"][0] for n in ("cold", "warm")}
    print(f"3. Deep SORT + reid on PETS09-S2L1 ({uptime()})")
    for name, wall, rep in (("cold", cold_s, cold), ("warm", warm_s, warm)):
        u = units[name]
        print(f"   {name}: {wall:.1f} s wall, vectors {u['embed_source']} in {u['embed_seconds']:.2f} s, "
              f"torch imported: {rep['torch']}")


def sort_phases(shared: Path, out: Path, rounds: int) -> None:
    print(f"4. bench run --trackers sort --dataset mot17 ({uptime()})")
    for r in range(rounds):
        wall, p = py(PHASES, str(shared / "mot17"), str(out / f"sort{r}"))
        print(f"   wall {wall:.1f} s: scoring {p['scoring']:.1f} s ({100 * p['scoring'] / wall:.0f} %), "
              f"tracking {p['tracking']:.1f} s, imports+loading+writing {wall - p['scoring'] - p['tracking']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="the shared data folder")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved repetitions of each timing")
    ap.add_argument("--only", default="1234", help="which parts to run, e.g. 13")
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="score-once-"))
    if "1" in args.only or "2" in args.only:
        sweep_dir = sweep_vs_run(args.shared, out, args.rounds if "1" in args.only else 1)
        if "2" in args.only:
            scoring_once(args.shared, sweep_dir, args.rounds)
    if "3" in args.only:
        warm_cache(args.shared, out)
    if "4" in args.only:
        sort_phases(args.shared, out, args.rounds)


if __name__ == "__main__":
    main()

"""What an 11-point λ sweep of Deep SORT costs next to a single run (PETS09-S2L1).

Run: ``.venv/bin/python benchmarks/sweep_cost.py [--embedder SPEC] [--shared PATH] [--results DIR]``

Both are timed end to end (wall clock) as the CLI runs them, each starting
from its own **empty** embedding cache (``$TRACKBENCH_CACHE`` pointed at a
fresh folder), so each computes the appearance vectors once:

- single: ``bench run --trackers deepsort --dataset mot15 --sequences PETS09-S2L1 --param embedder=SPEC``
- sweep:  ``bench sweep --tracker deepsort ... --param lambda=0:1:0.1 --param embedder=SPEC``

The sweep's first setting computes the vectors and the other ten read them from
the cache, so the sweep should cost well under 11 single runs (target: < 2.5×).
The default embedder is the ONNX re-id model in ``../shared/models`` when the
``onnx`` embedder is registered, else ``histogram``.  Printed: both wall times,
their ratio, where the time went (embedding / tracking / the rest: loading,
scoring, writing), and the sweep's plot.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from trackbench.harness.runs.features import CACHE_ENV  # noqa: E402
from trackbench.harness.cli.run import RunRequest, execute  # noqa: E402
from trackbench.harness.cli.sweep import SweepRequest, execute_sweep  # noqa: E402
from trackbench.trackers.embedders import available as embedders_available  # noqa: E402

SEQUENCE = "PETS09-S2L1"


def default_embedder(shared: Path) -> str:
    model = shared.parent / "models" / "osnet_x0_25_msmt17.onnx"
    if "onnx" in embedders_available() and model.is_file():
        return f"onnx:{model}"
    return "histogram"


def _split(units) -> dict[str, float]:
    ran = [u for u in units if not u.skipped]
    if len(ran) != len(units):
        raise SystemExit("; ".join(f"{u.variant}: {u.skipped}" for u in units if u.skipped))
    return {"embed": sum(u.embed_seconds for u in ran), "track": sum(u.tracker_seconds for u in ran),
            "computed": sum(u.embed_source == "computed" for u in ran)}


def measure(spec: str, shared: Path, results: Path, device: str = "auto", points: str = "0:1:0.1") -> dict:
    """Wall time of one run and of a λ sweep, each from an empty embedding cache."""
    data_root = shared / "mot15"
    if not (data_root / SEQUENCE / "img1").is_dir():
        raise SystemExit(f"needs {data_root / SEQUENCE}/img1 (see ../shared/README.md)")
    fixed = [f"embedder={spec}", f"device={device}"]
    common = dict(dataset="mot15", data_root=data_root, sequences=[SEQUENCE], results=results)
    saved = os.environ.get(CACHE_ENV)
    try:
        os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="cache-single-")
        t0 = time.perf_counter()
        single = execute(RunRequest(trackers=["deepsort"], params=fixed, name="single", **common))
        t_single = time.perf_counter() - t0
        os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="cache-sweep-")
        t0 = time.perf_counter()
        sweep = execute_sweep(SweepRequest(trackers=["deepsort"], params=[f"lambda={points}"] + fixed,
                                           name="sweep", **common))
        t_sweep = time.perf_counter() - t0
    finally:
        if saved is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = saved
    return {"spec": spec, "single_s": t_single, "sweep_s": t_sweep, "ratio": t_sweep / t_single,
            "single": _split(single.units), "sweep": _split(sweep.run.units), "settings": len(sweep.settings),
            "table": sweep.table, "plot": sweep.plot}


def report(m: dict) -> None:
    print(f"Deep SORT on {SEQUENCE}, embedder {m['spec']}, each from an empty cache")
    print(f"{'':24s}{'wall s':>8s}{'embed s':>9s}{'track s':>9s}{'other s':>9s}  vectors computed")
    for name, t, parts in (("single run", m["single_s"], m["single"]),
                           (f"sweep, {m['settings']} settings", m["sweep_s"], m["sweep"])):
        other = t - parts["embed"] - parts["track"]
        print(f"{name:24s}{t:8.1f}{parts['embed']:9.1f}{parts['track']:9.2f}{other:9.1f}  {parts['computed']}x")
    print(f"sweep / single: {m['ratio']:.2f}x  (target < 2.5x)")
    table = m["table"]
    if table is not None:
        cols = [c for c in ("lambda", "MOTA", "IDF1", "HOTA", "IDsw") if c in table.columns]
        print(table[cols].round(2).to_string())
    print(f"plot: {m['plot']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default=None, help="embedder spec (default: onnx:<shared osnet> if registered, else histogram)")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="the shared data folder")
    ap.add_argument("--results", type=Path, default=None, help="where the run folders go (default: a temp dir)")
    ap.add_argument("--device", default="auto", help="device for a deep embedder (auto, cpu, cuda)")
    args = ap.parse_args()
    spec = args.embedder or default_embedder(args.shared)
    results = args.results or Path(tempfile.mkdtemp(prefix="sweep-cost-"))
    report(measure(spec, args.shared, results, args.device))


if __name__ == "__main__":
    main()

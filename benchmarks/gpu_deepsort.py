"""Deep SORT checks for a GPU machine (runs in well under 2 minutes; prints its numbers).

Run: ``.venv/bin/python benchmarks/gpu_deepsort.py [--embedder SPEC] [--shared PATH]``

1. Fidelity on MOT17-05-FRCNN with the precomputed deep_sort vectors (CPU
   work; checks the tracker on this machine): MOTA / IDF1 / IDsw against the
   reference's 47.6 / 60.1 / 22, and our tracker-only frames/s.
2. The sweep cost with a deep embedder on the GPU: one run vs an 11-point λ
   sweep on PETS09-S2L1, each from an empty embedding cache (see
   ``benchmarks/sweep_cost.py``).  On a GPU the embedding is cheap, so this is
   the hard case for the "sweep < 2.5× a single run" target.  Embedder:
   ``mobilenet`` (torch) when torch sees a GPU, else ``onnx:<shared osnet>``,
   else ``histogram``; ``--embedder`` overrides.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import sweep_cost  # noqa: E402
from deepsort_fidelity import REFERENCE, SEQUENCE, fidelity  # noqa: E402
from trackbench.trackers.embedders import available as embedders_available  # noqa: E402


def describe_device() -> str:
    parts = []
    try:
        import torch

        parts.append(f"torch {torch.__version__}, cuda available: {torch.cuda.is_available()}"
                     + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))
    except ImportError:
        parts.append("torch not installed")
    try:
        import onnxruntime as ort

        parts.append(f"onnxruntime providers: {', '.join(ort.get_available_providers())}")
    except ImportError:
        parts.append("onnxruntime not installed")
    return "; ".join(parts)


def _torch_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pick_embedder(shared: Path) -> str:
    """mobilenet when torch sees a GPU; else the ONNX model (quick enough on CPU); else histogram."""
    names = embedders_available()
    if "mobilenet" in names and _torch_cuda():
        return "mobilenet"
    model = shared.parent / "models" / "osnet_x0_25_msmt17.onnx"
    if "onnx" in names and model.is_file():
        return f"onnx:{model}"
    return "histogram"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default=None, help="embedder spec for the sweep-cost check")
    ap.add_argument("--device", default="auto", help="embedder device (auto, cuda, cpu)")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="the shared data folder")
    args = ap.parse_args()
    print(describe_device())
    results = Path(tempfile.mkdtemp(prefix="gpu-deepsort-"))

    t0 = time.perf_counter()
    harness, plain, _ = fidelity(args.shared, results)
    print(f"\n[1] fidelity {SEQUENCE}: MOTA {harness['MOTA']:.1f}  IDF1 {harness['IDF1']:.1f}  IDsw {harness['IDsw']}"
          f"  (reference {REFERENCE['MOTA']} / {REFERENCE['IDF1']} / {REFERENCE['IDsw']}; plain motmetrics "
          f"{plain['MOTA']:.1f} / {plain['IDF1']:.1f} / {plain['IDsw']})  tracker {harness['Hz (runner)']:.0f} frames/s"
          f"  [{time.perf_counter() - t0:.1f} s]")

    spec = args.embedder or pick_embedder(args.shared)
    print(f"\n[2] sweep cost, embedder {spec}, device {args.device}")
    sweep_cost.report(sweep_cost.measure(spec, args.shared, results, args.device))


if __name__ == "__main__":
    main()

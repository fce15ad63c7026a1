"""Appearance-embedding throughput (crops/s) per embedder and batch size, and re-id quality on PETS09.

Run: ``.venv/bin/python benchmarks/embedding_throughput.py [--device cpu] [--threads N]
[--batch-sizes 1,8,32,128] [--crops 256] [--siamese CKPT] [--onnx MODEL] [--shared PATH] [--quality]``

Crops: real gt crops of PETS09-S2L1 (``../shared``) when present, else crops cut
from the built-in synth dataset.  Embedders: ``reid`` (Deep SORT's default, the
small re-id network shipped inside trackbench), ``histogram``, ``mobilenet``
(ImageNet MobileNetV2), ``onnx:<osnet_x0_25_msmt17>`` (when the shared model is
there), ``siamese`` (``--siamese`` checkpoint, else an untrained network of the
seed's size).  ``--threads 1`` gives the one-core figure.

Timed: ``embed_crops`` over all crops, called with ``batch-size`` crops at a time
(and the embedder's internal batch set to the same), after one warm-up call;
preprocessing (resize, colour conversion, normalisation) included, as the
feature cache pays it.  The best of ``--repeat`` runs.  Time is wall-clock: on a
shared machine the load average (printed) inflates it; ``--threads`` sets torch's
and onnxruntime's CPU threads.

``--quality`` also scores rank-1 / mAP on PETS09-S2L1 identities (every 10th
frame, 5 queries per identity, gallery crops of the query's identity under 50
frames away ignored), so speed and quality can be read side by side.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared"


def real_or_synth_crops(shared: Path, n: int) -> tuple[list[np.ndarray], str]:
    from trackbench.harness.training.reid.crops import CropRules, crops_from_sequence

    pets = shared / "data" / "mot15"
    if (pets / "PETS09-S2L1" / "img1").is_dir():
        from trackbench.datasets import load_dataset

        seq = load_dataset("mot15", pets, ["PETS09-S2L1"])[0]
        crops = crops_from_sequence(seq, CropRules(every=5, min_height=1, min_visibility=0.0))
        label = "PETS09-S2L1 gt crops"
    else:
        from trackbench.datasets import load_dataset

        seq = load_dataset("synth", sequences=["synth-01"])[0]
        crops = crops_from_sequence(seq, CropRules(every=3, min_height=1))
        label = "synth-01 gt crops"
    images = crops.images[:n]
    while len(images) < n:
        images = images + images[: n - len(images)]
    sizes = np.array([im.shape[:2] for im in images])
    return images, f"{label} (median {int(np.median(sizes[:, 1]))}x{int(np.median(sizes[:, 0]))} px)"


def make_embedders(args) -> dict:
    from trackbench.trackers.embedders import create_embedder

    out = {"reid": lambda: create_embedder("reid", device=args.device),
           "histogram": lambda: create_embedder("histogram")}
    out["mobilenet"] = lambda: create_embedder("mobilenet", device=args.device)
    onnx = Path(args.onnx) if args.onnx else SHARED / "models" / "osnet_x0_25_msmt17.onnx"
    if onnx.is_file():
        def make_onnx():
            from trackbench.trackers.embedders.onnx_model import OnnxEmbedder

            return OnnxEmbedder(onnx, device=args.device, threads=args.threads or None)
        out[f"onnx:{onnx.name}"] = make_onnx

    def make_siamese():
        from trackbench.trackers.embedders.siamese import SiameseEmbedder, SiameseNet

        if args.siamese:
            return SiameseEmbedder.from_checkpoint(args.siamese, device=args.device)
        import torch

        torch.manual_seed(0)
        return SiameseEmbedder(SiameseNet(), device=args.device)
    out["siamese" + (f":{Path(args.siamese).name}" if args.siamese else " (untrained)")] = make_siamese
    return out


def time_embedder(emb, crops: list[np.ndarray], batch: int, repeat: int) -> float:
    if hasattr(emb, "batch_size") and not getattr(emb, "fixed_batch", None):
        emb.batch_size = batch
    emb.embed_crops(crops[:batch])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for start in range(0, len(crops), batch):
            emb.embed_crops(crops[start:start + batch])
        best = min(best, time.perf_counter() - t0)
    return len(crops) / best


def quality(emb, shared: Path) -> str:
    from trackbench.datasets import load_dataset
    from trackbench.harness.training.reid.crops import CropRules, crops_from_sequence
    from trackbench.harness.training.reid.evaluate import evaluate_embedder

    seq = load_dataset("mot15", shared / "data" / "mot15", ["PETS09-S2L1"])[0]
    crops = crops_from_sequence(seq, CropRules(every=10))
    s0 = evaluate_embedder(emb, crops, junk_frames=0)
    s = evaluate_embedder(emb, crops, junk_frames=50)
    return f"rank-1 {s.rank1:.1%} mAP {s.mAP:.1%} (no junk: {s0.rank1:.1%} / {s0.mAP:.1%})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch/onnxruntime CPU threads (0: library default)")
    ap.add_argument("--batch-sizes", default="1,8,32,128")
    ap.add_argument("--crops", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--siamese", default=None, help="siamese checkpoint (default: untrained network, same cost)")
    ap.add_argument("--onnx", default=None)
    ap.add_argument("--only", default=None, help="comma-separated name prefixes to run")
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--quality", action="store_true", help="also rank-1/mAP on PETS09-S2L1 identities")
    args = ap.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    crops, label = real_or_synth_crops(args.shared, args.crops)
    batches = [int(b) for b in args.batch_sizes.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(crops)} crops: {label}; device {args.device}; torch threads {torch.get_num_threads()}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at start")
    print(f"{'embedder':28s} {'dim':>5s} " + " ".join(f"{'bs ' + str(b):>9s}" for b in batches) + "  (crops/s)")
    for name, make in make_embedders(args).items():
        if args.only and not any(name.startswith(p) for p in args.only.split(",")):
            continue
        emb = make()
        rates = [time_embedder(emb, crops, b, args.repeat) for b in batches]
        line = f"{name:28s} {emb.dim:5d} " + " ".join(f"{r:9.1f}" for r in rates)
        if args.quality and (args.shared / "data" / "mot15" / "PETS09-S2L1").is_dir():
            line += "   " + quality(emb, args.shared)
        print(line, flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} at the end")


if __name__ == "__main__":
    main()

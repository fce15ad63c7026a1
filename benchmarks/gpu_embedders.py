"""GPU checks of the appearance embedders (runs in well under 2 minutes; prints its numbers).

Run: ``.venv/bin/python benchmarks/gpu_embedders.py [--crops 1024] [--cpu-crops 128] [--siamese CKPT] [--onnx MODEL]``

For each torch embedder (``mobilenet``, ``siamese``: the ``--siamese`` checkpoint,
else an untrained seeded network) and, when present, ``onnx:<osnet>``:

1. ``device=auto`` must pick CUDA, and torch embedders must run in half precision.
2. CUDA outputs ≈ CPU outputs on the same crops: per-crop cosine similarity of
   the fp16 CUDA vector and the fp32 CPU vector ≥ 0.995 (min and mean printed),
   and each crop's nearest neighbour among the others is the same on both.
3. Throughput in crops/s: CUDA fp16 (all crops in one ``embed_crops`` call, the
   embedder's batch of 256 per forward pass) against the CPU (fp32, batch 32).
4. A few ``train-reid`` steps on CUDA (the training path on a GPU).

Crops: real gt crops of PETS09-S2L1 when ``../shared`` is present, else crops
cut from the built-in synth dataset (the device machine may have no shared data).
Exit status 1 when a check fails; "SKIP" lines say what could not be checked.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from embedding_throughput import SHARED, real_or_synth_crops  # noqa: E402

MIN_COSINE = 0.995


def rate(emb, crops: list[np.ndarray], sync, repeat: int = 3) -> float:
    """Best of ``repeat`` passes, after a warm-up at the full batch size (kernel choice, allocator)."""
    emb.embed_crops(crops[: getattr(emb, "batch_size", 8)])
    emb.embed_crops(crops)
    sync()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        emb.embed_crops(crops)
        sync()
        best = min(best, time.perf_counter() - t0)
    preprocess = getattr(emb, "preprocess", None)
    if preprocess is not None:  # how much of it is CPU-side crop resizing and upload
        t0 = time.perf_counter()
        for i in range(0, len(crops), getattr(emb, "batch_size", 256)):
            preprocess(crops[i : i + getattr(emb, "batch_size", 256)])
        sync()
        print(f"    {type(emb).__name__}: preprocessing alone {len(crops) / (time.perf_counter() - t0):,.0f} crops/s")
    return len(crops) / best


def compare(name: str, gpu: np.ndarray, cpu: np.ndarray) -> bool:
    cos = np.sum(gpu * cpu, axis=1)
    nn_gpu = np.argsort(-(gpu @ gpu.T), axis=1)[:, 1]
    nn_cpu = np.argsort(-(cpu @ cpu.T), axis=1)[:, 1]
    agree = float(np.mean(nn_gpu == nn_cpu))
    ok = bool(cos.min() >= MIN_COSINE and agree >= 0.95)
    print(f"  {'PASS' if ok else 'FAIL'} {name}: cuda vs cpu cosine min {cos.min():.5f} mean {cos.mean():.5f}; "
          f"nearest neighbour agrees for {agree:.1%} of crops; max |diff| {np.abs(gpu - cpu).max():.2e}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--crops", type=int, default=1024, help="crops for the CUDA throughput")
    ap.add_argument("--cpu-crops", type=int, default=128, help="crops for the CPU throughput and the comparison")
    ap.add_argument("--siamese", default=None)
    ap.add_argument("--onnx", default=None)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--cpu-dry-run", action="store_true", help="exercise the script without a GPU (the 'cuda' side runs on the CPU)")
    args = ap.parse_args()

    import torch

    from trackbench.trackers.embedders import create_embedder
    from trackbench.trackers.embedders.siamese import SiameseEmbedder, SiameseNet

    print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}"
          + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))
    dry = args.cpu_dry_run
    if not torch.cuda.is_available() and not dry:
        print("SKIP: no CUDA device; nothing to check on GPU")
        return 0
    sync = (lambda: None) if dry else torch.cuda.synchronize
    gpu_device = "cpu" if dry else "auto"
    t_start = time.perf_counter()
    crops, label = real_or_synth_crops(args.shared, args.crops)
    small = crops[: args.cpu_crops]
    print(f"crops: {label}; {len(crops)} for CUDA, {len(small)} for CPU and the comparison")
    failures = 0

    def siamese(device: str):
        if args.siamese:
            return SiameseEmbedder.from_checkpoint(args.siamese, device=device)
        torch.manual_seed(0)
        net = SiameseNet()
        with torch.no_grad():  # non-trivial BatchNorm statistics, as after training
            for m in net.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 2.0)
        return SiameseEmbedder(net, device=device)

    makers = {"mobilenet": lambda d: create_embedder("mobilenet", device=d), "siamese": siamese}
    print(f"{'embedder':12s} {'cuda fp16 crops/s':>18s} {'cpu fp32 crops/s':>17s} {'speed-up':>9s}")
    rows = []
    for name, make in makers.items():
        try:
            gpu = make(gpu_device)
        except ImportError as exc:
            print(f"SKIP {name}: {exc}")
            continue
        if not dry and (gpu.device.type != "cuda" or not gpu.half):
            print(f"  FAIL {name}: device=auto gave {gpu.device} half={gpu.half}, expected cuda and half precision")
            failures += 1
        cpu = make("cpu")
        failures += not compare(name, gpu.embed_crops(small), cpu.embed_crops(small))
        g, c = rate(gpu, crops, sync), rate(cpu, small, lambda: None)
        rows.append((name, g, c))
        print(f"{name:12s} {g:18.0f} {c:17.0f} {g / c:8.1f}x", flush=True)
        del gpu
        if not dry:
            torch.cuda.empty_cache()

    onnx = Path(args.onnx) if args.onnx else args.shared / "models" / "osnet_x0_25_msmt17.onnx"
    try:
        import onnxruntime as ort

        providers = ort.get_available_providers()
    except ImportError:
        providers = []
    if not onnx.is_file():
        print(f"SKIP onnx: no model at {onnx}")
    elif "CUDAExecutionProvider" not in providers:
        print(f"SKIP onnx on CUDA: onnxruntime has no CUDAExecutionProvider (providers: {', '.join(providers) or 'none'}; "
              "install onnxruntime-gpu)")
    else:
        gpu = create_embedder(f"onnx:{onnx}", device="cuda")
        cpu = create_embedder(f"onnx:{onnx}", device="cpu")
        failures += not compare("onnx", gpu.embed_crops(small), cpu.embed_crops(small))
        g, c = rate(gpu, crops[:512], lambda: None), rate(cpu, small, lambda: None)
        print(f"{'onnx':12s} {g:18.0f} {c:17.0f} {g / c:8.1f}x  (fp32 on CUDA; fixed batch {gpu.fixed_batch})")

    # 4. Training steps on CUDA.
    from trackbench.datasets import load_dataset
    from trackbench.harness.training.reid.crops import CropRules, crops_from_sequences, split_identities
    from trackbench.harness.training.reid.train import TrainConfig, train_siamese

    data = crops_from_sequences(load_dataset("synth"), CropRules(every=10))
    train, held = split_identities(data, 0.2, seed=0)
    t0 = time.perf_counter()
    result = train_siamese(train, TrainConfig(epochs=2, steps_per_epoch=15, device=gpu_device), held_out=held)
    ok = (dry or result.device.startswith("cuda")) and all(np.isfinite(r["loss"]) for r in result.history)
    failures += not ok
    print(f"  {'PASS' if ok else 'FAIL'} train-reid on {result.device}: 30 steps of 64 crops in {time.perf_counter() - t0:.1f} s, "
          f"loss {result.history[0]['loss']:.3f} -> {result.history[-1]['loss']:.3f}, held-out rank-1 "
          f"{result.before.rank1:.1%} -> {result.after.rank1:.1%}")
    print(f"{'all checks passed' if not failures else f'{failures} check(s) FAILED'} in {time.perf_counter() - t_start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Which file a ``checkpoint=`` names, and that file as a forward pass (K, T, F) → (K, 8).

Two kinds of file run:

- ``.onnx`` (the shipped default, and what ``bench train-rolo`` / ``bench
  export-onnx`` write beside every checkpoint): onnxruntime, no torch.  The
  checkpoint's plain fields (model shape, window length, normalisation,
  embedder) travel inside the file as trackbench metadata.
- ``.pt`` (a ``bench train-rolo`` checkpoint): needs torch, which runs the
  trained network itself, on the CPU or a named CUDA device.

Providers come from :mod:`trackbench.trackers.core.ort_session` with
``gpu_on_auto=False``: one small batch per frame is faster on the CPU, so the
CUDA provider is used only when ``device`` names cuda.  Loaded models are
cached per file version and device, so a sweep's units share one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from trackbench.trackers.core import ort_session
from trackbench.trackers.rolo.checkpoint import FORMAT, VERSION, load_checkpoint
from trackbench.trackers.rolo.model import Normalisation

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
#: The shipped training output (torch); ``checkpoint=<this file>`` runs it through torch.
DEFAULT_CHECKPOINT = CHECKPOINT_DIR / "rolo_mot17_synth.pt"
#: The same weights exported to ONNX: what ``checkpoint=default`` runs.
DEFAULT_ONNX = DEFAULT_CHECKPOINT.with_suffix(".onnx")
DEFAULT_TRAIN_COMMAND = ("bench train-rolo --dataset mot17 --data-root <MOT17>/train --augment-synth 6 --synth-seed 1 "
                         "--epochs 8 --seed 0 --threads 1 --device cpu --no-resumable --out rolo_mot17_synth.pt")


def resolve_checkpoint(spec: str) -> Path:
    """``default`` (or empty) → the shipped ONNX file; anything else is a path."""
    return DEFAULT_ONNX if spec in ("", "default") else Path(spec).expanduser()


@dataclass
class LoadedModel:
    meta: dict[str, Any]  # the checkpoint's plain fields (model, normalisation, embedder, ...)
    steps: int
    embedder: str
    feature_dim: int
    norm: Any
    forward: Callable[[np.ndarray], np.ndarray]  # (K, T, F) float32 -> (K, 8)


_CACHE: dict[tuple[str, str, int, int], LoadedModel] = {}


def _missing(path: Path) -> FileNotFoundError:
    if path in (DEFAULT_CHECKPOINT, DEFAULT_ONNX):
        return FileNotFoundError(
            f"the shipped ROLO checkpoint is missing ({path}); reinstall trackbench, or train one with "
            f"`{DEFAULT_TRAIN_COMMAND}` and pass --param checkpoint=rolo_mot17_synth.onnx")
    return FileNotFoundError(
        f"no ROLO checkpoint at {path}: train one with `bench train-rolo --out {path.with_suffix('.pt')}` "
        "(e.g. `bench train-rolo --dataset mot17 --data-root ~/data/MOT17/train --out rolo.pt`, which writes "
        "rolo.pt and rolo.onnx), or leave checkpoint unset for the shipped model")


def load_model(path: Path, device: str = "auto") -> LoadedModel:
    """The checkpoint's best weights as a callable, cached per file version and device."""
    if not path.is_file():
        raise _missing(path)
    stat = os.stat(path)
    key = (str(path.resolve()), device, stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        meta, forward = _onnx_forward(path, device) if path.suffix.lower() == ".onnx" else _torch_forward(path, device)
        _CACHE[key] = _loaded(path, meta, forward)
    return _CACHE[key]


def _loaded(path: Path, meta: dict[str, Any], forward: Callable[[np.ndarray], np.ndarray]) -> LoadedModel:
    try:
        m = meta["model"]
        return LoadedModel(meta, int(m["steps"]), str(meta["embedder"]), int(m["appearance_dim"]),
                           Normalisation.from_dict(meta["normalisation"]), forward)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: incomplete ROLO checkpoint ({exc!r}); train a new one with `bench train-rolo`") from None


def _onnx_forward(path: Path, device: str) -> tuple[dict[str, Any], Callable[[np.ndarray], np.ndarray]]:
    """onnxruntime session of an exported checkpoint, and its metadata (checked like a .pt's tag)."""
    session = ort_session.open_session(path, device, threads=1, gpu_on_auto=False)
    meta = ort_session.trackbench_metadata(session)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a ROLO model exported by trackbench (no {FORMAT!r} metadata); "
                         "convert a checkpoint with `bench export-onnx <checkpoint.pt>`")
    if meta.get("version") != VERSION:
        raise ValueError(f"{path} is a ROLO model of version {meta.get('version')}; this trackbench reads "
                         f"version {VERSION}; re-export it with `bench export-onnx <checkpoint.pt>`")
    inp, out = session.get_inputs()[0].name, session.get_outputs()[0].name

    def forward(x: np.ndarray) -> np.ndarray:
        return session.run([out], {inp: np.ascontiguousarray(x, np.float32)})[0]

    return meta, forward


def _torch_forward(path: Path, device: str) -> tuple[dict[str, Any], Callable[[np.ndarray], np.ndarray]]:
    """A torch checkpoint run by torch itself, on the CPU or a named CUDA device.

    The ONNX export beside it (written by training and ``bench export-onnx``) is the fast path; a ``.pt``
    runs where torch is, with the network that was trained, rather than a third copy of the LSTM.
    """
    try:
        import torch
    except ImportError:
        raise ImportError(f"rolo checkpoint {path.name} is a torch file and PyTorch is not installed: pip install "
                          f"torch, or run its ONNX export (`bench export-onnx {path.name}` where torch is)") from None
    from trackbench.trackers.core.device import resolve_device
    from trackbench.trackers.rolo.checkpoint import build_model

    meta = load_checkpoint(path)
    try:
        state = meta["best_state"] if meta.get("best_state") is not None else meta["model_state"]
        net = build_model(meta)
        net.load_state_dict(state)
    except (KeyError, RuntimeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise ValueError(f"{path}: weights do not fit the ROLO model ({first}); retrain with `bench train-rolo`") from None
    target = resolve_device(device) if device.startswith("cuda") else torch.device("cpu")
    net.to(target).eval()

    def forward(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return net(torch.from_numpy(np.ascontiguousarray(x, np.float32)).to(target)).float().cpu().numpy()

    return meta, forward

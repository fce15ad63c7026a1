"""``siamese:<checkpoint>``: the seed article's Gaussian-masked siamese network.

The network sees each crop squashed to 128×128, multiplied by a centred 2-D
Gaussian (σ = 0.22 of the crop size) so that the background at the box borders
counts less than the object in the middle, then a stack of
convolution → ReLU → BatchNorm blocks (a 5×5 stride-2 stem, 3×3 after it, max
pooling between blocks; 24-48-96-192 channels, small enough to train on a CPU
in minutes); a last strided convolution and BatchNorm leave 64 channels × 4 × 4,
flattened to the 1024-d vector (no ReLU at the end, so vectors may point
anywhere and the loss can push negatives to orthogonal).

Training (``bench train-reid``, :mod:`trackbench.harness.training.reid.train`) uses the seed's
cosine triplet loss :func:`triplet_loss`, ``(1 − cos(a,p))² + cos(a,n)²``.

A checkpoint is a ``torch.save`` dict holding ``format``, ``version``,
``config`` (the architecture), ``state_dict`` and ``metadata`` (what it was
trained on, how, and its held-out rank-1/mAP); it loads with
``weights_only=True``, so loading one runs no code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from trackbench.trackers.core import checkpoint
from trackbench.trackers.embedders.base import IMAGENET_MEAN, IMAGENET_STD
from trackbench.trackers.embedders.torch_device import TorchEmbedder, state_digest

FORMAT = "trackbench.siamese"
VERSION = 1
INPUT_SIZE = 128
SIGMA_FRACTION = 0.22
DIM = 1024


def gaussian_mask(size: int = INPUT_SIZE, sigma_fraction: float = SIGMA_FRACTION) -> np.ndarray:
    """(size, size) float32: exp(−r²/2σ²) around the crop centre, σ = ``sigma_fraction``·size, peak 1."""
    sigma = sigma_fraction * size
    c = (size - 1) / 2.0
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    return np.exp(-((xx - c) ** 2 + (yy - c) ** 2) / (2.0 * sigma**2)).astype(np.float32)


def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """The seed's cosine triplet loss, mean over rows: ``(1 − cos(a,p))² + cos(a,n)²``."""
    cos_p = nn.functional.cosine_similarity(anchor, positive, dim=-1)
    cos_n = nn.functional.cosine_similarity(anchor, negative, dim=-1)
    return ((1.0 - cos_p) ** 2 + cos_n**2).mean()


class SiameseNet(nn.Module):
    """Gaussian mask, conv/ReLU/BatchNorm stack, 1024-d output (see the module docstring)."""

    def __init__(self, size: int = INPUT_SIZE, channels: tuple[int, ...] = (24, 48, 96, 192), dim: int = DIM,
                 sigma_fraction: float = SIGMA_FRACTION) -> None:
        super().__init__()
        # Stride-2 stem, a pool between blocks, a stride-2 last conv: 2 ** (blocks + 1) in all.
        factor = 2 ** (len(channels) + 1)
        final = size // factor
        if final < 1 or size % factor:
            raise ValueError(f"input size {size} must be divisible by {factor}")
        if dim % (final * final):
            raise ValueError(f"dim {dim} must be a multiple of {final}x{final}")
        self.config = {"size": size, "channels": list(channels), "dim": dim, "sigma_fraction": sigma_fraction}
        self.register_buffer("mask", torch.from_numpy(gaussian_mask(size, sigma_fraction)).view(1, 1, size, size))
        layers: list[nn.Module] = []
        c_in = 3
        for i, c_out in enumerate(channels):
            # A 5x5 stride-2 stem, then 3x3 blocks; max pooling between blocks.
            conv = nn.Conv2d(c_in, c_out, 5, stride=2, padding=2, bias=False) if i == 0 else \
                nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
            layers += [conv, nn.ReLU(inplace=True), nn.BatchNorm2d(c_out)]
            if i < len(channels) - 1:
                layers.append(nn.MaxPool2d(2))
            c_in = c_out
        layers += [nn.Conv2d(c_in, dim // (final * final), 3, stride=2, padding=1, bias=False),
                   nn.BatchNorm2d(dim // (final * final)), nn.Flatten()]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x * self.mask)


def save_checkpoint(model: SiameseNet, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write the model and its metadata atomically; returns the path."""
    return checkpoint.save_checkpoint(path, {
        "format": FORMAT,
        "version": VERSION,
        "config": dict(model.config),
        "state_dict": {k: v.detach().float().cpu() if v.is_floating_point() else v.detach().cpu()
                       for k, v in model.state_dict().items()},
        "metadata": metadata or {},
    })


def load_checkpoint(path: str | Path) -> tuple[SiameseNet, dict[str, Any]]:
    """(model, metadata) from a checkpoint written by :func:`save_checkpoint`."""
    payload = checkpoint.load_checkpoint(path, FORMAT, range(1, VERSION + 1), "siamese checkpoint",
                                         f"bench train-reid --out {Path(path).name}")
    cfg = payload["config"]
    model = SiameseNet(size=int(cfg["size"]), channels=tuple(cfg["channels"]), dim=int(cfg["dim"]),
                       sigma_fraction=float(cfg["sigma_fraction"]))
    model.load_state_dict(payload["state_dict"], strict=True)
    return model.eval(), dict(payload.get("metadata", {}))


class SiameseEmbedder(TorchEmbedder):
    name = "siamese"

    def __init__(self, model: SiameseNet, device: str = "auto", batch_size: int = 256,
                 metadata: dict[str, Any] | None = None, checkpoint: str | Path | None = None) -> None:
        self.metadata = metadata or {}
        self.checkpoint = None if checkpoint is None else Path(checkpoint)
        size = int(model.config["size"])
        digest = state_digest(model.state_dict())
        super().__init__(model, (size, size), device=device, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                         batch_size=batch_size, key=f"siamese-{digest}")

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "auto") -> "SiameseEmbedder":
        model, metadata = load_checkpoint(path)
        return cls(model, device=device, metadata=metadata, checkpoint=path)


def create(arg: str | None = None, device: str = "auto") -> SiameseEmbedder:
    """Registry factory: ``siamese:<checkpoint.pt>``."""
    if not arg:
        raise ValueError("the siamese embedder needs trained weights: embedder=siamese:<checkpoint.pt> "
                         "(train one with `bench train-reid --out results/reid/siamese.pt`)")
    return SiameseEmbedder.from_checkpoint(arg, device=device)

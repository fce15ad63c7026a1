"""Training the siamese embedder with the seed's cosine triplet loss.

Batches are P identities × K crops (``batch_size`` = P·K, K = ``crops_per_identity``),
so every crop in a batch has positives and negatives beside it.  Triplets are
formed inside the batch, either

- ``batch-hard`` (default): for each anchor its least similar positive and its
  negative of largest cos² (the term the loss penalises), or
- ``random``: a random positive and a random negative per anchor,

and scored with :func:`trackbench.trackers.embedders.siamese.triplet_loss`,
``(1 − cos(a,p))² + cos(a,n)²``.  Crops are augmented on the fly (mirror, small
shifts and scale changes like a detector's box jitter, brightness/contrast), all
random draws come from generators seeded by ``seed``, so a run on the CPU is
repeatable.  Adam with a cosine learning-rate decay.  Held-out identities are
scored before training and after every epoch (rank-1, mAP).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from trackbench.harness.training.reid.crops import IdentityCrops
from trackbench.harness.training.reid.evaluate import ReidScores, evaluate_features
from trackbench.trackers.embedders.siamese import SiameseNet, triplet_loss
from trackbench.trackers.core.device import resolve_device
from trackbench.trackers.embedders.base import IMAGENET_MEAN, IMAGENET_STD
from trackbench.trackers.embedders.torch_device import batches, resize_stack, to_tensor

MINING = ("batch-hard", "random")


@dataclass
class TrainConfig:
    epochs: int = 15
    batch_size: int = 64  # crops per step: (batch_size // crops_per_identity) identities
    crops_per_identity: int = 4
    lr: float = 1e-3
    weight_decay: float = 5e-4
    mining: str = "batch-hard"
    device: str = "auto"
    seed: int = 0
    augment: bool = True
    channels: tuple[int, ...] = (24, 48, 96, 192)
    input_size: int = 128  # the seed's 128x128 crops
    dim: int = 1024  # output vector length (the seed's 1024)
    steps_per_epoch: int | None = None  # default: one pass over the training crops
    queries_per_identity: int = 5
    junk_frames: int = 0  # see harness.reid.evaluate

    def __post_init__(self) -> None:
        if self.mining not in MINING:
            raise ValueError(f"mining must be one of {', '.join(MINING)}, not {self.mining!r}")
        if self.crops_per_identity < 2:
            raise ValueError("crops_per_identity must be >= 2 (a triplet needs a positive)")
        if self.batch_size < 2 * self.crops_per_identity:
            raise ValueError(f"batch_size must hold at least two identities ({2 * self.crops_per_identity} crops)")
        if self.epochs < 0 or self.lr <= 0:
            raise ValueError("epochs must be >= 0 and lr > 0")


@dataclass
class TrainResult:
    model: SiameseNet
    config: TrainConfig
    history: list[dict[str, Any]] = field(default_factory=list)  # per epoch: loss, held-out scores, seconds
    before: ReidScores | None = None  # held-out scores of the untrained network
    after: ReidScores | None = None
    seconds: float = 0.0
    train_crops: int = 0
    train_identities: int = 0
    device: str = "cpu"

    def summary(self) -> dict[str, Any]:
        return {
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.config).items()},
            "history": self.history,
            "held_out_before": None if self.before is None else self.before.as_dict(),
            "held_out_after": None if self.after is None else self.after.as_dict(),
            "train_seconds": round(self.seconds, 1),
            "train_crops": self.train_crops,
            "train_identities": self.train_identities,
            "device": self.device,
        }


def batch_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, mining: str = "batch-hard",
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """The seed's loss over triplets mined inside a batch (see the module docstring)."""
    e = nn.functional.normalize(embeddings.float(), dim=1)
    with torch.no_grad():
        cos = e @ e.T
        same = labels[:, None] == labels[None, :]
        eye = torch.eye(len(labels), dtype=torch.bool, device=e.device)
        pos_mask, neg_mask = same & ~eye, ~same
        anchors = torch.nonzero(pos_mask.any(1) & neg_mask.any(1)).flatten()
        if len(anchors) == 0:
            raise ValueError("no valid triplet in the batch (needs two crops of one identity and one of another)")
        pos_mask, neg_mask, cos = pos_mask[anchors], neg_mask[anchors], cos[anchors]
        if mining == "batch-hard":
            positive = cos.masked_fill(~pos_mask, math.inf).argmin(1)
            negative = (cos**2).masked_fill(~neg_mask, -math.inf).argmax(1)
        else:
            positive = torch.multinomial(pos_mask.float().cpu(), 1, generator=generator).flatten().to(e.device)
            negative = torch.multinomial(neg_mask.float().cpu(), 1, generator=generator).flatten().to(e.device)
    return triplet_loss(e[anchors], e[positive], e[negative])


class PKSampler:
    """Index batches of P identities × K crops, from a seeded numpy generator."""

    def __init__(self, labels: np.ndarray, batch_size: int, k: int, seed: int) -> None:
        self.k = k
        self.p = batch_size // k
        self.rng = np.random.default_rng(seed)
        self.by_id = {int(i): np.flatnonzero(labels == i) for i in np.unique(labels)}
        self.usable = np.array([i for i, idx in self.by_id.items() if len(idx) >= 2])
        if len(self.usable) < 2:
            raise ValueError("training needs at least two identities with two or more crops each")

    def batch(self) -> np.ndarray:
        ids = self.rng.choice(self.usable, size=min(self.p, len(self.usable)), replace=False)
        parts = []
        for i in ids:
            idx = self.by_id[int(i)]
            parts.append(self.rng.choice(idx, size=self.k, replace=len(idx) < self.k))
        return np.concatenate(parts)


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per-crop mirror, shift/scale jitter and brightness/contrast on a [0, 1] NCHW batch."""
    n = x.shape[0]
    r = torch.rand(n, 6, generator=generator).to(x.device, x.dtype)
    flip = r[:, 0] < 0.5
    x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
    scale = 0.9 + 0.2 * r[:, 1]
    theta = torch.zeros(n, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, 0, 2] = (r[:, 2] - 0.5) * 0.16
    theta[:, 1, 2] = (r[:, 3] - 0.5) * 0.16
    grid = nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    x = nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    brightness = (0.8 + 0.4 * r[:, 4]).view(n, 1, 1, 1)
    contrast = (0.8 + 0.4 * r[:, 5]).view(n, 1, 1, 1)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return ((x - mean) * contrast + mean * brightness).clamp_(0.0, 1.0)


def _normalise(x: torch.Tensor) -> torch.Tensor:
    m = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    s = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return ((x - m) / s).contiguous(memory_format=torch.channels_last)


def embed_with(model: SiameseNet, crops: IdentityCrops, device: torch.device, batch_size: int = 64) -> np.ndarray:
    """L2-normalised vectors of ``crops`` from ``model`` in eval mode (float32; model left in eval mode)."""
    model.eval()
    size = int(model.config["size"])
    out = []
    with torch.inference_mode():
        for part in batches(len(crops), batch_size):
            x = to_tensor(resize_stack(crops.images[part], (size, size)), device)
            out.append(nn.functional.normalize(model(x.contiguous(memory_format=torch.channels_last)).float(), dim=1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, int(model.config["dim"])), np.float32)


def score(model: SiameseNet, crops: IdentityCrops, config: TrainConfig, device: torch.device) -> ReidScores:
    return evaluate_features(embed_with(model, crops, device), crops, config.queries_per_identity, config.seed,
                             config.junk_frames)


def initial_model(config: TrainConfig) -> SiameseNet:
    """The untrained network of a run: same seed, same weights (what training starts from)."""
    torch.manual_seed(config.seed)
    return SiameseNet(size=config.input_size, channels=tuple(config.channels), dim=config.dim)


def train_siamese(train: IdentityCrops, config: TrainConfig = TrainConfig(), held_out: IdentityCrops | None = None,
                  progress: Callable[[str, int, int], None] | None = None,
                  on_epoch: Callable[[dict[str, Any]], None] | None = None,
                  model: SiameseNet | None = None) -> TrainResult:
    """Train a :class:`SiameseNet` on ``train`` crops; score ``held_out`` before and after each epoch.

    ``progress(description, done, total)`` is called after every step (for a progress bar),
    ``on_epoch(row)`` after every epoch with its loss and held-out scores.  ``model``
    (default :func:`initial_model`) is trained in place.
    """
    device = resolve_device(config.device)
    model = model if model is not None else initial_model(config)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    model = model.to(device, memory_format=torch.channels_last)
    size = int(model.config["size"])

    labels = train.labels
    sampler = PKSampler(labels, config.batch_size, config.crops_per_identity, config.seed)
    usable = sum(len(sampler.by_id[int(i)]) for i in sampler.usable)
    stack = torch.from_numpy(resize_stack(train.images, (size, size)))  # (N, H, W, 3) uint8 BGR, on the CPU
    labels_t = torch.from_numpy(labels)
    steps = config.steps_per_epoch or max(1, usable // config.batch_size)
    total = steps * config.epochs

    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / max(total, 1))))
    has_held_out = held_out is not None and len(held_out) > 0
    result = TrainResult(model=model, config=config, train_crops=len(train), train_identities=train.num_identities,
                         device=str(device))
    result.before = score(model, held_out, config, device) if has_held_out else None
    t0 = time.perf_counter()
    done = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        losses = []
        for _ in range(steps):
            idx = torch.from_numpy(sampler.batch())
            x = stack[idx].to(device, non_blocking=True).permute(0, 3, 1, 2).flip(1).float().div_(255.0)
            if config.augment:
                x = augment(x, gen)
            loss = batch_triplet_loss(model(_normalise(x)), labels_t[idx].to(device), config.mining, gen)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(float(loss.detach()))
            done += 1
            if progress is not None:
                progress(f"epoch {epoch}/{config.epochs} loss {np.mean(losses):.3f}", done, total)
        row: dict[str, Any] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 4),
                               "seconds": round(time.perf_counter() - t0, 1)}
        if has_held_out:
            s = score(model, held_out, config, device)
            row.update(rank1=round(s.rank1, 4), mAP=round(s.mAP, 4))
            result.after = s
        result.history.append(row)
        if on_epoch is not None:
            on_epoch(row)
    model.eval()
    result.seconds = time.perf_counter() - t0
    return result

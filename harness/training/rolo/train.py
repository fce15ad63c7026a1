"""Training the ROLO LSTM: windows from gt trajectories → checkpoint with metadata.

``bench train-rolo`` (:mod:`trackbench.harness.cli.train_rolo`) calls :func:`train`.
The loop:

- loads the training and the held-out validation sequences (any dataset with
  gt: MOT15/16/17/20, AI City with gt, ``synth``), attaches appearance vectors
  through :mod:`trackbench.harness.runs.features` when an embedder is chosen, and turns every gt
  track into a :class:`~trackbench.harness.training.rolo.data.Trajectory`;
- each epoch draws fresh artificial dropouts (seeded by ``(seed, epoch)``),
  shuffles with a generator seeded the same way, and minimises a smooth-L1 loss
  on the standardised anchor-relative boxes (next box, plus the refined current
  box at half weight);
- validates on the held-out sequences' real gaps (no artificial dropouts):
  loss and mean IoU of the predicted next box with the true one;
- saves, atomically after every epoch, a checkpoint holding the latest weights,
  the optimiser state and the epoch (``--resume`` continues from there with
  results identical to an uninterrupted run), the weights of the best
  validation epoch (what the tracker uses), and metadata: embedder, ``T``,
  normalisation, data it was trained on, history, time.

Randomness comes only from generators seeded by the configuration, so a run is
reproducible on the same device; CPU is the default, CUDA is used when asked
for or when ``device="auto"`` finds one.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.nn import functional as F

from trackbench.datasets.boxes import paired_iou
from trackbench.datasets.sequence import Sequence
from trackbench.harness.training.rolo.data import INPUTS, Trajectory, Windows, sample_windows, subsample, trajectories
from trackbench.trackers.core.device import resolve_device
from trackbench.trackers.rolo.checkpoint import NO_EMBEDDER, load_checkpoint, save_checkpoint
from trackbench.trackers.rolo.model import Normalisation, decode_boxes, linear_prior, raw_features
from trackbench.trackers.rolo.network import RoloNet, parameter_count



@dataclass
class TrainConfig:
    """Everything that determines a training run (recorded in the checkpoint)."""

    dataset: str = "synth"
    data_root: str | None = None
    sequences: list[str] | None = None  # training sequences (None: all but the validation ones)
    val_sequences: list[str] | None = None  # held out (None: the last sequence)
    embedder: str = NO_EMBEDDER  # "none" (box only), "precomputed" or a crop embedder spec
    features: str | None = None  # folder of precomputed vectors (embedder=precomputed)
    inputs: str = "detections"  # "detections" (matched) or "gt" (jittered gt boxes)
    steps: int = 10  # T: window length in frames
    hidden: int = 64
    epochs: int = 30
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-5
    lr_decay: float = 0.9  # learning rate multiplied by this after every epoch
    strides: tuple[int, ...] = (1, 2)  # temporal subsampling of training tracks (frame-rate augmentation)
    dropout: float = 0.05  # rate at which artificial gaps start (per frame)
    max_gap: int = 5  # longest artificial gap, frames
    seed: int = 0
    device: str = "auto"  # "auto": CUDA when present, else CPU
    threads: int = 1  # CPU threads for torch while training (0: torch's default); small batches like one
    synth_seed: int = 0  # dataset=synth and augment_synth: SynthConfig seed (0 = the benchmark's data)
    synth_count: int = 3  # dataset=synth: number of sequences generated
    augment_synth: int = 0  # synthetic sequences (seed synth_seed) added to a real dataset's training data
    resumable: bool = True  # False: the final file keeps only the best weights (no optimiser state): for shipping

    def validate(self) -> None:
        if self.inputs not in INPUTS:
            raise ValueError(f"--inputs must be one of {', '.join(INPUTS)}, got {self.inputs!r}")
        if self.steps < 2:
            raise ValueError("--steps must be >= 2 (the LSTM needs a history)")
        if self.hidden < 1 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError("--hidden, --epochs and --batch-size must be >= 1")
        if self.lr <= 0:
            raise ValueError("--lr must be > 0")
        if not 0 <= self.dropout < 1:
            raise ValueError("--dropout must lie in [0, 1)")
        if not 0 < self.lr_decay <= 1:
            raise ValueError("--lr-decay must lie in (0, 1]")
        if not self.strides or min(self.strides) < 1:
            raise ValueError("--strides must be positive integers")
        if self.augment_synth < 0:
            raise ValueError("--augment-synth must be >= 0")
        if self.augment_synth and self.dataset.lower() == "synth":
            raise ValueError("--augment-synth adds synthetic sequences to a real dataset; with --dataset synth "
                             "use --synth-count instead")
        if self.embedder != NO_EMBEDDER and self.inputs == "gt":
            raise ValueError("appearance vectors belong to detections: use --inputs detections with an embedder")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["strides"] = list(self.strides)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in d.items() if k in known}
        if "strides" in values:
            values["strides"] = tuple(values["strides"])
        return cls(**values)


@dataclass
class TrainResult:
    path: Path
    history: list[dict[str, float]]
    seconds: float
    parameters: int
    train_windows: int
    val_windows: int
    best_epoch: int
    resumed_from: int = 0
    onnx: Path | None = None  # the ONNX export beside the checkpoint (what the tracker runs without torch)


# --- data ----------------------------------------------------------------------------------------


def load_sequences(config: TrainConfig, names: list[str] | None) -> list[Sequence]:
    if config.dataset.lower() == "synth":
        from trackbench.datasets.synth import SynthConfig, load_synth

        return load_synth(SynthConfig(seed=config.synth_seed, num_sequences=config.synth_count), names)
    from trackbench.datasets import load_dataset

    return load_dataset(config.dataset, config.data_root, names)


def synth_augmentation(config: TrainConfig) -> list[Sequence]:
    """The ``augment_synth`` synthetic sequences (seed ``synth_seed``) that join a real dataset's training data.

    Real annotated motion is scarce (MOT17 train has five sequences); the synthetic
    walkers add more tracks, occlusion gaps and a panning camera at no licence cost.
    """
    if not config.augment_synth:
        return []
    from trackbench.datasets.synth import SynthConfig, load_synth

    return load_synth(SynthConfig(seed=config.synth_seed, num_sequences=config.augment_synth))


def split_sequences(config: TrainConfig) -> tuple[list[Sequence], list[Sequence]]:
    """(training, validation) sequences; validation sequences never train.

    Without ``val_sequences``, validation takes the last synthetic augmentation
    sequence when there is one (so every selected real sequence trains), else
    the last selected sequence.
    """
    train = load_sequences(config, config.sequences)
    extra = synth_augmentation(config)
    if config.val_sequences:
        val = load_sequences(config, config.val_sequences)
    elif len(extra) >= 2:
        val = [extra.pop()]
    else:
        if len(train) < 2:
            raise ValueError("need at least two sequences (one is held out for validation), or name "
                             "--val-sequences explicitly")
        val = [train[-1]]
    held = {s.name for s in val}
    train = [s for s in train if s.name not in held] + extra
    if not train:
        raise ValueError("every selected sequence is a validation sequence: nothing left to train on")
    for s in train + val:
        if s.ground_truth is None:
            raise ValueError(f"sequence {s.name} has no ground truth; ROLO trains on gt trajectories")
    return train, val


def attach_features(seqs: list[Sequence], config: TrainConfig) -> tuple[list[Sequence], str | None, int]:
    """Sequences with appearance vectors (embedder != none); also the embedder key and dimension."""
    if config.embedder == NO_EMBEDDER:
        return seqs, None, 0
    from trackbench.harness.runs.features import with_features
    from trackbench.trackers.embedders import create_embedder, is_precomputed

    out = [with_features(s, config.embedder, config.features, config.device)[0] for s in seqs]
    dims = {s.detections.features.shape[1] for s in out if s.detections.features is not None}
    if len(dims) != 1:
        raise ValueError(f"embedder {config.embedder!r} gave vectors of sizes {sorted(dims)}; expected one size")
    key = "precomputed" if is_precomputed(config.embedder) else create_embedder(config.embedder, config.device).key
    return out, key, dims.pop()


def all_trajectories(seqs: list[Sequence], inputs: str, strides: tuple[int, ...] = (1,)) -> list[Trajectory]:
    base = [t for s in seqs for t in trajectories(s, inputs)]
    return [t for stride in strides for t in subsample(base, stride)]


def fit_normalisation(trajs: list[Trajectory], config: TrainConfig) -> Normalisation:
    """Input and target statistics of the training windows (one fixed draw of dropouts)."""
    w = sample_windows(trajs, config.steps, np.random.default_rng([config.seed, 7919]), config.dropout, config.max_gap)
    raw, anchors, _ = raw_features(w.boxes, w.conf, w.observed, w.width, w.height)
    return Normalisation.fit(raw, w.observed, w.raw_targets(anchors) - linear_prior(raw, w.observed))


# --- loss and validation -------------------------------------------------------------------------


def loss_fn(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Smooth L1 on the next box, plus half weight on the refined current box where gt exists."""
    nxt = F.smooth_l1_loss(pred[:, :4], target[:, :4])
    cur_ok = torch.isfinite(target[:, 4:]).all(dim=1)
    if bool(cur_ok.any()):
        cur = F.smooth_l1_loss(pred[cur_ok, 4:], target[cur_ok, 4:])
        return nxt + 0.5 * cur
    return nxt


@torch.no_grad()
def predict_windows(model: RoloNet, windows: Windows, norm: Normalisation, device: torch.device,
                    batch: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(next boxes, refined current boxes, raw outputs) for every window, in batches."""
    model.eval()
    enc, _ = windows.encode(norm)
    x = enc.x
    outs = []
    for i in range(0, len(x), batch):
        outs.append(model(torch.from_numpy(x[i:i + batch]).to(device)).cpu().numpy())
    out = np.concatenate(outs) if outs else np.zeros((0, 8), np.float32)
    nxt, cur = decode_boxes(out, enc, norm)
    return nxt, cur, out


def evaluate(model: RoloNet, windows: Windows, norm: Normalisation, device: torch.device) -> dict[str, float]:
    """Validation loss, mean next-box IoU overall and after at least one missing step."""
    nxt, _, out = predict_windows(model, windows, norm, device)
    _, y = windows.encode(norm)
    loss = float(loss_fn(torch.from_numpy(out), torch.from_numpy(y)))
    iou = paired_iou(nxt, windows.next_gt)
    gap = windows.gap
    return {"val_loss": loss, "val_iou": float(iou.mean()),
            "val_iou_gap": float(iou[gap > 0].mean()) if (gap > 0).any() else float("nan")}


# --- the loop ------------------------------------------------------------------------------------


def _metadata(config: TrainConfig, norm: Normalisation, embedder_key: str | None, feature_dim: int,
              train: list[Sequence], val: list[Sequence], n_train: int, n_val: int) -> dict[str, Any]:
    return {
        "model": {"hidden": config.hidden, "layers": 1, "steps": config.steps, "appearance_dim": feature_dim},
        "embedder": config.embedder,
        "embedder_key": embedder_key,
        "normalisation": norm.to_dict(),
        "data": {
            "dataset": config.dataset,
            "data_root": config.data_root,
            "train_sequences": [s.name for s in train],
            "val_sequences": [s.name for s in val],
            "inputs": config.inputs,
            "train_windows": n_train,
            "val_windows": n_val,
        },
        "config": config.to_dict(),
    }


def weights_only(payload: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint without what only resuming needs (latest weights, optimiser state).

    What is left: the best epoch's weights (what the tracker runs), the model's
    and the data's plain numbers, normalisation, history.  A shipped checkpoint
    is written this way (``--no-resumable``).
    """
    out = {k: v for k, v in payload.items() if k not in ("model_state", "optimizer_state")}
    if out.get("best_state") is None:
        out["best_state"] = payload["model_state"]
    return out


def train(config: TrainConfig, out: str | Path, resume: str | Path | None = None,
          on_epoch: Callable[[dict[str, float]], None] | None = None,
          progress: Any | None = None, export_onnx: bool = True) -> TrainResult:
    """Train (or continue training) and write the checkpoint to ``out`` after every epoch.

    With ``resume``, the model, optimiser, epoch count, normalisation and the
    training configuration come from that checkpoint; only ``config.epochs``
    (the total to reach) and ``config.device`` are taken from ``config``.
    ``progress`` is a rich ``Progress`` (or None) advanced once per batch.
    With ``export_onnx``, the finished checkpoint's best weights are also written
    as ``<out>.onnx`` (:mod:`trackbench.harness.training.onnx_export`), the file
    the tracker runs without torch; without the ``onnx`` package that step is skipped.
    """
    threads = torch.get_num_threads()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    try:
        result = _train(config, out, resume, on_epoch, progress)
    finally:
        torch.set_num_threads(threads)
    if export_onnx:
        from trackbench.harness.training.onnx_export import export_checkpoint

        try:
            result.onnx = export_checkpoint(result.path)
        except ImportError:
            result.onnx = None  # no onnx package: the caller says how to convert later
    return result


def _train(config: TrainConfig, out: str | Path, resume: str | Path | None,
           on_epoch: Callable[[dict[str, float]], None] | None, progress: Any | None) -> TrainResult:
    out = Path(out).expanduser()
    state: dict[str, Any] | None = None
    if resume is not None:
        state = load_checkpoint(resume)
        if "optimizer_state" not in state:
            raise ValueError(f"{resume} holds weights only (written with --no-resumable): it cannot be resumed")
        saved = TrainConfig.from_dict(state["config"])
        config = dataclasses.replace(saved, epochs=config.epochs, device=config.device, threads=config.threads)
    config.validate()
    device = resolve_device(config.device)
    train_seqs, val_seqs = split_sequences(config)
    train_seqs, embedder_key, feature_dim = attach_features(train_seqs, config)
    val_seqs, _, _ = attach_features(val_seqs, config)
    train_trajs = all_trajectories(train_seqs, config.inputs, config.strides)
    val_trajs = all_trajectories(val_seqs, config.inputs)
    if not train_trajs or not val_trajs:
        raise ValueError("no ground-truth tracks in the " + ("training" if not train_trajs else "validation") + " sequences")
    val_windows = sample_windows(val_trajs, config.steps, None, 0.0, config.max_gap)
    if len(val_windows) == 0:
        raise ValueError("the validation sequences give no windows (no detection matches their gt)")
    norm = Normalisation.from_dict(state["normalisation"]) if state else fit_normalisation(train_trajs, config)

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = RoloNet(hidden=config.hidden, appearance_dim=feature_dim)
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    start_epoch, history, seconds = 0, [], 0.0
    best_state, best_epoch, best_loss = None, 0, float("inf")
    if state is not None:
        if int(state["model"]["appearance_dim"]) != feature_dim:
            raise ValueError(f"{resume}: trained with {state['model']['appearance_dim']}-d vectors, the data now gives {feature_dim}")
        model.load_state_dict(state["model_state"])
        optimiser.load_state_dict(state["optimizer_state"])
        start_epoch = int(state["training"]["epochs_done"])
        history = list(state["training"]["history"])
        seconds = float(state["training"]["seconds"])
        best_state, best_epoch = state["best_state"], int(state["training"]["best_epoch"])
        best_loss = min((h["val_loss"] for h in history), default=float("inf"))

    first = sample_windows(train_trajs, config.steps, np.random.default_rng([config.seed, 0]), config.dropout, config.max_gap)
    meta = _metadata(config, norm, embedder_key, feature_dim, train_seqs, val_seqs, len(first), len(val_windows))
    batches = -(-len(first) // config.batch_size)
    task = progress.add_task("train-rolo", total=batches * max(config.epochs - start_epoch, 0)) if progress else None

    for epoch in range(start_epoch, config.epochs):
        t0 = time.perf_counter()
        rng = np.random.default_rng([config.seed, epoch])
        windows = first if epoch == 0 else sample_windows(train_trajs, config.steps, rng, config.dropout, config.max_gap)
        enc, y = windows.encode(norm)
        x = enc.x
        gen = torch.Generator().manual_seed(config.seed * 1_000_003 + epoch)
        order = torch.randperm(len(x), generator=gen)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        for group in optimiser.param_groups:
            group["lr"] = config.lr * config.lr_decay ** epoch
        model.train()
        total, count = 0.0, 0
        for i in range(0, len(order), config.batch_size):
            idx = order[i:i + config.batch_size]
            xb, yb = xt[idx].to(device), yt[idx].to(device)
            optimiser.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            total += float(loss.detach()) * len(idx)
            count += len(idx)
            if progress is not None:
                progress.update(task, advance=1, description=f"epoch {epoch + 1}/{config.epochs} loss {total / count:.4f}")
        metrics = evaluate(model, val_windows, norm, device)
        elapsed = time.perf_counter() - t0
        seconds += elapsed
        row = {"epoch": epoch + 1, "train_loss": total / max(count, 1), **metrics, "seconds": elapsed}
        history.append(row)
        if metrics["val_loss"] < best_loss:
            best_loss, best_epoch = metrics["val_loss"], epoch + 1
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        payload = dict(meta)
        payload["training"] = {
            "epochs_done": epoch + 1, "history": history, "seconds": seconds, "best_epoch": best_epoch,
            "device": str(device), "torch": str(torch.__version__), "parameters": parameter_count(model),
        }
        payload["model_state"] = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        payload["best_state"] = best_state
        payload["optimizer_state"] = optimiser.state_dict()
        save_checkpoint(out, payload)
        if on_epoch is not None:
            on_epoch(row)

    if state is not None and start_epoch >= config.epochs and Path(str(resume)).expanduser().resolve() != out.resolve():
        save_checkpoint(out, state)  # nothing left to train: the copy is the result
    if not config.resumable:
        save_checkpoint(out, weights_only(load_checkpoint(out)))
    return TrainResult(out, history, seconds, parameter_count(model), len(first), len(val_windows), best_epoch,
                       resumed_from=start_epoch)


__all__ = ["TrainConfig", "TrainResult", "train"]

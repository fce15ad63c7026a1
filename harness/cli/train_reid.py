"""``bench train-reid``: train the siamese appearance embedder on identity crops.

Kept apart from the CLI so tests call the same path without Typer.  Crops come
from datasets with ground truth (``--dataset``, repeatable, ``NAME`` or
``NAME=ROOT``) and/or ``crops/<identity>/*.jpg`` folders (``--crops``).  A
fraction of the identities is held out (``--val-fraction``); ``--test-dataset``
adds a cross-dataset test (e.g. train on MOT17 + synth, test on PETS09).  The
untrained network is scored first, so the table shows what training bought.
The checkpoint holds the weights and metadata: the command, the data, the
settings, the per-epoch history and the scores.
"""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from trackbench.harness.cli.errors import reported
from trackbench.io.terminal import labelled, step_progress

DEFAULT_OUT = Path("results/reid/siamese.pt")


@dataclass
class TrainReidRequest:
    datasets: list[str] = field(default_factory=list)  # "NAME" or "NAME=ROOT"
    data_root: Path | None = None  # root of datasets given without "=ROOT"
    sequences: list[str] | None = None  # names or prefixes, across all datasets
    crops: list[Path] = field(default_factory=list)
    test_datasets: list[str] = field(default_factory=list)
    test_sequences: list[str] | None = None
    out: Path = DEFAULT_OUT
    epochs: int = 15
    batch_size: int = 64
    crops_per_identity: int = 4
    lr: float = 1e-3
    mining: str = "batch-hard"
    device: str = "auto"
    seed: int = 0
    val_fraction: float = 0.2
    every: int = 5
    min_visibility: float = 0.5
    min_height: int = 32
    max_per_identity: int | None = None
    junk_frames: int = 0
    synth_seed: int = 0
    synth_count: int = 3
    threads: int = 0
    input_size: int = 128  # the seed's 128x128 crops
    channels: tuple[int, ...] = (24, 48, 96, 192)
    dim: int = 1024
    command: str | None = None  # recorded in the checkpoint
    onnx: bool = True  # also write <out>.onnx (what embedder=onnx:<file> runs without torch)


@dataclass
class TrainReidOutcome:
    checkpoint: Path
    result: Any  # harness.reid.train.TrainResult
    tests: dict[str, tuple[Any, Any]]  # name -> (untrained, trained) ReidScores
    metadata: dict[str, Any]
    onnx: Path | None = None  # the ONNX export beside the checkpoint, when written


def parse_spec(spec: str, default_root: Path | None) -> tuple[str, Path | None]:
    """``NAME`` or ``NAME=ROOT`` → (name, root)."""
    name, sep, root = spec.partition("=")
    if not name:
        raise ValueError(f"dataset spec {spec!r}: expected NAME or NAME=ROOT")
    return name, (Path(root).expanduser() if sep else default_root)


def _matches(name: str, wanted: list[str] | None) -> bool:
    return not wanted or any(name == w or name.startswith(w) for w in wanted)


def load_sequences(specs: list[str], default_root: Path | None, wanted: list[str] | None,
                   synth_seed: int = 0, synth_count: int = 3) -> list:
    """Sequences of every dataset spec, keeping those named (or prefixed) in ``wanted``."""
    from trackbench.datasets import load_dataset

    found = []
    for spec in specs:
        name, root = parse_spec(spec, default_root)
        if name.lower() == "synth":
            from trackbench.datasets.synth import SynthConfig, load_synth

            seqs = load_synth(SynthConfig(seed=synth_seed, num_sequences=synth_count))
        else:
            seqs = load_dataset(name, root)
        found.extend(s for s in seqs if _matches(s.name, wanted))
    missing = [w for w in wanted or [] if not any(_matches(s.name, [w]) for s in found)]
    if missing:
        raise ValueError(f"sequence(s) {', '.join(missing)} not found in {', '.join(specs)}")
    return found


def gather_crops(request: TrainReidRequest) -> tuple[Any, Any, list[str]]:
    """(training crops, fixed test crops from crops_test/ or None, source descriptions)."""
    from trackbench.harness.training.reid.crops import CropRules, IdentityCrops, crops_from_sequences, load_crop_layout

    rules = CropRules(every=request.every, min_visibility=request.min_visibility, min_height=request.min_height,
                      max_per_identity=request.max_per_identity)
    parts, tests, sources = [], [], []
    specs = list(request.datasets) or ([] if request.crops else ["synth"])
    if specs:
        seqs = load_sequences(specs, request.data_root, request.sequences, request.synth_seed, request.synth_count)
        parts.append(crops_from_sequences(seqs, rules))
        sources += [f"{s.info.dataset}/{s.name}" for s in seqs if s.has_gt and s.has_images]
    for folder in request.crops:
        train, test = load_crop_layout(folder)
        parts.append(train)
        sources.append(str(folder))
        if test is not None:
            tests.append(test)
    return IdentityCrops.concat(parts), (IdentityCrops.concat(tests) if tests else None), sources


def _pct(x: float) -> str:
    return "—" if x != x else f"{x:.1%}"


def scores_table(rows: list[tuple[str, Any, Any]]) -> Table:
    table = Table(title="train-reid: retrieval on identities not trained on")
    for col in ("evaluation set", "identities", "queries", "untrained rank-1", "untrained mAP", "trained rank-1", "trained mAP"):
        table.add_column(col, justify="right" if col != "evaluation set" else "left")
    for name, before, after in rows:
        table.add_row(name, str(after.identities), str(after.queries), _pct(before.rank1), _pct(before.mAP),
                      _pct(after.rank1), _pct(after.mAP))
    return table


def train_reid(request: TrainReidRequest, console: Console | None = None, progress: Progress | None = None) -> TrainReidOutcome:
    """Gather crops, train, score, save; see the module docstring."""
    import torch

    from trackbench.harness.runs.manifest import package_versions
    from trackbench.harness.training.reid.crops import IdentityCrops, crops_from_sequences, CropRules, split_identities
    from trackbench.harness.training.reid.train import TrainConfig, embed_with, initial_model, train_siamese
    from trackbench.harness.training.reid.evaluate import evaluate_features
    from trackbench.trackers.embedders.siamese import save_checkpoint
    from trackbench.trackers.core.device import resolve_device

    say = console.print if console is not None else (lambda *a, **k: None)
    if request.threads:
        torch.set_num_threads(request.threads)
    config = TrainConfig(epochs=request.epochs, batch_size=request.batch_size, crops_per_identity=request.crops_per_identity,
                         lr=request.lr, mining=request.mining, device=request.device, seed=request.seed,
                         junk_frames=request.junk_frames, input_size=request.input_size,
                         channels=tuple(request.channels), dim=request.dim)
    device = resolve_device(config.device)
    crops, fixed_test, sources = gather_crops(request)
    train, held_out = split_identities(crops, request.val_fraction, request.seed)
    say(f"crops: {crops.summary()}; training on {train.num_identities} identities ({len(train)} crops), "
        f"holding out {held_out.num_identities} ({len(held_out)} crops); device {device}")

    tests: dict[str, IdentityCrops] = {}
    if fixed_test is not None:
        tests["crops_test"] = fixed_test
    if request.test_datasets:
        rules = CropRules(every=request.every, min_visibility=request.min_visibility, min_height=request.min_height,
                          max_per_identity=request.max_per_identity)
        seqs = load_sequences(request.test_datasets, request.data_root, request.test_sequences, request.synth_seed,
                              request.synth_count)
        tests[", ".join(s.name for s in seqs)] = crops_from_sequences(seqs, rules)

    def evaluate(model, crops_set):
        return evaluate_features(embed_with(model, crops_set, device), crops_set, config.queries_per_identity,
                                 config.seed, config.junk_frames)

    model = initial_model(config).to(device)
    before = {name: evaluate(model, c) for name, c in tests.items()}
    task = progress.add_task("training", total=1) if progress is not None else None

    def on_step(desc: str, done: int, total: int) -> None:
        if progress is not None:
            progress.update(task, description=desc, completed=done, total=total)

    def on_epoch(row: dict[str, Any]) -> None:
        extra = f"  held-out rank-1 {row['rank1']:.1%} mAP {row['mAP']:.1%}" if "rank1" in row else ""
        say(f"epoch {row['epoch']}: loss {row['loss']:.4f}{extra}  {row['seconds']:.0f} s")

    result = train_siamese(train, config, held_out=held_out, progress=on_step, on_epoch=on_epoch, model=model)
    after = {name: evaluate(result.model, c) for name, c in tests.items()}

    metadata: dict[str, Any] = {
        "command": request.command,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sources": sources,
        "crop_rules": {"every": request.every, "min_visibility": request.min_visibility, "min_height": request.min_height,
                       "max_per_identity": request.max_per_identity},
        "val_fraction": request.val_fraction,
        "held_out_identities": held_out.num_identities,
        "tests": {name: {"untrained": before[name].as_dict(), "trained": after[name].as_dict()} for name in tests},
        "versions": {k: v for k, v in package_versions().items() if k in ("trackbench", "torch", "torchvision", "numpy")},
        **result.summary(),
    }
    path = save_checkpoint(result.model, request.out, metadata)
    onnx = export_beside(path, say) if request.onnx else None
    return TrainReidOutcome(path, result, {n: (before[n], after[n]) for n in tests}, metadata, onnx)


def export_beside(checkpoint: Path, say: Any) -> Path | None:
    """Write ``<checkpoint>.onnx``; a missing ``onnx`` package costs a note, not the finished training run."""
    from trackbench.harness.training.onnx_export import export_checkpoint

    try:
        return export_checkpoint(checkpoint)
    except ImportError as exc:
        say(f"note: no ONNX export ({exc}); convert later with `bench export-onnx {checkpoint}`")
        return None


def execute_train_reid(request: TrainReidRequest, console: Console, err_console: Console) -> TrainReidOutcome:
    """CLI entry: known errors become one-line messages (exit 2)."""
    import typer


    if request.command is None:
        request.command = shlex.join(["bench"] + sys.argv[1:])
    try:
        import torch  # noqa: F401
    except ImportError:
        err_console.print(labelled("error", "bold red", "train-reid needs PyTorch: pip install 'trackbench[torch]'"))
        raise typer.Exit(2)
    with reported(err_console, also=(RuntimeError,)), step_progress(err_console, "steps") as bar:
        outcome = train_reid(request, console, bar)
    rows = []
    result = outcome.result
    if result.before is not None and result.after is not None:
        rows.append((f"held-out identities ({request.val_fraction:.0%} of the training sources)", result.before, result.after))
    rows += [(name, b, a) for name, (b, a) in outcome.tests.items()]
    if rows:
        console.print(scores_table(rows))
    size = outcome.checkpoint.stat().st_size
    params = sum(p.numel() for p in result.model.parameters())
    console.print(f"checkpoint: {outcome.checkpoint} ({size / 1024:.0f} KiB, {params:,} parameters; "
                  f"{result.train_crops} crops of {result.train_identities} identities; {result.seconds:.0f} s on {result.device})")
    console.print(f"use it: bench run --trackers deepsort --param embedder=siamese:{outcome.checkpoint}")
    if outcome.onnx is not None:
        console.print(f"or without torch: bench run --trackers deepsort --param embedder=onnx:{outcome.onnx}")
    return outcome

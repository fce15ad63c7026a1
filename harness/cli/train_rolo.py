"""``bench train-rolo``: train the ROLO tracker's LSTM on ground-truth trajectories.

Kept apart from the CLI so tests and benchmarks call the same path without
Typer.  The work is :func:`trackbench.harness.training.rolo.train.train`; this module turns
options into a :class:`~trackbench.harness.training.rolo.train.TrainConfig`, shows a progress bar
and one line per epoch, and prints what was saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from trackbench.harness.cli.errors import reported
from trackbench.io.terminal import labelled, step_progress


def default_out(dataset: str) -> Path:
    name = Path(dataset).name if Path(dataset).expanduser().is_dir() else dataset.lower()
    return Path(f"rolo_{name}.pt")


def summary_table(result: Any, size_bytes: int) -> Table:
    table = Table(title="train-rolo")
    for col in ("epoch", "train loss", "val loss", "val IoU", "val IoU after gaps", "s"):
        table.add_column(col, justify="right")
    for row in result.history:
        mark = " *" if row["epoch"] == result.best_epoch else ""
        table.add_row(f"{row['epoch']}{mark}", f"{row['train_loss']:.4f}", f"{row['val_loss']:.4f}",
                      f"{row['val_iou']:.3f}", f"{row['val_iou_gap']:.3f}", f"{row['seconds']:.1f}")
    return table


def execute_train_rolo(options: dict[str, Any], out: Path | None, resume: Path | None,
                       console: Console, err_console: Console) -> Any:
    """CLI entry: train, print the epochs and the checkpoint; known errors become messages (exit 2)."""
    import typer


    try:
        from trackbench.harness.training.rolo.train import TrainConfig, train
    except ImportError as exc:  # torch missing
        err_console.print(labelled("error", "bold red", f"train-rolo needs PyTorch ({exc}): pip install torch"))
        raise typer.Exit(2)
    config = TrainConfig(**options)
    target = out or resume or default_out(config.dataset)
    console.print(f"training ROLO on {config.dataset} → {target}"
                  + (f" (resuming {resume})" if resume else "") + f", device {config.device}")
    lines = []

    def on_epoch(row: dict[str, float]) -> None:
        lines.append(row)
        err_console.print(f"epoch {row['epoch']}: train loss {row['train_loss']:.4f}  val loss {row['val_loss']:.4f}  "
                          f"val IoU {row['val_iou']:.3f} (after gaps {row['val_iou_gap']:.3f})  {row['seconds']:.1f} s")

    with reported(err_console), step_progress(err_console, "batches") as bar:
        result = train(config, target, resume=resume, on_epoch=on_epoch, progress=bar)
    size = Path(target).stat().st_size
    console.print(summary_table(result, size))
    console.print(f"checkpoint: {target} ({size / 1024:.0f} KiB, {result.parameters:,} parameters; "
                  f"best epoch {result.best_epoch}; {result.train_windows:,} training / {result.val_windows:,} "
                  f"validation windows; {result.seconds:.1f} s of training in total)")
    if result.onnx is not None:
        console.print(f"onnx: {result.onnx} (runs without torch)")
        console.print(f"use it: bench run --trackers rolo --param checkpoint={result.onnx}")
    else:
        console.print(f"use it: bench run --trackers rolo --param checkpoint={target} "
                      f"(needs torch; `bench export-onnx {target}` with the onnx package makes a torch-free copy)")
    return result

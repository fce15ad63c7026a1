"""``bench export-onnx``: a trained checkpoint → the ONNX file trackbench runs without torch.

The training commands already write one beside every checkpoint; this converts
a checkpoint made without it (or before it existed), and is how the shipped
``.onnx`` files were made from the shipped ``.pt`` files.  The work is
:func:`trackbench.harness.training.onnx_export.export_checkpoint`.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from trackbench.harness.cli.errors import reported
from trackbench.io.terminal import labelled


def execute_export_onnx(checkpoint: Path, out: Path | None, console: Console, err_console: Console) -> Path:
    """CLI entry: convert, print what was written and how to use it; known errors become messages (exit 2)."""
    import typer

    try:
        from trackbench.harness.training.onnx_export import export_checkpoint
    except ImportError as exc:  # torch missing
        err_console.print(labelled("error", "bold red", f"export-onnx needs PyTorch and onnx ({exc}): "
                                   "pip install 'trackbench[torch]'"))
        raise typer.Exit(2)
    with reported(err_console, also=(ImportError,)):
        path = export_checkpoint(checkpoint, out)
    console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB) from {checkpoint}")
    return path

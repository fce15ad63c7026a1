"""``bench eval``: score existing MOTChallenge result files against a gt folder."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from harness import leaderboard


def execute_eval(gt: Path, results: Path, benchmark: str | None, out: Path | None,
                 console: Console, err_console: Console):
    import typer

    from harness.metrics.evaluate import evaluate_folders

    try:
        table = evaluate_folders(gt, results, benchmark=(benchmark or "auto").upper().replace("AUTO", "auto"))
    except (FileNotFoundError, ValueError) as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(2)
    table = leaderboard.order_columns(table)
    leaderboard.show(table, f"{results} vs {gt}", console)
    if out is not None:
        for path in leaderboard.save(table, Path(out), "eval"):
            console.print(f"saved {path}")
    return table

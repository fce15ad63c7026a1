"""Turning bad input into one clear line and exit status 2, the same way in every command.

Loaders and parsers raise ordinary exceptions whose messages already name the
file, line or parameter at fault; the commands only need to print that
message without a traceback.  Programming errors are not caught.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console

from trackbench.datasets.mot import DatasetNotFound
from trackbench.datasets.motfile import MotFileError
from trackbench.trackers.params import ParamError

INPUT_ERRORS: tuple[type[BaseException], ...] = (DatasetNotFound, MotFileError, ParamError, FileNotFoundError, ValueError)


@contextmanager
def reported(err_console: Console, also: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Print input errors (and ``also``) as ``error: <message>`` and exit with status 2."""
    import typer

    try:
        yield
    except INPUT_ERRORS + also as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(2) from None

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
from trackbench.io.terminal import labelled

#: OSError covers what the file system refuses (a results path that is a file, a read-only or full disk):
#: its message names the path.
INPUT_ERRORS: tuple[type[BaseException], ...] = (DatasetNotFound, MotFileError, ParamError, ValueError, OSError)


def message(exc: BaseException) -> str:
    """One line for ``exc``: OSErrors as ``<path>: <reason>``, others as their message."""
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, DatasetNotFound):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}" + (f" (and {exc.filename2})" if exc.filename2 else "")
    return str(exc)


@contextmanager
def reported(err_console: Console, also: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Print input errors (and ``also``) as ``error: <message>`` and exit with status 2."""
    import typer

    try:
        yield
    except INPUT_ERRORS + also as exc:
        err_console.print(labelled("error", "bold red", message(exc)), markup=False, highlight=False)
        raise typer.Exit(2) from None

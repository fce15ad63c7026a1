"""The one error type for bad content in an input file.

Every loader raises :class:`DataFileError` (or a subclass such as
:class:`~trackbench.datasets.motfile.MotFileError`) with a message that starts
``<file>:<line>:`` where there is a line, else ``<file>:``, so the command line
prints one line that points at the place to fix (exit status 2).
"""

from __future__ import annotations

import os


class DataFileError(ValueError):
    """Malformed or implausible input: the message names the file (and the 1-based line)."""


def at(path: str | os.PathLike, line: int | None, message: str) -> DataFileError:
    """``DataFileError("<path>:<line>: <message>")`` (no line part when ``line`` is None)."""
    where = f"{path}:{line}" if line else f"{path}"
    return DataFileError(f"{where}: {message}")

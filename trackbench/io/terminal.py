"""Consoles that print data as the characters it is: rich markup never comes from names or messages.

Rich reads ``[bold red]`` or ``[link=…]`` inside any string it prints as markup,
so a run called ``[bold red]RED`` printed ``results/RED`` and a ``[link=…]`` in a
name became a hidden hyperlink; the same parser dropped ``[video]`` from
``pip install 'trackbench[video]'`` and ``[lambda=…]`` from sweep labels (issue
24).  Escaping each data string at its call site misses some; instead every
console trackbench makes has markup (and the highlighter) off, so a plain
string is always printed literally, and the few styled words are built as
:class:`rich.text.Text` spans by :func:`styled`, where data is never parsed.
"""

from __future__ import annotations

import sys
from typing import Any, Union

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

#: A part of a styled line: plain text, or (text, rich style).
Part = Union[str, "tuple[str, str]"]


def make_console(**options: Any) -> Console:
    """A rich Console that never parses markup nor highlights in the strings printed to it."""
    return Console(markup=False, highlight=False, **options)


def styled(*parts: Part) -> Text:
    """One line from plain parts and (text, style) parts; no part is ever parsed as markup."""
    return Text.assemble(*parts)


def labelled(label: str, style: str, message: str) -> Text:
    """``label: message`` with the label styled, e.g. ``labelled("error", "bold red", msg)``."""
    return styled((f"{label}:", style), " ", message)


def step_progress(console: Console, unit: str) -> Progress:
    """One rich bar per loop (``bench train-reid``'s steps, ``bench train-rolo``'s batches), counted in ``unit``.

    Its descriptions are data (a dataset or model name), so they are never
    parsed as markup; off when neither the console nor stderr is a terminal,
    where a bar would only fill a log with redraws.
    """
    return Progress(
        TextColumn("{task.description}", style="bold", markup=False), BarColumn(), MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
        disable=not console.is_terminal and not sys.stderr.isatty(),
    )

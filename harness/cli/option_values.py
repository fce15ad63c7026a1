"""Reading option values the same way in every command, including those that live outside ``app.py``.

``bench inspect`` and ``bench tune`` are registered by ``app.py`` but may not
import it (no import cycles), so what several commands need to read their
options lives here: comma-separated lists, and which options the command line
itself set (``--resume`` checks those against the saved run).
"""

from __future__ import annotations

from typing import Mapping, Optional

import typer
from rich.console import Console

from trackbench.io.terminal import labelled


def fail(err_console: Console, message: str, code: int = 2) -> None:
    """``error: message`` on ``err_console`` (never parsed as markup), then exit with ``code``."""
    err_console.print(labelled("error", "bold red", message))
    raise typer.Exit(code)


def split_items(text: Optional[str], option: str, err_console: Console) -> Optional[list[str]]:
    """Comma-separated items; None when not given.  Given but empty (``-t ,``) is an error:
    it would otherwise mean "everything"."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        fail(err_console, f"{option or 'this option'} was given but names nothing ({text!r}); leave it out to use "
             "the default")
    return items


def resume_name(name: Optional[str], resume: Optional[str], err_console: Console) -> Optional[str]:
    """The run to write: ``--resume`` names it; a different ``--name`` beside it is an error."""
    if resume and name and name != resume:
        fail(err_console, f"--name {name} and --resume {resume} disagree; --resume alone names the run to continue")
    return resume or name


def given_fields(ctx: typer.Context, renamed: Mapping[str, str]) -> set[str]:
    """Request fields set on the command line; ``renamed`` maps option names to field names where they differ."""
    # compared by name: typer may bring its own copy of click's ParameterSource enum
    return {renamed.get(n, n) for n in ctx.params
            if getattr(ctx.get_parameter_source(n), "name", None) == "COMMANDLINE"}

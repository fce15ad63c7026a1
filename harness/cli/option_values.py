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
from rich.markup import escape


def split_items(text: Optional[str], option: str, err_console: Console) -> Optional[list[str]]:
    """Comma-separated items; None when not given; given but empty is an error (it would mean "all")."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        err_console.print(f"[bold red]error:[/bold red] {escape(option)} was given but names nothing")
        raise typer.Exit(2)
    return items


def given_fields(ctx: typer.Context, renamed: Mapping[str, str]) -> set[str]:
    """Request fields set on the command line; ``renamed`` maps option names to field names where they differ."""
    # compared by name: typer may bring its own copy of click's ParameterSource enum
    return {renamed.get(n, n) for n in ctx.params
            if getattr(ctx.get_parameter_source(n), "name", None) == "COMMANDLINE"}

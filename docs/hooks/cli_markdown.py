"""The ``bench`` command line as Markdown, read from the Typer app itself so the page cannot drift.

Each command's help text, usage line and options come from
``typer.main.get_command(app)``: the very command objects that print
``bench <command> --help``, asked through the same calls that help screen uses
(``get_usage``, ``get_help_record``), so an option added, renamed or
re-documented in ``harness/cli/`` changes this page at the next build.
"""

from __future__ import annotations

import inspect
from typing import Any


def cli_reference() -> str:
    """One section per ``bench`` command, in the order ``bench --help`` lists them."""
    from typer.main import get_command

    from trackbench.harness.cli.app import app

    group = get_command(app)
    ctx = group.context_class(group, info_name="bench")
    sections = [_text(group.help or "") + "\n\nEvery command also takes `-h`/`--help`, which prints the same."]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            sections.append(command_markdown(name, command, ctx))
    return "\n\n".join(sections) + "\n"


def command_markdown(name: str, command: Any, parent: Any) -> str:
    """``## bench NAME``: its help, its usage line and a table of its arguments and options."""
    ctx = command.context_class(command, info_name=name, parent=parent)
    usage = command.get_usage(ctx).replace("Usage: ", "", 1).strip()
    lines = [f"## `bench {name}`", "", _text(command.help or ""), "", "```text", usage, "```", ""]
    rows = [_row(p, ctx) for p in command.params if not getattr(p, "hidden", False)]
    if rows:
        lines += ["| argument or option | what it does |", "|---|---|", *rows]
    return "\n".join(lines)


def _row(param: Any, ctx: Any) -> str:
    if param.param_type_name == "argument":
        what = "required argument" if param.required else "optional argument"
        return f"| `{(param.metavar or param.name).upper()}` | {what}: {_cell(getattr(param, 'help', None) or '')} |"
    record = param.get_help_record(ctx)
    names, help_text = record if record else (", ".join(param.opts), "")
    return f"| `{names}` | {_cell(help_text)} |"


def _text(help_text: str) -> str:
    """Click help as Markdown: Click's no-rewrap marker dropped, angle brackets kept as text."""
    text = inspect.cleandoc(help_text).replace("\b\n", "").replace("\b", "")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _cell(help_text: str) -> str:
    return _text(help_text).replace("\n", " ").replace("|", "\\|")

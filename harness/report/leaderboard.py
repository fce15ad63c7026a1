"""Leaderboards: pandas tables of tracker × metrics, shown with rich, saved as CSV and Markdown.

Two tables per run: ``leaderboard`` (one row per tracker variant, metrics over
all its sequences combined from summed counts) and ``per_sequence`` (one row per
variant and sequence).  Percent metrics are percentages (MOTA 52.6), counts are
integers, and ``Hz`` is tracker-only frames per second.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from trackbench.datasets.motfile import atomic_write_text

# Column order shown first; other columns follow in their given order.
DEFAULT_COLUMNS = ["HOTA", "MOTA", "IDF1", "DetA", "AssA", "MOTP", "IDsw", "FP", "FN", "Frag", "MT", "PT", "ML", "Hz"]
# The terminal shows these (the saved CSV/Markdown keep every column).
SHOWN_COLUMNS = ["HOTA", "MOTA", "IDF1", "DetA", "AssA", "IDsw", "FP", "FN", "MT", "ML", "Hz"]
INTEGER_COLUMNS = {"IDsw", "FP", "FN", "Frag", "MT", "PT", "ML", "GT_IDs", "Frames", "IDTP", "IDFP", "IDFN"}


def order_columns(df: pd.DataFrame, first: list[str] | None = None) -> pd.DataFrame:
    wanted = list(first or []) + [c for c in DEFAULT_COLUMNS if c not in (first or [])]
    head = [c for c in wanted if c in df.columns]
    return df[head + [c for c in df.columns if c not in head]]


def _fmt(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, str):
        return value
    if column in INTEGER_COLUMNS:
        return f"{int(round(value))}"
    if column == "Hz":
        return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def rich_table(df: pd.DataFrame, title: str, index_names: list[str] | None = None) -> Table:
    """A rich Table of a leaderboard DataFrame (index columns first)."""
    table = Table(title=title, header_style="bold", show_lines=False)
    flat = df.reset_index()
    for col in flat.columns:
        table.add_column(str(col), justify="left" if col in (index_names or df.index.names) else "right")
    for _, row in flat.iterrows():
        table.add_row(*[_fmt(str(c), row[c]) for c in flat.columns])
    return table


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency on tabulate)."""
    flat = df.reset_index()
    cols = [str(c) for c in flat.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in flat.iterrows():
        lines.append("| " + " | ".join(_fmt(str(c), row[c]) for c in flat.columns) + " |")
    return "\n".join(lines) + "\n"


def save(df: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """Write ``<stem>.csv`` and ``<stem>.md`` atomically; returns their paths."""
    csv_path, md_path = folder / f"{stem}.csv", folder / f"{stem}.md"
    atomic_write_text(csv_path, df.to_csv(float_format="%.4f"))
    atomic_write_text(md_path, to_markdown(df))
    return [csv_path, md_path]


def show(df: pd.DataFrame, title: str, console: Console | None = None, notes: list[str] | None = None,
         first: list[str] | None = None) -> None:
    """Print the main columns of a table (``first`` ones leading, e.g. IDF1 for AI City)."""
    console = console or Console()
    wanted = list(first or []) + [c for c in SHOWN_COLUMNS if c not in (first or [])]
    cols = [c for c in wanted if c in df.columns]
    console.print(rich_table(df[cols] if cols else df, title))
    for note in notes or []:
        console.print(f"[dim]note: {note}[/dim]")

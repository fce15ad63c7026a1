"""Leaderboards: pandas tables of tracker × metrics, shown with rich, saved as CSV and Markdown.

Two tables per run: ``leaderboard`` (one row per tracker variant, metrics over
all its sequences combined from summed counts) and ``per_sequence`` (one row per
variant and sequence).  Percent metrics are percentages (MOTA 52.6), counts are
integers, ``Hz`` is tracker-only frames per second (time in ``update``, as
MOTChallenge reports it) and ``Hz e2e`` the whole pipeline's: tracker, image
decoding and appearance embedding (at what computing the vectors costs, even
when a run read them from the cache).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from trackbench.datasets.motfile import atomic_write_text
from trackbench.io.csv_cells import safe_csv
from trackbench.io.markdown_escape import md_escape
from trackbench.io.terminal import labelled, make_console

# Column order shown first; other columns follow in their given order.
DEFAULT_COLUMNS = ["HOTA", "MOTA", "IDF1", "DetA", "AssA", "MOTP", "IDsw", "FP", "FN", "Frag", "MT", "PT", "ML", "Hz", "Hz e2e"]
# The terminal shows these (the saved CSV/Markdown keep every column).
SHOWN_COLUMNS = ["HOTA", "MOTA", "IDF1", "DetA", "AssA", "IDsw", "FP", "FN", "MT", "ML", "Hz", "Hz e2e", "complete"]
INTEGER_COLUMNS = {"IDsw", "FP", "FN", "Frag", "MT", "PT", "ML", "GT_IDs", "Frames", "IDTP", "IDFP", "IDFN"}
#: Metrics where a smaller value is better (everything else numeric: larger is better).
LOWER_IS_BETTER = {"IDsw", "FP", "FN", "Frag", "ML", "IDFP", "IDFN", "PT"}
#: Counts that describe the data, not the tracker: no "best" among them.
NEUTRAL_COLUMNS = {"GT_IDs", "Frames", "GT_Dets", "Dets", "TP", "PT", "Seqs"}
#: The metric a leaderboard is ranked by unless ``--sort`` says otherwise.
HEADLINE_METRIC = "HOTA"


def order_columns(df: pd.DataFrame, first: list[str] | None = None) -> pd.DataFrame:
    wanted = list(first or []) + [c for c in DEFAULT_COLUMNS if c not in (first or [])]
    head = [c for c in wanted if c in df.columns]
    return df[head + [c for c in df.columns if c not in head]]


def higher_is_better(metric: str) -> bool:
    """Direction of a metric: True for HOTA/MOTA/IDF1/Hz…, False for error counts (FP, FN, IDsw…)."""
    return metric not in LOWER_IS_BETTER


def resolve_metric(df: pd.DataFrame, metric: str) -> str:
    """The column named ``metric`` (case-insensitive); a clear error listing the choices otherwise."""
    by_lower = {str(c).lower(): str(c) for c in df.columns}
    if metric.lower() not in by_lower:
        numeric = [str(c) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
        raise ValueError(f"cannot sort by {metric!r}: no such column (choose one of {', '.join(numeric)})")
    return by_lower[metric.lower()]


def sort_board(df: pd.DataFrame, metric: str | None = None, order: list | None = None) -> pd.DataFrame:
    """Rows best first by ``metric`` (default HOTA, else the first column); NaN rows last.

    A two-level table (tracker × sequence) keeps each tracker's rows together
    and orders the trackers by their ``COMBINED`` row when there is one, else by
    their mean, so the per-sequence view ranks the same way as the leaderboard;
    ``order`` (the leaderboard's tracker order) overrides that ranking.
    """
    if df is None or df.empty:
        return df
    if metric is None:
        metric = HEADLINE_METRIC if HEADLINE_METRIC in df.columns else None
        if metric is None:
            return df
    column = resolve_metric(df, metric)
    ascending = not higher_is_better(column)
    if df.index.nlevels == 1:
        ranked = df.sort_values(column, ascending=ascending, na_position="last", kind="stable")
        if "complete" in ranked.columns:  # rows over fewer sequences rank after the comparable ones
            ranked = pd.concat([ranked[ranked["complete"] != False], ranked[ranked["complete"] == False]])  # noqa: E712
        return ranked
    outer = df.index.get_level_values(0)
    if order is not None:
        ranked = [t for t in order if t in set(outer)] + [t for t in dict.fromkeys(outer) if t not in set(order)]
        return pd.concat([df.xs(t, level=0, drop_level=False).sort_values(column, ascending=ascending, kind="stable")
                          for t in ranked])
    inner = df.index.get_level_values(1).astype(str)
    combined = df[inner == "COMBINED"]
    if len(combined):
        key = combined[column].droplevel(1)
    else:
        key = df[column].groupby(level=0, sort=False).mean()
    ranked_keys = key.sort_values(ascending=ascending, na_position="last", kind="stable")
    order = ranked_keys.index.tolist()
    if len(combined) and "complete" in combined.columns:  # incomplete trackers after the comparable ones
        whole = combined["complete"].droplevel(1)
        done = {t: bool(whole.get(t, True)) for t in order}
        order = [t for t in order if done[t]] + [t for t in order if not done[t]]
    order += [t for t in dict.fromkeys(outer) if t not in order]
    return pd.concat([df.xs(t, level=0, drop_level=False) for t in order])


def known_metrics() -> list[str]:
    """Every metric column a scored table has (what ``--sort`` accepts)."""
    from trackbench.harness.metrics.evaluate import COLUMNS

    return list(COLUMNS) + ["Hz"]


def check_options(sort: str | None, fmt: str) -> None:
    """Reject a bad ``--sort`` or ``--format`` before any work starts."""
    if fmt not in ("table", "json"):
        raise ValueError(f"--format must be table or json, got {fmt!r}")
    if sort is not None and sort.lower() not in {m.lower() for m in known_metrics()}:
        raise ValueError(f"--sort {sort!r} is not a metric; choose one of {', '.join(known_metrics())}")


def to_records(df: pd.DataFrame) -> list[dict]:
    """JSON-ready rows (index levels as fields, NaN as null) for ``--format json``."""
    flat = df.reset_index()
    rows = []
    for record in flat.to_dict(orient="records"):
        rows.append({str(k): (None if isinstance(v, float) and math.isnan(v) else
                              (v.item() if hasattr(v, "item") else v)) for k, v in record.items()})
    return rows


def format_value(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, str):
        return value
    if column in INTEGER_COLUMNS:
        return f"{int(round(value))}"
    if column.startswith("Hz"):  # Hz, Hz e2e
        return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def rich_table(df: pd.DataFrame, title: str, index_names: list[str] | None = None) -> Table:
    """A rich Table of a leaderboard DataFrame (index columns first)."""
    table = Table(title=title, header_style="bold", show_lines=False)
    flat = df.reset_index()
    for col in flat.columns:
        table.add_column(str(col), justify="left" if col in (index_names or df.index.names) else "right")
    for _, row in flat.iterrows():
        table.add_row(*[format_value(str(c), row[c]) for c in flat.columns])
    return table


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency on tabulate)."""
    flat = df.reset_index()
    cols = [md_escape(c) for c in flat.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in flat.iterrows():
        lines.append("| " + " | ".join(md_escape(format_value(str(c), row[c])) for c in flat.columns) + " |")
    return "\n".join(lines) + "\n"


def legend(trackers: list[str]) -> list[str]:
    """``name: origin; paper`` for each tracker name (built-in, adapter, plug-in), in the order given.

    Printed and saved under the table so rows from different implementations of
    one method (``bytetrack``, ``rf.bytetrack``, ``boxmot.bytetrack``) read apart.
    """
    from trackbench import trackers as registry

    return [f"{name}: {registry.describe(name)}" for name in dict.fromkeys(trackers)]


def save(df: pd.DataFrame, folder: Path, stem: str, legend_lines: list[str] | None = None,
         notes: list[str] | None = None, caption: str | None = None) -> list[Path]:
    """Write ``<stem>.csv`` and ``<stem>.md`` (caption, legend, then notes, under the table) atomically.

    ``caption`` says which library computed the metrics; ``notes`` (e.g. units
    that failed) follow the Markdown table, so the table never travels without them.
    """
    csv_path, md_path = folder / f"{stem}.csv", folder / f"{stem}.md"
    atomic_write_text(csv_path, safe_csv(df, float_format="%.4f"))
    below = "".join(f"\n- {md_escape(line)}" for line in legend_lines or [])
    text = to_markdown(df) + (f"\n{md_escape(caption)}\n" if caption else "")
    text += "\nTrackers:\n" + below.lstrip("\n") + "\n" if below else ""
    if notes:
        text += "\n" + "".join(f"> note: {md_escape(n)}\n" for n in notes)
    atomic_write_text(md_path, text)
    return [csv_path, md_path]


def metrics_note(clear_backend: str) -> str:
    """Which library computed which metrics, for every table and report."""
    return (f"CLEAR and identity metrics: {clear_backend} (IoU >= 0.5); HOTA: trackeval. "
            "Hz: tracker only; Hz e2e: tracker + decoding + embedding.")


def show(df: pd.DataFrame, title: str, console: Console | None = None, notes: list[str] | None = None,
         first: list[str] | None = None) -> None:
    """Print the main columns of a table (``first`` ones leading, e.g. IDF1 for AI City)."""
    console = console or make_console()
    wanted = list(first or []) + [c for c in SHOWN_COLUMNS if c not in (first or [])]
    cols = [c for c in wanted if c in df.columns]
    console.print(rich_table(df[cols] if cols else df, title))
    for note in notes or []:
        console.print(labelled("note", "dim", note), style="dim")

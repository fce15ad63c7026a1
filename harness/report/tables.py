"""The tables a report shows: headline columns, best value per column, incomplete rows, sweep columns.

A scored run keeps 34 columns in its CSV; a page or a paper shows the
handful people compare trackers by.  Every published format (HTML, LaTeX,
Markdown) takes its rows from :func:`report_table`, so they always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from trackbench.harness.report.leaderboard import NEUTRAL_COLUMNS, format_value, higher_is_better
from trackbench.harness.report.names import paper_label, paper_name

#: Columns of a published leaderboard, in order (those present are shown).
HEADLINE_COLUMNS = ["HOTA", "MOTA", "IDF1", "DetA", "AssA", "IDsw", "FP", "FN", "Hz", "Hz e2e"]
#: Plain-language meaning of each shown column (HTML tooltips, LaTeX caption).
DESCRIPTIONS = {
    "HOTA": "higher order tracking accuracy (TrackEval), %", "MOTA": "multi-object tracking accuracy, %",
    "IDF1": "identity F1, %", "DetA": "HOTA detection accuracy, %", "AssA": "HOTA association accuracy, %",
    "IDsw": "identity switches", "FP": "false positives", "FN": "missed gt boxes",
    "Hz": "tracker-only frames per second (update calls)",
    "Hz e2e": "end-to-end frames per second: tracking + image decoding + appearance embedding",
}


@dataclass
class ReportTable:
    """Rows ready to render: labels, key columns (text), metric columns (numbers), the best per column."""

    title: str
    keys: list[str]  # leading text columns (tracker, sequence, swept parameters)
    metrics: list[str]
    rows: list[dict]  # key → text, metric → float
    best: dict[str, set[int]] = field(default_factory=dict)  # metric → row indices holding the best value
    marked: set[int] = field(default_factory=set)  # rows to highlight (e.g. the best sweep setting)
    footnotes: list[str] = field(default_factory=list)


def fmt(metric: str, value) -> str:
    """A metric as reports print it (the leaderboard's own formatting: one rule for every output)."""
    return format_value(metric, value)


def best_rows(rows: list[dict], metric: str) -> set[int]:
    """Indices of the rows holding the best value of ``metric`` (ties all count; none for neutral columns)."""
    if metric in NEUTRAL_COLUMNS:
        return set()
    values = [(i, r.get(metric)) for i, r in enumerate(rows)]
    values = [(i, v) for i, v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if len(values) < 2:
        return set()
    pick = max if higher_is_better(metric) else min
    target = pick(v for _, v in values)
    return {i for i, v in values if round(v, 6) == round(target, 6)}


def report_table(df: pd.DataFrame, title: str, keys: list[str] | None = None, metrics: list[str] | None = None,
                 incomplete: set[str] | None = None) -> ReportTable:
    """A :class:`ReportTable` from a leaderboard DataFrame (index levels become key columns)."""
    flat = df.reset_index()
    index_names = [str(n) for n in (df.index.names if df.index.names != [None] else ["tracker"])]
    flat.columns = index_names + [str(c) for c in flat.columns[len(index_names):]]
    keys = list(keys or index_names)
    shown = [m for m in (metrics or HEADLINE_COLUMNS) if m in flat.columns and m not in keys]
    rows = []
    for _, record in flat.iterrows():
        row = {}
        for k in keys:
            value = record[k]
            text = "–" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            if isinstance(value, float) and value.is_integer() and k not in index_names:
                text = str(int(value))
            row[paper_name(k)] = paper_label(text)
        for m in shown:
            value = record[m]
            row[m] = float(value) if value is not None and not isinstance(value, str) else float("nan")
        rows.append(row)
    footnotes = []
    if incomplete:
        first = paper_name(keys[0])
        for row in rows:
            if row[first] in {paper_label(t) for t in incomplete}:
                row[first] += " *"
        footnotes.append("* incomplete: this tracker was not scored on every sequence of the run (see notes), "
                         "so its combined row is not comparable with the others")
    table = ReportTable(title, [paper_name(k) for k in keys], shown, rows, footnotes=footnotes)
    table.best = {m: best_rows(rows, m) for m in shown}
    return table

"""Text cells of CSV outputs that a spreadsheet never runs as a formula, and the reader that undoes it.

A sequence named ``=HYPERLINK(…)`` or ``@SUM(…)`` written as a bare CSV cell is
a formula when the file is opened in a spreadsheet (CSV injection, issue 24).
The rule (OWASP's): a *text* cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return gets a leading ``'``, which spreadsheets show as
text.  Numbers stay numbers: numeric columns are never touched, and a text
cell that is a plain number literal (``-3.2``) is not a formula either.  Cells
that already start with ``'`` get one more, so :func:`restore` (used by every
reader of trackbench's CSV files, e.g. ``bench publish``) strips exactly one
and gets back the original text whatever it was.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

#: First characters a spreadsheet reads as the start of a formula (plus the quote itself, for the round trip).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and text.strip() == text
    except ValueError:
        return False


def neutralise(value: object) -> object:
    """``value`` as a spreadsheet shows it as text: a text cell at risk gets a leading ``'``; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def restore(value: object) -> object:
    """The original text of a cell written through :func:`neutralise`."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _map_text(df: pd.DataFrame, fn) -> pd.DataFrame:
    """``df`` with ``fn`` applied to every text cell: index labels, column names and object columns."""
    out = df.copy()
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_tuples([tuple(fn(v) for v in t) for t in out.index], names=out.index.names)
    else:
        out.index = pd.Index([fn(v) for v in out.index], name=out.index.name)
    out.columns = [fn(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(fn)
    return out


def safe_csv(df: pd.DataFrame, **to_csv: object) -> str:
    """``df.to_csv(**to_csv)`` with every text cell neutralised (numbers untouched)."""
    return _map_text(df, neutralise).to_csv(**to_csv)


def read_csv(path: Path, index_col: int | list[int]) -> pd.DataFrame:
    """A CSV file trackbench wrote, text cells restored; a damaged file is a ValueError naming it."""
    try:
        df = pd.read_csv(path, index_col=index_col)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IndexError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a table trackbench wrote ({first}); rerun the command that made it") from None
    return _map_text(df, restore)

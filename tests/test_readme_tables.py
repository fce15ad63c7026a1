"""The figure tables of README and the docs cannot go stale: the fast ones are recomputed here, the slow ones
must say how and when.

The tables, their markers (``<!-- table: NAME -->``, in README.md or a page
under docs/) and the code that makes each live in ``benchmarks/readme_tables.py``.  A table that takes seconds on
the shared data is regenerated and compared with README cell for cell; a
slower one (minutes of embedding or training) must carry, right under it, the
command that regenerates it and the date it was made.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import readme_tables  # noqa: E402


def _readme() -> str:
    """README and every docs page, one text: where the tables and their markers live."""
    return "\n\n".join(p.read_text(encoding="utf-8") for p in readme_tables.pages())


def test_every_readme_table_marker_names_a_known_table() -> None:
    markers = re.findall(r"<!-- table: ([\w-]+) -->", _readme())
    assert sorted(markers) == sorted(readme_tables.TABLES), (
        "the table markers in README.md and docs/ and readme_tables.TABLES differ (each table is in one page)")


@pytest.mark.parametrize("name", [n for n, t in readme_tables.TABLES.items() if not t.fast])
def test_slow_tables_carry_their_command_and_date(name: str) -> None:
    assert readme_tables.provenance_line(name) is not None, (
        f"{readme_tables.page_of(name).name}'s {name} table needs, on the line after it, `{readme_tables.TABLES[name].command}` and a date")


@pytest.mark.shared
@pytest.mark.parametrize("name", [n for n, t in readme_tables.TABLES.items() if t.fast])
def test_fast_tables_match_what_the_code_gives_today(shared_data: Path, name: str) -> None:
    table = readme_tables.TABLES[name].build(shared_data)
    assert table == readme_tables.readme_block(name), (
        f"{readme_tables.page_of(name).name}'s {name} table is stale; regenerate it with {readme_tables.TABLES[name].command}:\n{table}")


@pytest.mark.shared
@pytest.mark.parametrize("label", readme_tables.FAST_EMBEDDERS)
def test_fast_embedder_rows_match(shared_data: Path, label: str) -> None:
    row = readme_tables.embedder_row(label, shared_data)
    assert row == readme_tables.table_rows(readme_tables.readme_block("embedders"))[label], (
        f"README's embedders row {label} is stale; today: {row}")


def test_a_changed_cell_is_caught() -> None:
    """The comparison sees one digit: README with one figure changed no longer matches its own block."""
    text = _readme()
    block = readme_tables.readme_block("papers", text)
    changed = readme_tables.replace_block("papers", block.replace("77.5", "77.6", 1), text)
    assert readme_tables.readme_block("papers", changed) != block

"""Every figure table in README.md and the documentation pages (docs/), regenerated from the code and the shared data.

Run: ``python benchmarks/readme_tables.py [--data DATA] [--write] [NAME ...]``
(``DATA``: the folder holding ``mot15/``, ``mot17/``, ``reference-outputs/``...;
default: the ``shared/data`` folder beside this checkout).  Prints each named
table (default: all) as its page should hold it; ``--write`` also puts it into
that page in place of the old one.  Exit status 1 when a printed table differs
from its page's.

Each table follows a marker line ``<!-- table: NAME -->`` in one page (README.md
or a Markdown file under docs/, :func:`page_of` finds it) and runs to the next
blank line.  The tables and where their numbers come from:

=====================  =========================================================  ======
name                   source                                                     speed
=====================  =========================================================  ======
reference-agreement    ``tests/reference_files.py`` (as benchmarks/reference_agreement.py)  ~10 s
embedders              ``bench run -t deepsort -d mot15 -s PETS09-S2L1 -p embedder=…``   minutes
rolo                   ``benchmarks/rolo_eval.py --fair``                          ~2 min
papers                 ``benchmarks/papers_tables.py``                             ~1 min
=====================  =========================================================  ======

``tests/test_readme_tables.py`` recomputes the fast ones (and the fast rows of
``embedders``) and fails when README differs; a slow table carries, on the
line after it, the command and the date that produced it, which the test checks
is there.  Timings (the crops/s column of ``embedders``) are measurements, not
regenerated: that column is carried over from README as it stands
(``benchmarks/embedding_throughput.py`` measures it).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
MARKER = "<!-- table: {name} -->"
DOCS = ROOT / "docs"


def pages() -> list[Path]:
    """Every page a figure table may live in: README.md and the documentation's Markdown files."""
    return [README, *sorted(DOCS.rglob("*.md"))] if DOCS.is_dir() else [README]


def page_of(name: str) -> Path:
    """The page holding NAME's marker (KeyError when none does)."""
    marker = MARKER.format(name=name)
    for page in pages():
        if marker in page.read_text(encoding="utf-8"):
            return page
    raise KeyError(f"no page (README.md, docs/*.md) has {marker}")


@dataclass(frozen=True)
class Table:
    """One README table: how to regenerate it, and whether that takes seconds (tested) or longer."""

    name: str
    build: Callable[[Path], str]  # data folder -> the table's markdown
    fast: bool
    command: str  # what regenerates it (quoted in README after a slow table)


# --- reading and writing README blocks ---------------------------------------------------------


def readme_block(name: str, text: str | None = None) -> str:
    """The table under ``<!-- table: NAME -->`` in its page, or in ``text`` (up to the next blank line)."""
    text = page_of(name).read_text(encoding="utf-8") if text is None else text
    marker = MARKER.format(name=name)
    if marker not in text:
        raise KeyError(f"the page has no {marker}")
    after = text.split(marker, 1)[1].lstrip("\n")
    return after.split("\n\n", 1)[0].strip("\n")


def replace_block(name: str, table: str, text: str) -> str:
    """README text with the table under NAME's marker replaced by ``table``."""
    old = readme_block(name, text)
    marker = MARKER.format(name=name)
    head, tail = text.split(marker, 1)
    return head + marker + tail.replace(old, table.strip("\n"), 1)


def table_rows(table: str) -> dict[str, str]:
    """{first cell: whole row} of a markdown table (header and rule excluded)."""
    rows = [r for r in table.splitlines() if r.startswith("|")][2:]
    return {r.split("|")[1].strip(): r for r in rows}


# --- reference agreement -----------------------------------------------------------------------

AUTHORS = {
    "abewley_sort_scipy": "abewley/sort, scipy solver",
    "abewley_sort": "abewley/sort, `lap` installed",
    "ifzhang_bytetrack": "ifzhang/ByteTrack, MOT17 settings",
    "ifzhang_bytetrack_demo_settings": "ifzhang/ByteTrack, demo settings",
    "noahcao_ocsort": "noahcao/OC_SORT",
    "nwojke_deep_sort": "nwojke/deep_sort (its MOT17-05 features)",
}


def reference_agreement(data: Path) -> str:
    """Per authors' output folder: sequences, frames identical (boxes and ids), and how ids relate."""
    sys.path.insert(0, str(ROOT / "tests"))
    from reference_files import RUNS, agreement  # the comparison the test asserts

    lines = ["| tracker | authors' code | sequences | frames with the same boxes | frames with the same ids | ids |",
             "|---|---|---|---|---|---|"]
    for run in RUNS:
        found = [agreement(run, data, name) for name in run.sequences]
        frames = sum(f.frames for f in found)
        relabelled = sum(f.kind == "relabelled" for f in found)
        others = sorted({f.kind for f in found} - {"identical", "relabelled"})
        ids = ("identical" if not relabelled and not others
               else f"one consistent relabelling on {relabelled} of {len(found)}" if not others
               else ", ".join(others))
        lines.append(f"| `{run.tracker}` | {AUTHORS.get(run.folder, run.folder)} | {len(found)} | "
                     f"{sum(f.same_boxes for f in found)} / {frames} | {sum(f.identical for f in found)} / {frames} "
                     f"| {ids} |")
    return "\n".join(lines)


# --- Deep SORT's embedders on PETS09-S2L1 -------------------------------------------------------

#: README label -> the --param embedder value; ``{models}`` is the shared models folder.
EMBEDDERS = {
    "`reid` (default)": "reid",
    "`onnx:` OSNet x0.25 (MSMT17)": "onnx:{models}/osnet_x0_25_msmt17.onnx",
    "`histogram`": "histogram",
    "`mobilenet`": "mobilenet",
}
#: Rows fast enough to recompute in a test (no torch, no large network).
FAST_EMBEDDERS = ("`histogram`",)
EMBEDDER_METRICS = ("HOTA", "MOTA", "IDF1", "IDsw")


def embedder_row(label: str, data: Path) -> str:
    """``bench run -t deepsort -d mot15 -s PETS09-S2L1 -p embedder=…`` as one README row (crops/s from README)."""
    from trackbench.harness.cli.run import RunRequest, execute

    spec = EMBEDDERS[label].format(models=data.parent / "models")
    with tempfile.TemporaryDirectory() as tmp:
        outcome = execute(RunRequest(trackers=["deepsort"], dataset="mot15", data_root=data / "mot15",
                                     sequences=["PETS09-S2L1"], params=[f"embedder={spec}"], results=Path(tmp),
                                     name="embedder", format="json"))
    row = outcome.overall.loc["deepsort"]
    speed = table_rows(readme_block("embedders")).get(label, "").rstrip(" |").split("|")[-1].strip()
    cells = [f"{row[m]:.1f}" if m != "IDsw" else str(int(row[m])) for m in EMBEDDER_METRICS]
    return f"| {label} | " + " | ".join(cells) + f" | {speed} |"


def embedders(data: Path) -> str:
    head = readme_block("embedders").splitlines()[:2]
    return "\n".join(head + [embedder_row(label, data) for label in EMBEDDERS])


# --- tables made by other benchmark scripts ----------------------------------------------------


def rolo(data: Path) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import rolo_eval

    with tempfile.TemporaryDirectory() as tmp:
        return rolo_eval.fair_table(*rolo_eval.fair_scores(data, Path(tmp)))


def papers(data: Path) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import papers_tables

    with tempfile.TemporaryDirectory() as tmp:
        return papers_tables.table(papers_tables.scores(data, Path(tmp)))


TABLES = {t.name: t for t in (
    Table("reference-agreement", reference_agreement, True, "python benchmarks/readme_tables.py reference-agreement"),
    Table("embedders", embedders, False, "python benchmarks/readme_tables.py embedders"),
    Table("rolo", rolo, False, "python benchmarks/rolo_eval.py --fair"),
    Table("papers", papers, True, "python benchmarks/papers_tables.py"),
)}


def provenance_line(name: str, text: str | None = None) -> str | None:
    """The line after a table saying which command made it and when (``Regenerated YYYY-MM-DD …``)."""
    text = page_of(name).read_text(encoding="utf-8") if text is None else text
    after = text.split(MARKER.format(name=name), 1)[1].split(readme_block(name, text), 1)[1].lstrip("\n")
    first = after.split("\n\n", 1)[0].replace("\n", " ")
    return first if re.search(r"\d{4}-\d{2}-\d{2}", first) and TABLES[name].command in first else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"tables to regenerate (default: all: {', '.join(TABLES)})")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--write", action="store_true", help="put the regenerated tables into their pages")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(TABLES)
    if unknown:
        parser.error(f"unknown table(s): {', '.join(sorted(unknown))}")
    differ = 0
    for name in args.names or list(TABLES):
        table = TABLES[name].build(args.data)
        try:
            same = table == readme_block(name)
        except KeyError:  # in no page yet: --write cannot place it, print it to paste
            same = False
        differ += not same
        print(f"<!-- table: {name} --> ({'same as its page' if same else 'differs from its page'})\n{table}\n",
              flush=True)
        if args.write and not same:
            try:
                page = page_of(name)
            except KeyError:
                continue
            page.write_text(replace_block(name, table, page.read_text(encoding="utf-8")), encoding="utf-8")
    return 1 if differ and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())

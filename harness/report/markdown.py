"""The Markdown report: the same document as the HTML page, with charts as PNG files beside it."""

from __future__ import annotations

from trackbench.harness.report.document import Chart, ComparisonBlock, Document, Text
from trackbench.harness.report.tables import ReportTable, fmt
from trackbench.io.markdown_escape import md_escape as esc


def table_markdown(table: ReportTable) -> str:
    cols = table.keys + table.metrics
    lines = [f"**{esc(table.title)}**", "", "| " + " | ".join(esc(c) for c in cols) + " |",
             "|" + "|".join(":--" if c in table.keys else "--:" for c in cols) + "|"]
    for i, row in enumerate(table.rows):
        cells = [esc(row[k]) for k in table.keys]
        for metric in table.metrics:
            text = esc(fmt(metric, row[metric]))
            cells.append(f"**{text}**" if i in table.best.get(metric, set()) else text)
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [esc(note) for note in table.footnotes]
    return "\n".join(lines) + "\n"


def comparison_markdown(block: ComparisonBlock) -> str:
    lines = [f"**{esc(block.title)}**", "", f"| metric | {esc(block.a)} | {esc(block.b)} | difference | interval |",
             "|:--|--:|--:|--:|--:|"]
    lines += [f"| {esc(m)} | {a:.1f} | {b:.1f} | **{d:+.1f}** | {esc(f'[{lo:.1f}, {hi:.1f}]')} |"
              for m, a, b, d, lo, hi in block.rows]
    lines += ["", f"Method: {esc(block.method)}"] + [f"- note: {esc(n)}" for n in block.notes]
    return "\n".join(lines) + "\n"


def render(doc: Document) -> str:
    parts = [f"# {esc(doc.title)}", ""]
    for section in doc.sections:
        parts += [f"## {esc(section.heading)}", ""]
        for block in section.blocks:
            if isinstance(block, ReportTable):
                parts.append(table_markdown(block))
            elif isinstance(block, Chart):
                parts += [f"![{esc(block.caption)}](<{esc(block.name)}>)", ""]
            elif isinstance(block, ComparisonBlock):
                parts.append(comparison_markdown(block))
            elif isinstance(block, Text):
                if block.text:
                    parts += [esc(block.text), ""]
                parts += [f"- {esc(b)}" for b in block.bullets] + ([""] if block.bullets else [])
    return "\n".join(parts) + "\n"

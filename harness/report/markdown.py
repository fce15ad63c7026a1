"""The Markdown report: the same document as the HTML page, with charts as PNG files beside it."""

from __future__ import annotations

from trackbench.harness.report.document import Chart, ComparisonBlock, Document, Text
from trackbench.harness.report.tables import ReportTable, fmt


def table_markdown(table: ReportTable) -> str:
    cols = table.keys + table.metrics
    lines = [f"**{table.title}**", "", "| " + " | ".join(cols) + " |",
             "|" + "|".join(":--" if c in table.keys else "--:" for c in cols) + "|"]
    for i, row in enumerate(table.rows):
        cells = [row[k] for k in table.keys]
        for metric in table.metrics:
            text = fmt(metric, row[metric])
            cells.append(f"**{text}**" if i in table.best.get(metric, set()) else text)
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [f"{note}" for note in table.footnotes]
    return "\n".join(lines) + "\n"


def comparison_markdown(block: ComparisonBlock) -> str:
    lines = [f"**{block.title}**", "", f"| metric | {block.a} | {block.b} | difference | interval |", "|:--|--:|--:|--:|--:|"]
    lines += [f"| {m} | {a:.1f} | {b:.1f} | **{d:+.1f}** | [{lo:.1f}, {hi:.1f}] |" for m, a, b, d, lo, hi in block.rows]
    lines += ["", f"Method: {block.method}"] + [f"- note: {n}" for n in block.notes]
    return "\n".join(lines) + "\n"


def render(doc: Document) -> str:
    parts = [f"# {doc.title}", ""]
    for section in doc.sections:
        parts += [f"## {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, ReportTable):
                parts.append(table_markdown(block))
            elif isinstance(block, Chart):
                parts += [f"![{block.caption}]({block.name})", ""]
            elif isinstance(block, ComparisonBlock):
                parts.append(comparison_markdown(block))
            elif isinstance(block, Text):
                if block.text:
                    parts += [block.text, ""]
                parts += [f"- {b}" for b in block.bullets] + ([""] if block.bullets else [])
    return "\n".join(parts) + "\n"

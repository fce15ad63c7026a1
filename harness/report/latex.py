"""LaTeX tables for a paper: booktabs rules, the best value of each column in bold, comparisons with intervals.

The output is a fragment of ``table`` environments (needs ``\\usepackage{booktabs}``)
to ``\\input`` into a paper; :func:`standalone` wraps it in a minimal document
that compiles on its own, which is how the tests check it.
"""

from __future__ import annotations

from trackbench.harness.report.document import ComparisonBlock, Document
from trackbench.harness.report.names import LATEX_NAMES
from trackbench.harness.report.tables import ReportTable, fmt

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "−": "--", "–": "--"}


def escape(text: str) -> str:
    """Plain text → LaTeX (special characters escaped, λ as ``$\\lambda$``)."""
    out = "".join(_SPECIAL.get(ch, ch) for ch in str(text))
    for symbol, latex in LATEX_NAMES.items():
        out = out.replace(symbol, latex)
    return out


def table_latex(table: ReportTable, label: str) -> str:
    spec = "l" * len(table.keys) + "r" * len(table.metrics)
    header = " & ".join([escape(k) for k in table.keys] + [escape(m) for m in table.metrics]) + r" \\"
    lines = [r"\begin{table}[t]", r"\centering", f"\\caption{{{escape(table.title)}}}", f"\\label{{{label}}}",
             f"\\begin{{tabular}}{{{spec}}}", r"\toprule", header, r"\midrule"]
    for i, row in enumerate(table.rows):
        cells = [escape(row[k]) for k in table.keys]
        for metric in table.metrics:
            text = escape(fmt(metric, row[metric]))
            cells.append(f"\\textbf{{{text}}}" if i in table.best.get(metric, set()) else text)
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    for note in table.footnotes:
        lines.append(f"\\par\\smallskip\\footnotesize {escape(note)}")
    lines.append(r"\end{table}")
    return "\n".join(lines)


def comparison_latex(block: ComparisonBlock, label: str) -> str:
    lines = [r"\begin{table}[t]", r"\centering", f"\\caption{{{escape(block.title)}. {escape(block.method)}}}",
             f"\\label{{{label}}}", r"\begin{tabular}{lrrrr}", r"\toprule",
             f"metric & {escape(block.a)} & {escape(block.b)} & difference & interval \\\\", r"\midrule"]
    for m, a, b, d, lo, hi in block.rows:
        lines.append(f"{escape(m)} & {a:.1f} & {b:.1f} & ${d:+.1f}$ & $[{lo:.1f}, {hi:.1f}]$ \\\\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines)


def render(doc: Document) -> str:
    """Every table and comparison of the report, as ``table`` environments."""
    parts = [f"% {escape(doc.title)} -- written by trackbench (bench publish); needs \\usepackage{{booktabs}}"]
    for i, table in enumerate(doc.tables(), start=1):
        parts.append(table_latex(table, f"tab:trackbench-{i}"))
    for i, block in enumerate(doc.comparisons(), start=1):
        parts.append(comparison_latex(block, f"tab:trackbench-compare-{i}"))
    return "\n\n".join(parts) + "\n"


def standalone(fragment: str) -> str:
    """A minimal document around a fragment, for compiling it on its own."""
    return ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{booktabs}\n"
            "\\usepackage[margin=1.5cm,landscape]{geometry}\n\\begin{document}\n" + fragment + "\n\\end{document}\n")

"""A report as plain data: sections of text, tables, charts and comparisons, rendered by html/latex/markdown.

:mod:`~trackbench.harness.report.publish` decides *what* a report says;
the renderers decide only *how* each format shows it, so HTML, LaTeX and
Markdown never disagree about a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from trackbench.harness.report.tables import ReportTable


@dataclass
class Chart:
    """A PNG chart: ``name`` is its file name beside the Markdown report."""

    name: str
    png: bytes
    caption: str


@dataclass
class Text:
    """A paragraph, or a bullet list when ``bullets`` is set."""

    text: str = ""
    bullets: list[str] = field(default_factory=list)


@dataclass
class Links(Text):
    """Bullets that are links (``hrefs[i]`` for ``bullets[i]``, relative to the report); other formats show the text."""

    hrefs: list[str] = field(default_factory=list)


Block = Union[ReportTable, Chart, Text, "ComparisonBlock"]


@dataclass
class ComparisonBlock:
    """``bench compare`` results: one row per metric, with the method stated."""

    title: str
    a: str
    b: str
    rows: list[tuple[str, float, float, float, float, float]]  # metric, A, B, A−B, low, high
    method: str
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_comparison(cls, comparison) -> "ComparisonBlock":
        rows = [(m, comparison.values_a[m], comparison.values_b[m], d.estimate, d.low, d.high)
                for m, d in comparison.differences.items()]
        return cls(f"{comparison.a} − {comparison.b}", comparison.a, comparison.b, rows, comparison.method(),
                   list(comparison.notes))

    def lines(self) -> list[str]:
        """``deepsort − sort: HOTA +8.5 [6.1, 10.8]`` for each metric."""
        return [f"{self.a} − {self.b}: {m} {d:+.1f} [{lo:.1f}, {hi:.1f}]" for m, _, _, d, lo, hi in self.rows]


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    sections: list[Section] = field(default_factory=list)

    def tables(self) -> list[ReportTable]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, ReportTable)]

    def comparisons(self) -> list[ComparisonBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, ComparisonBlock)]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

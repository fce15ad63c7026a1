"""``bench compare``: A − B per metric with paired bootstrap intervals, in the terminal, as JSON, HTML, LaTeX."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trackbench.harness.cli.errors import reported
from trackbench.harness.report import html, latex, markdown
from trackbench.harness.report.compare import Comparison, compare, pick_sides, split_trackers
from trackbench.harness.report.document import ComparisonBlock, Document, Section


@dataclass
class CompareRequest:
    runs: list[Path]
    trackers: str | None = None
    metrics: str = "HOTA,MOTA,IDF1"
    resample: str = "auto"
    block_frames: int | None = None
    replicates: int = 1000
    level: float = 0.95
    seed: int = 0
    data_root: Path | None = None
    out: Path | None = None
    format: str = "table"
    jobs: int = 1


def run_compare(request: CompareRequest) -> Comparison:
    if request.format not in ("table", "json"):
        raise ValueError(f"--format must be table or json, got {request.format!r}")
    a, b = pick_sides(request.runs, split_trackers(request.trackers) if request.trackers else None)
    metrics = tuple(m.strip() for m in request.metrics.split(",") if m.strip())
    return compare(a, b, metrics, resample=request.resample, block_frames=request.block_frames,
                   replicates=request.replicates, level=request.level, seed=request.seed,
                   data_root=request.data_root, workers=request.jobs)


def write_outputs(comparison: Comparison, out: Path) -> list[Path]:
    """compare.html (self-contained), compare.tex and compare.md in ``out``."""
    from trackbench.datasets.motfile import atomic_write_text

    doc = Document(f"trackbench comparison: {comparison.a} − {comparison.b}",
                   [Section("Differences with confidence intervals", [ComparisonBlock.from_comparison(comparison)])])
    paths = []
    for kind, render in (("html", html.render), ("tex", latex.render), ("md", markdown.render)):
        path = Path(out) / f"compare.{kind}"
        atomic_write_text(path, render(doc))
        paths.append(path)
    return paths


def execute_compare(request: CompareRequest, console: Console, err_console: Console) -> Comparison:
    with reported(err_console):
        comparison = run_compare(request)
    paths = write_outputs(comparison, request.out) if request.out else []
    if request.format == "json":
        console.out(json.dumps(comparison.to_dict(), indent=2), highlight=False)
        return comparison
    table = Table(title=f"{comparison.a} − {comparison.b} on {len(comparison.sequences)} sequence(s)")
    for col in ("metric", comparison.a, comparison.b, "difference", f"{100 * comparison.level:g}% interval"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for metric, d in comparison.differences.items():
        table.add_row(metric, f"{comparison.values_a[metric]:.1f}", f"{comparison.values_b[metric]:.1f}",
                      f"{d.estimate:+.1f}", f"[{d.low:.1f}, {d.high:.1f}]")
    console.print(table)
    for metric in comparison.differences:
        console.print(comparison.line(metric), markup=False, highlight=False)
    console.print(f"method: {comparison.method()}", markup=False, highlight=False)
    for note in comparison.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    for path in paths:
        console.print(f"saved {path}")
    return comparison

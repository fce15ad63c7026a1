"""Charts of a report as PNG bytes: metric bars, speed against accuracy, per-sequence heatmap, sweep curves.

Each function takes tables and returns the PNG (or None when there is
nothing to draw), so the HTML report embeds them (base64) and the Markdown
report links the same images saved beside it.  Layout choices answer what
went wrong before: legends sit outside the bars, log axes label only their
decades with short numbers, every point in a scatter carries its own label.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd

from trackbench.harness.report.literal_text import literal_text
from trackbench.harness.report.names import paper_label, paper_name

BAR_METRICS = ("HOTA", "MOTA", "IDF1")
COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    plt = _plt()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _short_number(value: float, _pos=None) -> str:
    """Log-axis labels: 1, 10, 100, 1k, 10k (short enough never to overlap)."""
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


@literal_text
def metric_bars(overall: pd.DataFrame) -> bytes | None:
    """Grouped horizontal bars of HOTA, MOTA and IDF1 per tracker (best at the top), legend below."""
    metrics = [m for m in BAR_METRICS if m in overall.columns and overall[m].notna().any()]
    if not metrics or overall.empty:
        return None
    plt = _plt()
    labels = [paper_label(str(t)) for t in overall.index]
    n = len(labels)
    fig, ax = plt.subplots(figsize=(7.5, 0.22 * n * len(metrics) + 1.0))
    height = 0.8 / len(metrics)
    y = np.arange(n)
    for k, metric in enumerate(metrics):
        values = overall[metric].to_numpy(float)
        bars = ax.barh(y + (k - (len(metrics) - 1) / 2) * height, values, height, label=metric, color=COLOURS[k])
        ax.bar_label(bars, fmt="%.1f", padding=2, fontsize=7)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    low = min(0.0, float(np.nanmin(overall[metrics].to_numpy(float))))
    ax.set_xlim(low, 100 if low >= 0 else max(100.0, float(np.nanmax(overall[metrics].to_numpy(float))) + 5))
    ax.set_xlabel("%")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(metrics), frameon=False)  # above, never on a bar
    return _png(fig)


@literal_text
def speed_accuracy(overall: pd.DataFrame, end_to_end: dict[str, float] | None = None, metric: str = "HOTA") -> bytes | None:
    """Accuracy (y) against frames per second (x, log): filled = tracker only, hollow = end to end."""
    if metric not in overall.columns or "Hz" not in overall.columns:
        return None
    data = overall[[metric, "Hz"]].dropna()
    data = data[data["Hz"] > 0]
    if data.empty:
        return None
    plt = _plt()
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    e2e = {k: v for k, v in (end_to_end or {}).items() if v and v > 0 and k in data.index}
    for i, (name, row) in enumerate(data.iterrows()):
        colour = COLOURS[i % len(COLOURS)]
        ax.scatter(row["Hz"], row[metric], s=60, color=colour, zorder=3)
        if name in e2e and not math.isclose(e2e[name], row["Hz"], rel_tol=0.02):
            ax.scatter(e2e[name], row[metric], s=60, facecolors="none", edgecolors=colour, zorder=3)
            ax.annotate("", xy=(e2e[name], row[metric]), xytext=(row["Hz"], row[metric]),
                        arrowprops=dict(arrowstyle="->", color=colour, alpha=0.6))
        offset = (6, 6 if i % 2 == 0 else -12)
        ax.annotate(paper_label(str(name)), (row["Hz"], row[metric]), textcoords="offset points", xytext=offset,
                    fontsize=8, color=colour)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10))
    ax.xaxis.set_major_formatter(FuncFormatter(_short_number))
    ax.xaxis.set_minor_formatter(NullFormatter())
    xs = list(data["Hz"]) + list(e2e.values())
    ax.set_xlim(min(xs) / 2, max(xs) * 3)
    ax.margins(y=0.15)  # room for the labels of the highest and lowest points
    ax.set_xlabel("frames per second (log): ● tracker only" + ("   ○ end to end (decode + embed + track)" if e2e else ""))
    ax.set_ylabel(f"{metric} (%)")
    ax.grid(True, which="major", alpha=0.3)
    return _png(fig)


@literal_text
def sequence_heatmap(per_seq: pd.DataFrame, metric: str = "HOTA") -> bytes | None:
    """Trackers × sequences coloured by ``metric``, values written in the cells; None for a single sequence."""
    if per_seq is None or metric not in per_seq.columns or per_seq.index.nlevels != 2:
        return None
    grid = per_seq[metric].unstack(level=1)
    if grid.shape[1] < 2:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 3, 0.45 * grid.shape[0] + 1.6))
    image = ax.imshow(grid.to_numpy(float), cmap="viridis", aspect="auto", vmin=0, vmax=100)
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], rotation=30, ha="right")
    ax.set_yticks(range(grid.shape[0]), [paper_label(str(r)) for r in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy(float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=8, color="white" if value < 60 else "black")
    fig.colorbar(image, ax=ax, label=f"{metric} (%)")
    return _png(fig)


@literal_text
def sweep_curves(table: pd.DataFrame, axis: str, metrics: tuple[str, ...] = BAR_METRICS,
                 rank_by: str = "HOTA") -> bytes | None:
    """Each metric against the swept parameter; the best setting by ``rank_by`` marked with a star."""
    metrics = tuple(m for m in metrics if m in table.columns and table[m].notna().any())
    if axis not in table.columns or not metrics or len(table) < 2:
        return None
    plt = _plt()
    data = table.copy()
    as_numbers = pd.to_numeric(data[axis], errors="coerce")
    numeric = bool(as_numbers.notna().all())
    xs = as_numbers.to_numpy(float) if numeric else np.arange(len(data), dtype=float)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for k, metric in enumerate(metrics):
        ax.plot(xs, data[metric].to_numpy(float), marker="o", color=COLOURS[k], label=metric)
    if rank_by in data.columns and data[rank_by].notna().any():
        values = data[rank_by].to_numpy(float)
        best = np.flatnonzero(np.isclose(values, np.nanmax(values)))
        ax.scatter(xs[best], values[best], marker="*", s=260, color="gold", edgecolors="black", zorder=4,
                   label=f"best {rank_by}")
        ax.annotate(f"best {rank_by} {values[best[0]]:.1f}", (xs[best[0]], values[best[0]]), textcoords="offset points",
                    xytext=(8, 10), fontsize=8)
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in data[axis]], rotation=30, ha="right")
    ax.set_xlabel(paper_name(axis))
    ax.set_ylabel("%")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=len(metrics) + 1, frameon=False)
    return _png(fig)

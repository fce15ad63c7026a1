"""``bench publish``: turn a finished run folder into a self-contained report.

A run folder already holds machine-readable tables; publishing adds what a
reader needs to trust and compare them: ``report.md`` with the run's
provenance (command, dataset, sequences, resolved parameters, software
versions, git commit), the leaderboards, the notes, and a bar chart of the
headline metrics and speed per tracker (``summary.png``).  Sweep plots already
in the folder are linked.  Everything is written atomically next to the run's
tables, or into ``--out``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trackbench.datasets.motfile import atomic_write_text
from trackbench.harness.report.leaderboard import to_markdown

HEADLINE = ("HOTA", "MOTA", "IDF1")


def load_run(run_dir: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame | None]:
    """The manifest and leaderboards of a completed run, with clear errors otherwise."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a trackbench run folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("status") != "complete":
        raise ValueError(f"run {run_dir} did not complete (status {manifest.get('status')!r}); rerun it before publishing")
    board_path = run_dir / "leaderboard.csv"
    if not board_path.is_file():
        raise FileNotFoundError(f"{run_dir} has no leaderboard.csv (nothing was scored)")
    overall = pd.read_csv(board_path, index_col=0)
    per_path = run_dir / "per_sequence.csv"
    per_seq = pd.read_csv(per_path, index_col=[0, 1]) if per_path.is_file() else None
    return manifest, overall, per_seq


def summary_plot(overall: pd.DataFrame, path: Path) -> Path | None:
    """Bars of HOTA/MOTA/IDF1 per tracker and, beside them, tracker speed (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in HEADLINE if m in overall.columns]
    if not metrics:
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.5 * len(overall) + 2.5), gridspec_kw={"width_ratios": [3, 1]})
    overall[metrics].plot.barh(ax=ax1)
    ax1.set_xlabel("percent")
    ax1.invert_yaxis()
    if "Hz" in overall.columns:
        overall["Hz"].plot.barh(ax=ax2, color="grey", logx=True)
        ax2.set_xlabel("tracker Hz (log)")
        ax2.invert_yaxis()
        ax2.set_yticklabels([])
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return path


def render_report(run_dir: Path, manifest: dict, overall: pd.DataFrame, per_seq: pd.DataFrame | None,
                  images: list[str]) -> str:
    env = manifest.get("environment", {})
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    lines = [
        f"# trackbench run `{run_dir.name}`",
        "",
        f"- dataset: **{manifest.get('dataset')}** ({len(manifest.get('sequences', []))} sequences: "
        f"{', '.join(manifest.get('sequences', []))})",
        f"- started {manifest.get('started')}, finished {manifest.get('finished')}, wall {manifest.get('wall_seconds')} s",
        f"- detections every {manifest.get('detect_every', 1)} frame(s)",
        f"- command: `{' '.join(manifest.get('command', []))}`",
        f"- software: Python {env.get('python')}, {packages}; git {env.get('git_commit') or 'unknown'}",
        f"- machine: {env.get('platform')}",
        "",
        "## Leaderboard (all sequences, combined from summed counts)",
        "",
        to_markdown(overall),
    ]
    lines += [f"![{Path(img).stem}]({img})" for img in images] + [""]
    if per_seq is not None:
        lines += ["## Per sequence", "", to_markdown(per_seq)]
    notes = manifest.get("notes") or []
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    lines += ["## Tracker parameters", ""]
    seen = set()
    for unit in manifest.get("units", []):
        if unit["variant"] in seen:
            continue
        seen.add(unit["variant"])
        params = ", ".join(f"{k}={v}" for k, v in unit.get("params", {}).items())
        lines.append(f"- **{unit['variant']}** ({unit['tracker']}): {params}")
    lines += ["", "Metrics: CLEAR and identity from motmetrics (IoU ≥ 0.5), HOTA from trackeval; "
              "Hz is tracker-only speed (update calls).", ""]
    return "\n".join(lines)


def publish(run_dir: Path, out: Path | None = None) -> Path:
    """Write ``report.md`` (+ ``summary.png``) for a run; returns the report's path."""
    run_dir = Path(run_dir)
    manifest, overall, per_seq = load_run(run_dir)
    target = Path(out) if out is not None else run_dir
    target.mkdir(parents=True, exist_ok=True)
    images = []
    if summary_plot(overall, target / "summary.png") is not None:
        images.append("summary.png")
    for png in sorted(run_dir.glob("*.png")):
        if png.name != "summary.png":
            if target != run_dir:
                (target / png.name).write_bytes(png.read_bytes())
            images.append(png.name)
    report = target / "report.md"
    atomic_write_text(report, render_report(run_dir, manifest, overall, per_seq, images))
    return report

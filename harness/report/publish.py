"""``bench publish``: one or several finished runs → an HTML page, LaTeX tables and Markdown, all from one document.

A run folder holds machine-readable tables; publishing adds what a reader
needs to trust and compare them: provenance (command, dataset, sequences,
frames, resolved parameters, software, git commit), the leaderboard with the
headline columns (the CSV keeps all of them), charts (metric bars, speed
against accuracy with end-to-end speed when embedding/decoding were timed, a
per-sequence heatmap, sweep curves with the best setting starred), notes, and
optional ``bench compare`` results with their method.

Outputs (written atomically): ``report.html`` (self-contained: inline CSS and
script, charts as base64 PNG, sortable tables), ``report.tex`` (booktabs,
best in bold), ``report.md`` with the charts as PNG files beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from trackbench.harness.report import charts, html, latex, markdown
from trackbench.harness.report.document import Chart, ComparisonBlock, Document, Links, Section, Text
from trackbench.harness.report.leaderboard import legend, sort_board
from trackbench.harness.report.names import paper_label, paper_name, plural
from trackbench.harness.report.tables import report_table
from trackbench.datasets.motfile import atomic_write_text
from trackbench.io.atomic import atomic_path
from trackbench.io.csv_cells import read_csv

METRICS_NOTE = ("Metrics: CLEAR (MOTA, FP, FN, IDsw) and identity (IDF1) from {backend} with IoU ≥ 0.5, HOTA "
                "(with DetA, AssA) from TrackEval averaged over IoU thresholds 0.05–0.95; sequences are combined "
                "from summed counts, never by averaging percentages. Hz is tracker-only speed (time inside update "
                "calls, as MOTChallenge reports it); Hz e2e adds image decoding and appearance embedding (at what "
                "computing the vectors cost, also when they came from the cache).")


@dataclass
class RunData:
    """One run folder, loaded."""

    run_dir: Path
    manifest: dict[str, Any]
    overall: pd.DataFrame
    per_seq: pd.DataFrame | None

    @property
    def name(self) -> str:
        return self.run_dir.name

    @property
    def sweep(self) -> dict[str, Any] | None:
        return self.manifest.get("sweep")

    @property
    def tune(self) -> bool:
        """A ``bench tune`` run: its own sections (held out, history, importances, Pareto), not a leaderboard."""
        return isinstance(self.manifest.get("tune"), dict)


def load_run(run_dir: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame | None]:
    """The manifest and leaderboards of a completed run, with clear errors otherwise."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a trackbench run folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("status") not in ("complete", "failed"):  # failed: some units failed, the rest were scored
        raise ValueError(f"run {run_dir} did not complete (status {manifest.get('status')!r}); rerun it before publishing")
    if isinstance(manifest.get("tune"), dict):  # a tune: its held-out runs are the scored leaderboard
        run_dir = run_dir / "heldout"
    board_path = run_dir / "leaderboard.csv"
    if not board_path.is_file():
        raise FileNotFoundError(f"{run_dir} has no leaderboard.csv (nothing was scored)")
    overall = read_csv(board_path, index_col=0)
    per_path = run_dir / "per_sequence.csv"
    per_seq = read_csv(per_path, index_col=[0, 1]) if per_path.is_file() else None
    return manifest, overall, per_seq


def end_to_end_hz(manifest: dict[str, Any]) -> dict[str, float]:
    """Frames per second of each variant counting decoding and embedding too.

    A box-only tracker given detections has nothing to decode or embed: its
    end-to-end speed is its tracker speed.  Empty when nothing in the run
    decoded or embedded (then the column would only repeat Hz).
    """
    frames: dict[str, float] = {}
    seconds: dict[str, float] = {}
    extra: dict[str, float] = {}
    for unit in manifest.get("units", []):
        if unit.get("skipped"):
            continue
        name = unit["variant"]
        frames[name] = frames.get(name, 0) + unit.get("frames", 0)
        embed = unit.get("embed_compute_seconds")  # what computing the vectors cost, even if cached
        if embed is None:
            embed = unit.get("embed_seconds")
        spent = (unit.get("decode_seconds") or 0) + (embed or 0)
        extra[name] = extra.get(name, 0.0) + spent
        seconds[name] = seconds.get(name, 0.0) + (unit.get("tracker_seconds") or 0) + spent
    if not any(v > 0 for v in extra.values()):
        return {}
    return {n: frames[n] / seconds[n] for n in frames if seconds[n] > 0}


def incomplete(run: RunData) -> set[str]:
    """Variants scored on fewer sequences than the run has (skipped somewhere)."""
    if run.per_seq is None:
        return set()
    scored = run.per_seq.dropna(subset=[c for c in ("HOTA", "MOTA") if c in run.per_seq.columns], how="all")
    counts = scored.groupby(level=0).size()
    total = len(run.manifest.get("sequences", []))
    return {str(t) for t, n in counts.items() if n < total}


def _with_e2e(run: RunData) -> pd.DataFrame:
    overall = run.overall.copy()
    e2e = end_to_end_hz(run.manifest)
    if e2e:
        overall["Hz e2e"] = [e2e.get(str(k), float("nan")) for k in overall.index]
    return overall


def provenance(run: RunData) -> Text:
    m, env = run.manifest, run.manifest.get("environment", {})
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    seqs = m.get("sequences", [])
    frames = m.get("frames") or {}
    limit = f"; first {m['max_frames']} frames of each (--max-frames)" if m.get("max_frames") else ""
    bullets = [
        f"dataset: {m.get('dataset')} — {plural(len(seqs), 'sequence')}: {', '.join(seqs)}{limit}",
        f"detections: {(m.get('detections') or {}).get('label')}" if m.get("detections") else "",
        f"frames scored: {sum(frames.values())}" if frames else "",
        f"detections every {m.get('detect_every', 1)} frame(s)" if m.get("detect_every", 1) != 1 else "",
        f"detections scored below {m['min_score']:g} dropped before every tracker (--min-score)"
        if m.get("min_score") is not None else "",
        f"started {m.get('started')}, finished {m.get('finished')}"
        + (f", tracking wall time {m['wall_seconds']} s" if m.get("wall_seconds") is not None else ""),
        f"command: {' '.join(m.get('command', []))}",
        f"software: Python {env.get('python')}, {packages}; git {env.get('git_commit') or 'unknown'}",
        f"machine: {env.get('platform')} ({env.get('processor', '')})",
        f"status {m.get('status')}: {'; '.join(m.get('reasons', []))}" if m.get("status") != "complete" else "",
    ]
    return Text(f"Run {run.name}", [b for b in bullets if b])


def parameters(run: RunData) -> Text:
    """Each tracker's resolved parameters: those all its variants share once, then what each variant changes."""
    first: dict[str, dict[str, Any]] = {}
    for unit in run.manifest.get("units", []):
        first.setdefault(unit["variant"], {"tracker": unit["tracker"], "params": unit.get("params", {})})
    bullets = []
    for tracker in dict.fromkeys(v["tracker"] for v in first.values()):
        variants = {name: v["params"] for name, v in first.items() if v["tracker"] == tracker}
        keys = list(next(iter(variants.values())))
        shared = [k for k in keys if len({repr(p.get(k)) for p in variants.values()}) == 1]
        common = ", ".join(f"{paper_name(k)}={next(iter(variants.values()))[k]}" for k in shared)
        bullets.append(f"{tracker}{' (all settings)' if len(variants) > 1 else ''}: {common}")
        origin = _origin(tracker)
        if origin:
            bullets[-1] = f"{tracker} ({origin}){bullets[-1][len(tracker):]}"
        if len(variants) > 1:
            for name, params in variants.items():
                own = ", ".join(f"{paper_name(k)}={v}" for k, v in params.items() if k not in shared)
                bullets.append(f"{paper_label(name)}: {own}")
    return Text(f"Resolved parameters ({run.name})" if first else "", bullets)


def _origin(tracker: str) -> str:
    """Where a tracker comes from and its paper (empty when its plug-in is not installed here)."""
    try:
        return legend([tracker])[0].split(": ", 1)[1]
    except Exception:  # a report of an old run must not fail over a tracker this machine lacks
        return ""


def _leaderboard_section(runs: list[RunData]) -> tuple[Section, pd.DataFrame, pd.DataFrame | None]:
    """The combined leaderboard of plain (non-sweep) runs; rows named run/tracker when there are several runs."""
    several = len(runs) > 1
    boards, pers, missing, e2e = [], [], set(), {}
    for run in runs:
        board = _with_e2e(run)
        label = (lambda t, r=run: f"{r.name}/{t}") if several else (lambda t: str(t))
        board.index = [label(t) for t in board.index]
        board.index.name = "tracker"
        boards.append(board)
        missing |= {label(t) for t in incomplete(run)}
        e2e.update({label(k): v for k, v in end_to_end_hz(run.manifest).items()})
        if run.per_seq is not None:
            per = run.per_seq.copy()
            per.index = per.index.set_levels([[label(t) for t in per.index.levels[0]], per.index.levels[1]])
            pers.append(per)
    overall = sort_board(pd.concat(boards))
    per_seq = sort_board(pd.concat(pers)) if pers else None
    seqs = sorted({s for r in runs for s in r.manifest.get("sequences", [])})
    dets = sorted({str((r.manifest.get("detections") or {}).get("label")) for r in runs if r.manifest.get("detections")})
    title = (f"Leaderboard — {plural(len(seqs), 'sequence')} combined from summed counts, ranked by HOTA"
             + (f"; detections: {', '.join(dets)}" if dets else ""))
    section = Section("Leaderboard", [report_table(overall, title, incomplete=missing)])
    bars = charts.metric_bars(overall)
    if bars:
        section.blocks.append(Chart("summary.png", bars, "HOTA, MOTA and IDF1 per tracker (best at the top)"))
    speed = charts.speed_accuracy(overall, e2e)
    if speed:
        caption = "Accuracy against speed: filled dots tracker-only Hz" + (
            "; hollow dots end to end (decoding and embedding included)" if e2e else "")
        section.blocks.append(Chart("speed.png", speed, caption))
    return section, overall, per_seq


def _per_sequence_section(per_seq: pd.DataFrame | None) -> Section | None:
    """Only when some tracker ran on more than one sequence (one sequence would repeat the leaderboard)."""
    if per_seq is None or per_seq.index.get_level_values(1).nunique() < 2:
        return None
    section = Section("Per sequence", [])
    heat = charts.sequence_heatmap(per_seq)
    if heat:
        section.blocks.append(Chart("heatmap.png", heat, "HOTA per tracker and sequence"))
    section.blocks.append(report_table(per_seq, "Per sequence (grouped by tracker, trackers in leaderboard order)"))
    return section


def _sweep_section(run: RunData) -> Section:
    sweep = run.sweep or {}
    axes = [a["name"] for a in sweep.get("axes", [])]
    table = run.overall.copy()
    given = {s["label"]: s.get("values", {}) for s in sweep.get("settings", [])}
    for axis in axes:  # values as the user gave them (0.25, not 0.2500)
        if axis in table.columns:
            table[axis] = [given.get(str(label), {}).get(axis, value) for label, value in table[axis].items()]
    e2e = end_to_end_hz(run.manifest)
    if e2e:
        table["Hz e2e"] = [e2e.get(str(k), float("nan")) for k in table.index]
    trackers = table["tracker"].nunique() if "tracker" in table.columns else 1
    keys = (["tracker"] if trackers > 1 else []) + [a for a in axes if a in table.columns]
    detections = (run.manifest.get("detections") or {}).get("label")
    title = (f"Sweep of {', '.join(paper_name(a) for a in axes)} on {run.manifest.get('dataset')} "
             + (f"with {detections} detections " if detections else "")
             + f"({plural(len(run.manifest.get('sequences', [])), 'sequence')}); best value of each column in bold")
    shown = report_table(table.reset_index(drop=True).set_index(keys) if keys else table, title)
    if "HOTA" in table.columns and table["HOTA"].notna().any():
        top = table["HOTA"].max()
        shown.marked = {i for i, v in enumerate(table["HOTA"]) if abs(v - top) < 1e-9}
    section = Section(f"Sweep ({run.name})", [shown])
    if len(axes) == 1 and trackers == 1:
        curve = charts.sweep_curves(table, axes[0])
        if curve:
            section.blocks.append(Chart(f"sweep-{run.name}.png", curve,
                                        f"HOTA, MOTA and IDF1 against {paper_name(axes[0])}; the star marks the best HOTA"))
    elif (run.run_dir / "sweep.png").is_file():
        section.blocks.append(Chart(f"sweep-{run.name}.png", (run.run_dir / "sweep.png").read_bytes(),
                                    "metrics against the first swept parameter (one line per setting of the others)"))
    if "HOTA" in table.columns and table["HOTA"].notna().any():
        best = table[table["HOTA"] == table["HOTA"].max()]
        labels = ", ".join(paper_label(str(i)) for i in best.index)
        tied = " (tied)" if len(best) > 1 else ""
        section.blocks.append(Text(f"Best HOTA {table['HOTA'].max():.1f} at {labels}{tied}."))
    return section


def build_document(runs: list[RunData], comparisons: list[Any] | None = None) -> Document:
    """The report of one or several runs (see module docstring)."""
    names = ", ".join(r.name for r in runs)
    doc = Document(f"trackbench report: {names}")
    plain = [r for r in runs if r.sweep is None and not r.tune]
    per_seq = None
    if plain:
        section, _, per_seq = _leaderboard_section(plain)
        doc.sections.append(section)
    for run in runs:
        if run.sweep is not None:
            doc.sections.append(_sweep_section(run))
        if run.tune:
            from trackbench.harness.tune.report import tune_sections

            doc.sections += tune_sections(run.run_dir, run.manifest, run.name)
    per = _per_sequence_section(per_seq)
    if per:
        doc.sections.append(per)
    if comparisons:
        doc.sections.append(Section("Differences with confidence intervals",
                                    [ComparisonBlock.from_comparison(c) for c in comparisons]))
    notes = [f"{r.name}: {n}" if len(runs) > 1 else n for r in runs for n in r.manifest.get("notes") or []]
    if notes:
        doc.sections.append(Section("Notes", [Text(bullets=notes)]))
    doc.sections.append(Section("Provenance", [provenance(r) for r in runs] + [parameters(r) for r in runs]
                                + [Text(METRICS_NOTE.format(backend=" / ".join(sorted(
                                    {r.manifest.get("clear_backend", "motmetrics") for r in runs}))))]))
    return doc


def inspect_links(runs: list[RunData], target: Path) -> Links | None:
    """Links to the ``bench inspect`` pages of these runs (``<run>/inspect/``), relative to the report folder."""
    import os
    from urllib.parse import quote

    from trackbench.harness.inspect.index import DEFAULT_FOLDER, read_index

    labels, hrefs = [], []
    for run in runs:
        folder = run.run_dir / DEFAULT_FOLDER
        for entry in read_index(folder).values():
            relative = Path(os.path.relpath(folder / entry["file"], target)).as_posix()
            trackers = " vs ".join(str(t) for t in entry.get("trackers", []))
            where = f"{run.name}: " if len(runs) > 1 else ""
            labels.append(f"{where}{entry['sequence']} ({trackers}): {relative}")
            hrefs.append(quote(relative))
    if not labels:
        return None
    return Links("Where and why each tracker fails, per sequence (bench inspect): identity timelines, error "
                 "events counted from the scoring's own matching, per-object HOTA terms.", labels, hrefs)


def default_out(run_dirs: list[Path]) -> Path:
    """The run folder itself for one run; ``<results>/report-<run>-<run>…`` for several."""
    if len(run_dirs) == 1:
        return run_dirs[0]
    return run_dirs[0].parent / ("report-" + "-".join(p.name for p in run_dirs))[:120]


def publish(run_dirs: list[Path] | Path, out: Path | None = None, comparisons: list[Any] | None = None) -> dict[str, Path]:
    """Write report.html, report.tex, report.md and the chart PNGs; returns their paths by kind."""
    dirs = [Path(p) for p in (run_dirs if isinstance(run_dirs, (list, tuple)) else [run_dirs])]
    runs = [RunData(d, *load_run(d)) for d in dirs]
    target = Path(out) if out is not None else default_out(dirs)
    target.mkdir(parents=True, exist_ok=True)
    doc = build_document(runs, comparisons)
    links = inspect_links(runs, target)
    if links is not None:
        doc.sections.insert(len(doc.sections) - 1, Section("Inspect", [links]))  # before Provenance
    written: dict[str, Path] = {}
    for chart in doc.charts():
        with atomic_path(target / chart.name, suffix=".png") as tmp:
            tmp.write_bytes(chart.png)
        written[chart.name] = target / chart.name
    for kind, render in (("html", html.render), ("tex", latex.render), ("md", markdown.render)):
        path = target / f"report.{kind}"
        atomic_write_text(path, render(doc))
        written[kind] = path
    return written

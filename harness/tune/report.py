"""``bench publish`` on a tune run: the held-out verdict, how each search went, what mattered, the trade-offs.

A tune's run folder answers three questions a reader asks before trusting a
tuned leaderboard, and this module turns each into report blocks (the same
:class:`~trackbench.harness.report.document.Document` every format renders):

- **Did tuning help where the search could not look?**  The held-out table
  (``heldout.csv``: default, tuned, tuned − default with its bootstrap
  interval) and each fold's chosen setting with its train-vs-test gap.
- **Did the search settle?**  The optimisation history from ``trials.csv``:
  the objective of every counted trial and the best so far, one panel per
  tracker, one colour per fold; the defaults (trial 0) are marked, so a flat
  best-so-far line says the defaults were never beaten.
- **Which parameters mattered?**  Optuna's parameter importances
  (``optuna.importance.get_param_importances``) on each tracker's
  all-sequences study, only when it has enough completed trials to mean
  anything (:data:`MIN_IMPORTANCE_TRIALS`).  The evaluator is PED-ANOVA
  (how much each parameter decides whether a trial reaches the best 10 %):
  Optuna's default, fANOVA, needs scikit-learn, which trackbench does not
  depend on, and PED-ANOVA is deterministic, so a report reads the same twice.
- **What does speed cost?**  With several objectives, each tracker's Pareto
  front (``pareto/<tracker>.all.csv``) over all its completed trials.

Names in charts (trackers, folds = sequence names, parameters) are user or
data text: every chart is drawn under
:func:`~trackbench.harness.report.literal_text.literal_text` (mathtext off), so
a ``$`` in a name is a dollar sign, never the start of a formula that fails
to parse.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trackbench.harness.report.charts import COLOURS, _plt, _png, _short_number
from trackbench.harness.report.document import Chart, Section, Text
from trackbench.harness.report.leaderboard import higher_is_better
from trackbench.harness.report.literal_text import literal_text
from trackbench.harness.report.tables import ReportTable
from trackbench.io.csv_cells import read_csv

#: Completed trials a study needs before its parameter importances are shown (an importance from fewer is noise).
MIN_IMPORTANCE_TRIALS = 8
#: The all-sequences study (session.ALL; repeated here so publishing never imports the tuning machinery).
ALL = "all"


def is_tune(manifest: dict[str, Any]) -> bool:
    """A tune's own manifest (its ``heldout/`` run folder names the tune by path, a string)."""
    return isinstance(manifest.get("tune"), dict)


def _slug(text: str) -> str:
    """A name safe in a file name and a Markdown link (plug-in trackers are named ``module:Class``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def _objective(manifest: dict[str, Any]) -> list[str]:
    return [str(m) for m in manifest.get("objective") or ["HOTA"]]


# --------------------------------------------------------------------------- tables


def heldout_table(run_dir: Path, manifest: dict[str, Any]) -> ReportTable | None:
    """``heldout.csv`` as a report table; rows whose interval excludes 0 are starred."""
    path = run_dir / "heldout.csv"
    if not path.is_file():
        return None
    df = read_csv(path, index_col=None)
    level = next((c.split("%")[0] for c in df.columns if c.endswith("% low")), "95")
    low, high = f"{level}% low", f"{level}% high"
    metrics = [c for c in ("default", "tuned", "tuned − default", low, high) if c in df.columns]
    held = bool(df["held out"].astype(str).str.lower().eq("true").all()) if "held out" in df.columns else True
    rows, marked = [], set()
    for i, record in df.iterrows():
        excludes_zero = bool(record.get(low, 0) > 0 or record.get(high, 0) < 0)
        if excludes_zero:
            marked.add(i)
        rows.append({"tracker": str(record["tracker"]), "metric": str(record["metric"]) + (" *" if excludes_zero else ""),
                     **{m: float(record[m]) for m in metrics}})
    folds = int(df["folds"].max()) if "folds" in df.columns and len(df) else 0
    title = (f"{'Held out' if held else 'NOT held out (tuned and scored on the same sequences)'}: default vs tuned, "
             f"pooled over {folds} fold(s); objective {', '.join(_objective(manifest))}")
    notes = [f"* the {level}% paired bootstrap interval of tuned − default excludes 0"] if marked else []
    return ReportTable(title, ["tracker", "metric"], metrics, rows, best={}, marked=marked, footnotes=notes)


def folds_table(run_dir: Path) -> ReportTable | None:
    """``folds.csv``: each fold's test sequences, chosen setting and train-vs-test figures."""
    path = run_dir / "folds.csv"
    if not path.is_file():
        return None
    df = read_csv(path, index_col=None)
    keys = [c for c in ("tracker", "fold", "test", "params") if c in df.columns]
    metrics = [c for c in df.columns if c not in keys and c != "train"]
    rows = [{**{k: str(r[k]) for k in keys}, **{m: _float(r[m]) for m in metrics}} for _, r in df.iterrows()]
    return ReportTable("Chosen setting per fold (searched on the fold's other sequences, scored on its test ones)",
                       keys, metrics, rows, best={})


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


# --------------------------------------------------------------------------- history


def best_so_far(values: np.ndarray, maximise: bool) -> np.ndarray:
    """Running best of ``values`` (NaN, a trial that did not count, keeps the previous best)."""
    out = np.full(len(values), np.nan)
    best = np.nan
    for i, v in enumerate(values):
        if np.isfinite(v) and (np.isnan(best) or (v > best if maximise else v < best)):
            best = v
        out[i] = best
    return out


def _focus(ax: Any, groups: list[np.ndarray], maximise: bool) -> int:
    """Zoom the axis on where each fold's search spends its time; returns how many trials fall outside.

    A few disastrous settings (HOTA 0) would otherwise squash the differences
    between good ones, which is what the reader compares.  Each group (a fold:
    its own training sequences, its own level) keeps its best and its better
    three quarters in view.
    """
    lows, highs, every = [], [], []
    for values in groups:
        values = values[np.isfinite(values)]
        if not len(values):
            continue
        every.append(values)
        best = values.max() if maximise else values.min()
        typical = np.percentile(values, 25 if maximise else 75)
        pad = max(abs(best - typical) * 0.3, 0.5)
        lows.append(typical - pad if maximise else best - pad)
        highs.append(best + pad if maximise else typical + pad)
    if not every or sum(len(v) for v in every) < 5:
        return 0
    low, high = min(lows), max(highs)
    ax.set_ylim(low, high)
    values = np.concatenate(every)
    return int(((values < low) | (values > high)).sum())


@literal_text
def history_chart(trials: pd.DataFrame, metric: str) -> bytes | None:
    """Objective per counted trial (dots) and the best so far (steps), a panel per tracker, a colour per fold."""
    done = trials[trials["state"] == "COMPLETE"] if "state" in trials.columns else trials
    if metric not in trials.columns or done.empty:
        return None
    maximise = higher_is_better(metric)
    trackers = list(dict.fromkeys(done["tracker"].astype(str)))
    plt = _plt()
    fig, axes = plt.subplots(len(trackers), 1, figsize=(7.5, 2.6 * len(trackers) + 0.6), squeeze=False,
                             sharex=True)
    for ax, tracker in zip(axes[:, 0], trackers):
        mine = done[done["tracker"].astype(str) == tracker]
        for k, fold in enumerate(dict.fromkeys(mine["fold"].astype(str))):
            rows = mine[mine["fold"].astype(str) == fold].sort_values("trial")
            xs, ys = rows["trial"].to_numpy(float), rows[metric].to_numpy(float)
            colour = COLOURS[k % len(COLOURS)]
            ax.scatter(xs, ys, s=10, color=colour, alpha=0.45)
            ax.step(xs, best_so_far(ys, maximise), where="post", color=colour, label=fold)
            first = rows[rows["default"].astype(str).str.lower() == "true"]
            ax.scatter(first["trial"], first[metric], marker="D", s=28, facecolors="none", edgecolors=colour)
        clipped = _focus(ax, [g[metric].to_numpy(float) for _, g in mine.groupby(mine["fold"].astype(str))], maximise)
        ax.set_title(tracker + (f"  ({clipped} trial(s) far {'below' if maximise else 'above'} the axis)"
                                if clipped else ""), fontsize=9, loc="left")
        ax.set_ylabel(metric)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)  # beside, never on dots
    axes[-1, 0].set_xlabel("trial (◇ paper defaults; line: best so far)")
    return _png(fig)


# --------------------------------------------------------------------------- importances


def importances(storage_path: Path, study_name: str) -> tuple[dict[str, float] | None, str]:
    """(PED-ANOVA importance per parameter, "") or (None, why not): too few trials, one value, no study."""
    if not storage_path.is_file():
        return None, "no study.db"
    try:
        import optuna
        from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances
    except ImportError:
        return None, "Optuna is not installed"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=study_name, storage=f"sqlite:///{storage_path.resolve()}")
    except KeyError:
        return None, "no such study"
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < MIN_IMPORTANCE_TRIALS:
        return None, f"{len(complete)} completed trials (importances need at least {MIN_IMPORTANCE_TRIALS})"
    if len({t.values[0] for t in complete}) < 2:
        return None, "every completed trial scored the same"
    target = None  # one objective: PED-ANOVA reads its direction from the study
    if len(study.directions) > 1:  # with a target it assumes lower is better: give it the first objective so
        sign = -1.0 if study.directions[0] == optuna.study.StudyDirection.MAXIMIZE else 1.0
        target = lambda t: sign * t.values[0]  # noqa: E731
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the lower-is-better reminder, handled just above
            found = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(), target=target)
    except (RuntimeError, ValueError, ImportError) as exc:  # e.g. every parameter held one value
        return None, str(exc)
    return {str(k): float(v) for k, v in found.items()}, ""


@literal_text
def importance_chart(found: dict[str, dict[str, float]]) -> bytes | None:
    """Horizontal bars of each parameter's importance, a panel per tracker."""
    if not found:
        return None
    plt = _plt()
    fig, axes = plt.subplots(len(found), 1, figsize=(7.0, sum(0.3 * len(v) + 0.8 for v in found.values())),
                             squeeze=False)
    for ax, (tracker, values) in zip(axes[:, 0], found.items()):
        names = list(values)[::-1]
        bars = ax.barh(range(len(names)), [values[n] for n in names], color=COLOURS[0])
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=7)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlim(0, 1.1)
        ax.set_title(tracker, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("importance (PED-ANOVA: share in reaching the best 10 % of trials)")
    fig.tight_layout()
    return _png(fig)


# --------------------------------------------------------------------------- Pareto


@literal_text
def pareto_chart(trials: pd.DataFrame, front: pd.DataFrame, tracker: str, metrics: list[str]) -> bytes | None:
    """Every completed trial of the all-sequences study on the first two objectives, the front joined up."""
    y_metric, x_metric = metrics[0], metrics[1]
    mine = trials[(trials["tracker"].astype(str) == tracker) & (trials["fold"].astype(str) == ALL)
                  & (trials["state"] == "COMPLETE")]
    if mine.empty or front.empty or x_metric not in mine.columns:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.scatter(mine[x_metric], mine[y_metric], s=14, color="#999999", alpha=0.6, label="trials")
    ordered = front.sort_values(x_metric)
    ax.plot(ordered[x_metric], ordered[y_metric], marker="o", color=COLOURS[1], label="Pareto front")
    for _, row in ordered.iterrows():
        ax.annotate(str(int(row["trial"])), (row[x_metric], row[y_metric]), textcoords="offset points",
                    xytext=(4, 4), fontsize=7)
    default = mine[mine["default"].astype(str).str.lower() == "true"]
    ax.scatter(default[x_metric], default[y_metric], marker="D", s=40, facecolors="none",
               edgecolors=COLOURS[3], label="paper defaults", zorder=3)
    if x_metric.startswith("Hz") and (mine[x_metric] > 0).all():
        from matplotlib.ticker import FuncFormatter

        ax.set_xscale("log")  # its default labels are mathtext, which literal_text turns off: plain numbers
        ax.xaxis.set_major_formatter(FuncFormatter(_short_number))
        ax.xaxis.set_minor_formatter(FuncFormatter(_short_number))
    clipped = _focus(ax, [mine[y_metric].to_numpy(float)], higher_is_better(y_metric))
    ax.set_xlabel(x_metric)
    ax.set_ylabel(y_metric)
    ax.set_title(f"{tracker}: {y_metric} against {x_metric} (all sequences)"
                 + (f"; {clipped} trial(s) off the axis" if clipped else ""), fontsize=9, loc="left")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def pareto_table(front: pd.DataFrame, tracker: str, metrics: list[str]) -> ReportTable:
    params = [c for c in front.columns if c.startswith("param ")]
    rows = [{"trial": str(int(r["trial"])),
             "setting": ", ".join(f"{c[6:]}={r[c]}" for c in params),
             **{m: _float(r[m]) for m in metrics}} for _, r in front.sort_values(metrics[0]).iterrows()]
    return ReportTable(f"{tracker}: Pareto front on all sequences ({', '.join(metrics)})", ["trial", "setting"],
                       metrics, rows, best={})


# --------------------------------------------------------------------------- the section


def _budget_text(manifest: dict[str, Any]) -> str:
    budget = manifest.get("budget") or {}
    parts = [f"{budget['trials']} completed trials" if budget.get("trials") else "",
             f"{budget['seconds']:g} s" if budget.get("seconds") else ""]
    folds = manifest.get("folds") or []
    scheme = f"{len(folds)} fold(s) + all sequences" if folds else "all sequences only (not held out)"
    return (f"Budget per study: {' or '.join(p for p in parts if p)}; seed {manifest.get('seed')}; "
            f"studies: {scheme}; objective {', '.join(_objective(manifest))}.")


def tune_sections(run_dir: Path, manifest: dict[str, Any], name: str) -> list[Section]:
    """The blocks of one tune run (see module docstring)."""
    metrics = _objective(manifest)
    section = Section(f"Tuning ({name})", [Text(_budget_text(manifest), [
        f"{tracker}: " + ", ".join(f"{k} {v}" for k, v in space.items())
        for tracker, space in (manifest.get("spaces") or {}).items()])])
    for table in (heldout_table(run_dir, manifest), folds_table(run_dir)):
        if table is not None:
            section.blocks.append(table)
    trials_path = run_dir / "trials.csv"
    trials = read_csv(trials_path, index_col=None) if trials_path.is_file() else pd.DataFrame()
    sections = [section]
    if not trials.empty:
        history = history_chart(trials, metrics[0])
        if history:
            section.blocks.append(Chart(f"tune-history-{_slug(name)}.png", history,
                                        f"{metrics[0]} of every counted trial and the best so far, per tracker "
                                        "and fold (◇: the paper defaults, trial 0)"))
        sections.append(_importance_section(run_dir, manifest, name, trials))
        if len(metrics) > 1:
            sections.append(_pareto_section(run_dir, name, trials, metrics))
    return [s for s in sections if s.blocks]


def _importance_section(run_dir: Path, manifest: dict[str, Any], name: str, trials: pd.DataFrame) -> Section:
    found, skipped = {}, []
    for tracker in dict.fromkeys(trials["tracker"].astype(str)):
        values, why = importances(run_dir / "study.db", f"{tracker}/{ALL}")
        if values is None:
            skipped.append(f"{tracker}: not computed ({why})")
        else:
            found[tracker] = values
    section = Section(f"Parameter importances ({name})", [])
    if found:
        rows = [{"tracker": t, "parameter": p, "importance (%)": 100 * v}
                for t, values in found.items() for p, v in values.items()]
        section.blocks.append(ReportTable("PED-ANOVA importance of each parameter for the first objective "
                                          "(all-sequences study; each tracker's sum to 100)",
                                          ["tracker", "parameter"], ["importance (%)"], rows, best={}))
        chart = importance_chart(found)
        if chart:
            section.blocks.append(Chart(f"tune-importance-{_slug(name)}.png", chart,
                                        "Parameter importances (PED-ANOVA), per tracker"))
    if skipped:
        section.blocks.append(Text(bullets=skipped))
    return section


def _pareto_section(run_dir: Path, name: str, trials: pd.DataFrame, metrics: list[str]) -> Section:
    section = Section(f"Pareto fronts ({name})", [])
    for tracker in dict.fromkeys(trials["tracker"].astype(str)):
        path = run_dir / "pareto" / f"{tracker}.{ALL}.csv"
        if not path.is_file():
            continue
        front = read_csv(path, index_col=None)  # written as trials.csv, text cells neutralised
        if front.empty:
            continue
        section.blocks.append(pareto_table(front, tracker, metrics))
        chart = pareto_chart(trials, front, tracker, metrics)
        if chart:
            section.blocks.append(Chart(f"tune-pareto-{_slug(tracker)}-{_slug(name)}.png", chart,
                                        f"{tracker}: every completed trial, its Pareto front joined up"))
    return section

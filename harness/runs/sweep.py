"""Parameter sweeps: a grid of settings → one run variant per setting → one table and a plot.

A sweep is a list of ``name=values`` items (``--param`` on the command line):

- ``lambda=0:1:0.1`` — a range ``start:stop:step``, both ends included, computed
  in decimal so ``0:1:0.1`` gives exactly 0, 0.1, …, 0.9, 1 (no float drift);
- ``max_age=10,30,60`` — a list;
- ``embedder=precomputed`` — a single value: fixed for every setting, not swept.

Several swept parameters form their cartesian grid, in the order given.  Each
setting becomes a :class:`~trackbench.harness.runs.runner.Variant` labelled
``<tracker>[name=value,...]`` (e.g. ``deepsort[lambda=0.3]``) and all of them
run in one ``bench run`` (:func:`trackbench.harness.cli.run.execute`), so a sweep
shares its data loading and the appearance-vector cache across settings.  A
parameter applies to each selected tracker that has it; one no tracker has is
an error.  ``detect_every`` is a harness parameter every tracker accepts: the
detector's frame interval, set per variant.

Outputs in the run folder, beside the usual ones: ``leaderboard.csv``/``.md``
with the swept parameters as columns (one row per setting), and ``sweep.png``,
MOTA, IDF1 and HOTA against the first swept parameter (one line per setting
of the others).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from trackbench import trackers
from trackbench.harness.runs.runner import Variant, check_variant
from trackbench.trackers.params import ParamError, canonical_name, field_names
from trackbench.harness.report.literal_text import literal_text

#: Parameters the harness itself understands (not tracker fields).
HARNESS_PARAMS = ("detect_every",)
#: Metrics drawn in the sweep plot.
PLOT_METRICS = ("MOTA", "IDF1", "HOTA")
#: Most settings one sweep may have (a guard against typos such as 0:1000:0.001).
MAX_SETTINGS = 10_000

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")


def _decimal_text(value: Decimal) -> str:
    """``Decimal('1.0')`` → ``'1'``, ``Decimal('0.30')`` → ``'0.3'``, never exponent notation."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "+0") else text


def parse_values(raw: str) -> list[str]:
    """The values one ``--param`` item stands for (strings, as ``--param`` gives them)."""
    match = _RANGE.match(raw)
    if match:
        try:
            start, stop, step = (Decimal(g) for g in match.groups())
        except InvalidOperation:  # pragma: no cover - the regex admits only numbers
            raise ParamError(f"cannot read range {raw!r}") from None
        if step == 0:
            raise ParamError(f"range {raw!r}: step must not be 0")
        count = _range_count(raw, start, stop, step)
        return [_decimal_text(start + i * step) for i in range(count)]
    if "," in raw:
        values = [v.strip() for v in raw.split(",")]
        if any(not v for v in values):
            raise ParamError(f"empty value in list {raw!r}")
        return values
    return [raw.strip()]


def _range_count(raw: str, start: Decimal, stop: Decimal, step: Decimal) -> int:
    """How many values ``start:stop:step`` has, refused above :data:`MAX_SETTINGS`.

    The quotient is compared before it becomes an ``int``: a step such as
    ``1e-1000000`` overflows the decimal context (``decimal.Overflow``, an
    ``ArithmeticError``) or would build a million-digit integer.
    """
    try:
        if (stop - start) * step < 0:
            raise ParamError(f"range {raw!r}: step {step} never reaches {stop} from {start}")
        quotient = (stop - start) / step
    except ArithmeticError:
        raise ParamError(f"range {raw!r}: the step is too small for the span (far more than {MAX_SETTINGS} "
                         "values)") from None
    if quotient >= MAX_SETTINGS:
        raise ParamError(f"range {raw!r} has {quotient + 1:.6g} values; at most {MAX_SETTINGS}")
    return int(quotient) + 1


@dataclass
class Axis:
    """One swept parameter: the name as the user wrote it, the field it sets, its values."""

    name: str
    field: str
    values: list[str]


@dataclass
class Grid:
    """Swept axes (two or more values each) and fixed parameters (one value)."""

    axes: list[Axis] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)  # field name -> value

    @property
    def size(self) -> int:
        n = 1
        for axis in self.axes:
            n *= len(axis.values)
        return n


def parse_grid(items: list[str]) -> Grid:
    """``["lambda=0:1:0.1", "max_age=10,30", "embedder=precomputed"]`` → a :class:`Grid`."""
    grid = Grid()
    seen: set[str] = set()
    for item in items:
        if "=" not in item:
            raise ParamError(f"--param expects name=values, got {item!r}")
        name, raw = (s.strip() for s in item.split("=", 1))
        key = canonical_name(name)
        if not key:
            raise ParamError(f"--param expects name=values, got {item!r}")
        if key in seen:
            raise ParamError(f"parameter {name} given twice")
        seen.add(key)
        values = parse_values(raw)
        if len(values) == 1:
            grid.fixed[key] = values[0]
        else:
            if len(set(values)) != len(values):
                raise ParamError(f"parameter {name} lists a value twice: {raw}")
            grid.axes.append(Axis(name.replace("-", "_"), key, values))
    if grid.size > MAX_SETTINGS:
        raise ParamError(f"the grid has {grid.size} settings; at most {MAX_SETTINGS}")
    return grid


@dataclass
class Setting:
    """One point of the sweep: its variant and the swept values it takes (by axis name)."""

    variant: Variant
    values: dict[str, str]


def _detect_every(value: str) -> int:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or number < 1:
        raise ParamError(f"detect_every must be a whole number >= 1, got {value!r}")
    return int(number)


def plan(tracker_names: list[str], grid: Grid) -> list[Setting]:
    """Variants for every tracker × the grid points over the parameters that tracker has.

    Every setting's parameters are converted and validated here, so a bad value
    fails before anything runs.
    """
    if not tracker_names:
        raise ParamError("name at least one tracker to sweep (--tracker)")
    used: set[str] = set()
    settings: list[Setting] = []
    for tname in tracker_names:
        cls = trackers.tracker_class(tname)
        known = field_names(cls.Params) | set(HARNESS_PARAMS)
        axes = [a for a in grid.axes if a.field in known]
        fixed = {k: v for k, v in grid.fixed.items() if k in known}
        used |= {a.field for a in axes} | set(fixed)
        for combo in itertools.product(*(a.values for a in axes)):
            point = dict(zip((a.field for a in axes), combo))
            overrides = {**fixed, **point}
            detect_every = overrides.pop("detect_every", None)
            check_variant(tname, overrides)  # raises on a bad value
            label = tname + ("[" + ",".join(f"{a.name}={v}" for a, v in zip(axes, combo)) + "]" if axes else "")
            variant = Variant(tname, tuple(sorted(overrides.items())), label,
                              _detect_every(detect_every) if detect_every is not None else None)
            settings.append(Setting(variant, {a.name: v for a, v in zip(axes, combo)}))
    unknown = ({a.field for a in grid.axes} | set(grid.fixed)) - used
    if unknown:
        raise ParamError(f"no selected tracker has parameter(s): {', '.join(sorted(unknown))}")
    return settings


def _as_number(value: str) -> Any:
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and re.fullmatch(r"[-+]?\d+", value.strip()) else number


def sweep_table(overall: pd.DataFrame, settings: list[Setting], axes: list[Axis]) -> pd.DataFrame:
    """The leaderboard with ``tracker`` and the swept parameters as leading columns, in grid order."""
    rows = []
    for s in settings:
        if s.variant.name not in overall.index:
            continue  # skipped on every sequence
        row: dict[str, Any] = {"setting": s.variant.name, "tracker": s.variant.tracker}
        for axis in axes:
            row[axis.name] = _as_number(s.values[axis.name]) if axis.name in s.values else None
        rows.append(row)
    head = pd.DataFrame(rows).set_index("setting") if rows else pd.DataFrame(index=pd.Index([], name="setting"))
    body = overall.reindex(head.index)
    return pd.concat([head, body], axis=1)


@literal_text
def plot_sweep(table: pd.DataFrame, axes: list[Axis], path: Path, title: str = "") -> Path | None:
    """MOTA, IDF1 and HOTA against the first swept parameter; None when there is nothing to draw."""
    metrics = [m for m in PLOT_METRICS if m in table.columns and table[m].notna().any()]
    if not axes or not metrics or table.empty:
        return None
    # The Figure API without pyplot: no backend switch, no global figure registry, and about half a
    # second less import time, which a sweep of short runs notices.
    from matplotlib.figure import Figure

    x_name = axes[0].name
    others = ["tracker"] + [a.name for a in axes[1:]]
    numeric = pd.api.types.is_numeric_dtype(table[x_name])
    categories = list(dict.fromkeys(table[x_name].astype(str)))
    groups = list(table.groupby(others, sort=False, dropna=False)) if len(table) else []
    single = len(groups) == 1
    several_trackers = table["tracker"].nunique() > 1

    def xs(frame: pd.DataFrame) -> list[Any]:
        return list(frame[x_name]) if numeric else [categories.index(str(v)) for v in frame[x_name]]

    fig = Figure(figsize=(7 if single else 4.5 * len(metrics), 4.2))
    panels = fig.subplots(1, 1 if single else len(metrics), squeeze=False)
    panels = panels[0]
    for i, metric in enumerate(metrics):
        ax = panels[0 if single else i]
        for key, frame in groups:
            key = key if isinstance(key, tuple) else (key,)
            label = metric if single else ", ".join(
                str(k) if n == "tracker" else f"{n}={k}" for n, k in zip(others, key)
                if n != "tracker" or several_trackers)
            ax.plot(xs(frame), frame[metric], marker="o", label=label)
        if not single:
            ax.set_title(metric)
    for ax in panels:
        ax.set_xlabel(x_name)
        ax.set_ylabel("%" if single else "")
        ax.grid(True, alpha=0.3)
        if not numeric:
            ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right")
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
    return path

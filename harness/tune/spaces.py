"""The search space of one tuning: the trackers' declared ranges, changed by ``--space``, less ``--param``.

Trackers declare their tunable fields (:mod:`trackbench.trackers.space`); the
command line adjusts them without editing code:

- ``--space name=low:high`` narrows or widens a range (keeping a declared log
  scale), ``name=low:high:log`` asks for a log scale, ``name=a,b,c`` gives
  choices; a field a tracker has but does not declare becomes tunable this way;
- ``--param name=value`` fixes a parameter for every trial (it leaves the space);
- ``TRACKER.name=...`` scopes either to one tracker, as ``bench run`` does.

Everything is checked before anything runs: a name no selected tracker has,
an empty or inverted range, a log range through zero.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from trackbench import trackers
from trackbench.datasets.sequence import Sequence
from trackbench.harness.runs.runner import split_scoped
from trackbench.trackers.params import ParamError, canonical_name, field_names
from trackbench.trackers.space import SCORES, Dimension, declared_space, field_kind


def parse_space_items(items: list[str] | None) -> dict[str, str]:
    """``["iou_threshold=0.2:0.5"]`` → ``{"iou_threshold": "0.2:0.5"}`` (names canonical, scopes kept)."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, raw = item.partition("=")
        scope, dot, bare = name.strip().rpartition(".")
        key = (scope + dot) + canonical_name(bare) if bare.strip() else ""
        if not sep or not key or not raw.strip():
            raise ParamError(f"--space expects name=low:high or name=a,b,c, got {item!r}")
        if key in out:
            raise ParamError(f"--space {name.strip()} given twice")
        out[key] = raw.strip()
    return out


def _number(text: str, kind: str, item: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParamError(f"--space {item}: cannot read {text!r} as a number") from None
    if kind == "int" and not value.is_integer():
        raise ParamError(f"--space {item}: {text!r} is not a whole number (the parameter is an integer)")
    return value


def _choice(text: str, kind: str, item: str) -> Any:
    low = text.lower()
    if kind == "bool":
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
        raise ParamError(f"--space {item}: {text!r} is not true or false")
    if kind in ("int", "float"):
        value = _number(text, kind, item)
        return int(value) if kind == "int" else value
    return None if low in ("none", "null") else text


def dimension_from_text(name: str, raw: str, kind: str, declared: Dimension | None) -> Dimension:
    """A :class:`Dimension` from ``--space`` text for a field of ``kind`` (see module docstring)."""
    item = f"{name}={raw}"
    if ":" in raw:
        if kind not in ("int", "float"):
            raise ParamError(f"--space {item}: {name} is not numeric; give choices a,b,c")
        parts = [p.strip() for p in raw.split(":")]
        log = declared.log if declared is not None and declared.kind != "choice" else False
        if len(parts) == 3 and parts[2].lower() in ("log", "lin", "linear"):
            log = parts[2].lower() == "log"
            parts = parts[:2]
        if len(parts) != 2 or not all(parts):
            raise ParamError(f"--space {item}: expected low:high or low:high:log")
        low, high = (_number(p, kind, item) for p in parts)
        try:
            return Dimension(name, kind, low, high, log).check()
        except ValueError as exc:
            raise ParamError(f"--space {exc}") from None
    choices = tuple(_choice(c.strip(), kind, item) for c in raw.split(","))
    if any(not c.strip() for c in raw.split(",")):
        raise ParamError(f"--space {item}: an empty choice")
    try:
        return Dimension(name, "choice", choices=choices).check()
    except ValueError as exc:
        raise ParamError(f"--space {exc}") from None


@dataclass
class TrackerSpace:
    """One tracker's space: its dimensions (score bounds not yet resolved) and its fixed parameters."""

    tracker: str
    dimensions: dict[str, Dimension]
    fixed: dict[str, str] = field(default_factory=dict)

    def resolved(self, sequences: list[Sequence]) -> tuple[dict[str, Dimension], list[str]]:
        """Dimensions with ``SCORES`` bounds read from ``sequences``' detections, and notes.

        A score range that collapses (every detection has the same score) leaves
        nothing to tune there: that dimension is dropped with a note.
        """
        low, high = score_range(sequences)
        out, notes = {}, []
        for name, dim in self.dimensions.items():
            if not dim.depends_on_scores():
                out[name] = dim
                continue
            if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
                notes.append(f"{self.tracker}.{name} not tuned: the detections' scores span no range")
                continue
            try:
                out[name] = dim.resolved(low, high)
            except ValueError as exc:
                notes.append(f"{self.tracker}.{name} not tuned: {exc}")
        return out, notes


def score_range(sequences: list[Sequence]) -> tuple[float, float]:
    """Lowest and highest detection score over ``sequences`` (NaN when there are none)."""
    lows = [float(s.detections.scores.min()) for s in sequences if len(s.detections.scores)]
    highs = [float(s.detections.scores.max()) for s in sequences if len(s.detections.scores)]
    return (min(lows), max(highs)) if lows else (float("nan"), float("nan"))


def build_spaces(names: list[str], space_items: dict[str, str], fixed: dict[str, dict[str, str]]) -> list[TrackerSpace]:
    """Each selected tracker's space (declared, then ``--space``, less the fixed parameters).

    ``fixed`` is each tracker's ``--param`` overrides as ``bench run`` resolved
    them.  Raises ParamError for a ``--space`` name that no selected tracker
    has, a scope that names no selected tracker, or a tracker left with
    nothing to tune.
    """
    plain, scoped = split_scoped(space_items, names)
    unused = set(plain)
    spaces = []
    for name in names:
        params_cls = trackers.tracker_class(name).Params
        known = field_names(params_cls)
        lacking = sorted(set(scoped.get(name, {})) - known)
        if lacking:
            raise ParamError(f"--space: {name} has no parameter(s) {', '.join(lacking)}")
        dims = dict(declared_space(params_cls))
        given = {k: v for k, v in plain.items() if k in known}
        unused -= set(given)
        given.update(scoped.get(name, {}))
        for key, raw in given.items():
            dims[key] = dimension_from_text(key, raw, field_kind(params_cls, key), dims.get(key))
        mine = fixed.get(name, {})
        dims = {k: v for k, v in dims.items() if k not in mine}
        if not dims:
            raise ParamError(f"--space: {name} has nothing to tune (no declared range; add one with "
                             f"--space {name}.NAME=LOW:HIGH)")
        spaces.append(TrackerSpace(name, dims, dict(mine)))
    if unused:
        raise ParamError(f"--space: no selected tracker has parameter(s) {', '.join(sorted(unused))}")
    return spaces


def describe_space(params_cls: type) -> list[tuple[str, Any, str]]:
    """(field, default, range) of every declared dimension: what ``bench trackers --space`` prints."""
    defaults = {f.name: f.default for f in dataclasses.fields(params_cls)}
    return [(name, defaults.get(name), dim.describe()) for name, dim in declared_space(params_cls).items()]


__all__ = ["SCORES", "TrackerSpace", "build_spaces", "describe_space", "dimension_from_text", "parse_space_items",
           "score_range"]

"""Search spaces: which tracker parameters a tuner may change, and over which range.

A leaderboard of paper defaults answers "whose defaults suit this data"; a fair
comparison tunes every tracker under the same budget, which needs each
tracker to say what is worth tuning.  The range lives next to the field and
its default, so a tracker (or a plug-in) declares it once, where its
parameters are documented::

    @dataclass
    class MyParams:
        max_age: int = tunable(30, 5, 120, log=True)
        iou_threshold: float = tunable(0.3, 0.1, 0.7)
        use_byte: bool = tunable(False, choices=(False, True))
        det_thresh: float = tunable(0.6, SCORES, SCORES)

``tunable`` is an ordinary ``dataclasses.field`` with the range in its
metadata; the dataclass keeps working as before.  Integer or float is the
field's type.  ``SCORES`` as a bound means "the lowest (or highest) detection
score of the data being tuned on": a score threshold's useful range depends on
the detector (DPM scores are not in [0, 1]), so it is read from the data
instead of fixed here.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Any, Union

#: A bound that stands for the detection scores' minimum (as low) or maximum (as high) on the tuning data.
SCORES = "scores"

Bound = Union[float, str]


@dataclass(frozen=True)
class Dimension:
    """One tunable parameter: a numeric range (linear or log) or a set of choices."""

    name: str
    kind: str  # "float", "int" or "choice"
    low: Bound | None = None
    high: Bound | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    def depends_on_scores(self) -> bool:
        return self.low == SCORES or self.high == SCORES

    def describe(self) -> str:
        """``float 0.1..0.7``, ``int 5..120 (log)``, ``one of False, True``, ``float detection scores``."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)

        def show(bound: Bound | None, end: str) -> str:
            return f"{end} detection score" if bound == SCORES else f"{bound:g}"

        text = f"{self.kind} {show(self.low, 'lowest')}..{show(self.high, 'highest')}"
        return text + (" (log)" if self.log else "")

    def check(self) -> "Dimension":
        """Raise ValueError for an empty, inverted or non-positive log range; returns itself."""
        if self.kind == "choice":
            if not self.choices:
                raise ValueError(f"{self.name}: no choices")
            if len(set(map(repr, self.choices))) != len(self.choices):
                raise ValueError(f"{self.name}: a choice is listed twice")
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"{self.name}: a numeric range needs low and high")
        if SCORES in (self.low, self.high):
            return self  # checked once the data gives the scores (resolved())
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"{self.name}: range {low:g}..{high:g} must be finite")
        if low > high:
            raise ValueError(f"{self.name}: range {low:g}..{high:g} is inverted (low > high)")
        if low == high:
            raise ValueError(f"{self.name}: range {low:g}..{high:g} is empty (low = high)")
        if self.log and low <= 0:
            raise ValueError(f"{self.name}: a log range needs low > 0, got {low:g}")
        if self.kind == "int" and (not low.is_integer() or not high.is_integer()):
            raise ValueError(f"{self.name}: an integer range needs whole bounds, got {low:g}..{high:g}")
        return self

    def resolved(self, score_low: float, score_high: float) -> "Dimension":
        """The range with ``SCORES`` bounds replaced by the data's lowest/highest detection score."""
        if not self.depends_on_scores():
            return self
        low = score_low if self.low == SCORES else self.low
        high = score_high if self.high == SCORES else self.high
        return dataclasses.replace(self, low=float(low), high=float(high)).check()


def tunable(default: Any, low: Bound | None = None, high: Bound | None = None, *, log: bool = False,
            choices: tuple[Any, ...] | None = None, **field_options: Any) -> Any:
    """A dataclass field with ``default`` whose metadata declares its search range (see module docstring)."""
    if choices is not None:
        spec: dict[str, Any] = {"choices": tuple(choices)}
    elif low is not None and high is not None:
        spec = {"low": low, "high": high, "log": log}
    else:
        raise ValueError("tunable() needs low and high, or choices")
    metadata = {**(field_options.pop("metadata", None) or {}), "space": spec}
    return dataclasses.field(default=default, metadata=metadata, **field_options)


def _kind(hint: Any) -> str:
    """``int`` or ``float`` from a field's type (``int | None`` counts as int)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    if int in args and bool not in args:
        return "int"
    return "float"


def dimension_for(name: str, spec: dict[str, Any], hint: Any) -> Dimension:
    """A :class:`Dimension` from a field's ``space`` metadata and its type hint."""
    if "choices" in spec:
        return Dimension(name, "choice", choices=tuple(spec["choices"])).check()
    return Dimension(name, _kind(hint), spec["low"], spec["high"], bool(spec.get("log", False))).check()


def field_kind(params_cls: type, name: str) -> str:
    """``int``, ``float``, ``bool`` or ``str``: how a range given for field ``name`` is read."""
    hint = typing.get_type_hints(params_cls)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    for kind in (bool, int, float):
        if kind in args:
            return kind.__name__
    return "str"


def declared_space(params_cls: type) -> dict[str, Dimension]:
    """Every field of ``params_cls`` declared with :func:`tunable`, in field order."""
    hints = typing.get_type_hints(params_cls)
    return {f.name: dimension_for(f.name, dict(f.metadata["space"]), hints[f.name])
            for f in dataclasses.fields(params_cls) if "space" in f.metadata}


def defaults(params_cls: type) -> dict[str, Any]:
    """Each field's default value (the paper's), by name."""
    out = {}
    for f in dataclasses.fields(params_cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            out[f.name] = f.default_factory()  # type: ignore[misc]
    return out

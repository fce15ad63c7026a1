"""Typed tracker parameters set by name from the command line.

Each tracker's parameters are a dataclass with the paper's defaults.  The CLI and
sweeps pass strings (``--param lambda=0.3``); this module converts them to the
field's type and reports which names a parameter class does not have, so the
harness can apply one ``--param`` to every tracker that has it.
"""

from __future__ import annotations

import dataclasses
import keyword
import typing
from typing import Any, Mapping


class ParamError(ValueError):
    """A parameter value that cannot be converted, or a name no tracker has."""


def _convert(name: str, raw: Any, hint: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or (origin is not None and type(None) in args):
        if raw.lower() in ("none", "null", ""):
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(name, raw, inner[0]) if inner else raw
    try:
        if hint is bool:
            low = raw.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if hint is int:
            as_float = float(raw)
            if not as_float.is_integer():
                raise ValueError(raw)
            return int(as_float)
        if hint is float:
            return float(raw)
    except ValueError:
        raise ParamError(f"parameter {name}: cannot read {raw!r} as {hint.__name__}") from None
    return raw


def field_names(params_cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(params_cls)}


def canonical_name(name: str) -> str:
    """The field a command-line name sets: ``-`` becomes ``_``, and a Python keyword
    gets a trailing ``_`` (``lambda`` → ``lambda_``), since fields cannot be keywords."""
    name = name.strip().replace("-", "_")
    return f"{name}_" if keyword.iskeyword(name) else name


def build_params(params_cls: type, overrides: Mapping[str, Any]) -> Any:
    """Instantiate ``params_cls`` with the overrides it knows; ignore the others."""
    hints = typing.get_type_hints(params_cls)
    known = field_names(params_cls)
    overrides = {canonical_name(k): v for k, v in overrides.items()}
    values = {k: _convert(k, v, hints[k]) for k, v in overrides.items() if k in known}
    try:
        params = params_cls(**values)
        validate = getattr(params, "validate", None)
        if callable(validate):
            validate()
    except ParamError:
        raise
    except (ValueError, TypeError) as exc:  # a tracker's own range checks (e.g. lambda in [0, 1])
        raise ParamError(f"{params_cls.__qualname__.split('.')[0]} parameters: {exc}") from None
    return params


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["a=1", "b=x"]`` to ``{"a": "1", "b": "x"}`` with a clear error on bad items."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise ParamError(f"--param expects name=value, got {item!r}")
        key, value = item.split("=", 1)
        key = canonical_name(key)
        if not key:
            raise ParamError(f"--param expects name=value, got {item!r}")
        out[key] = value.strip()
    return out


def as_dict(params: Any) -> dict[str, Any]:
    return dataclasses.asdict(params)

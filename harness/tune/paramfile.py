"""Parameter files: a tune's best settings in a form ``bench run --params-file`` applies.

Two shapes are read (and written by ``bench tune``)::

    {"tracker": "sort", "params": {"max_age": 4, "iou_threshold": 0.21}, ...}
    {"trackers": {"sort": {"params": {...}}, "ocsort": {"params": {...}}}}

Each value becomes ``--param TRACKER.name=value`` ahead of the command line's
own ``--param`` items, which therefore win.  Values that JSON cannot hold
exactly (``-inf``) are written as strings, which ``--param`` reads the same.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from trackbench.trackers.params import ParamError


def json_value(text: str) -> Any:
    """A ``--param`` string as the plainest JSON value that reads back to it (numbers, booleans, text)."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(text) if text.lstrip("+-").isdigit() else number


def value_text(value: Any) -> str:
    """How a parameter value travels to ``--param`` (exact: ``repr`` of a float round-trips)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return repr(value) if isinstance(value, float) else str(value)


def read_params_file(path: Path) -> dict[str, dict[str, str]]:
    """``{tracker: {name: value as --param text}}`` from a parameter file; one-line errors naming the file."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ParamError(f"--params-file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ParamError(f"--params-file {path}: not JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("tracker"), str) and isinstance(data.get("params"), dict):
        entries = {data["tracker"]: data["params"]}
    elif isinstance(data, dict) and isinstance(data.get("trackers"), dict):
        entries = {}
        for name, entry in data["trackers"].items():
            params = entry.get("params") if isinstance(entry, dict) and "params" in entry else entry
            if not isinstance(params, dict):
                raise ParamError(f"--params-file {path}: trackers.{name} holds no parameters")
            entries[name] = params
    else:
        raise ParamError(f"--params-file {path}: expected {{\"tracker\": ..., \"params\": {{...}}}} or "
                         "{\"trackers\": {NAME: {\"params\": {...}}}}")
    return {tracker: {str(k): value_text(v) for k, v in params.items()} for tracker, params in entries.items()}


def param_items(path: Path) -> tuple[list[str], list[str]]:
    """(the file's trackers, its values as scoped ``--param`` items ``TRACKER.name=value``)."""
    entries = read_params_file(path)
    items = [f"{tracker}.{name}={value}" for tracker, params in entries.items() for name, value in params.items()]
    return list(entries), items


def document(tracker: str, values: dict[str, str], **meta: Any) -> dict[str, Any]:
    """One tracker's parameter file: its parameters as JSON values, plus where they came from."""
    return {"tracker": tracker, "params": {k: json_value(v) for k, v in sorted(values.items())}, **meta}

"""Tracker registry: names on the command line to tracker classes, imported lazily.

Heavy trackers (torch, onnxruntime) are imported only when selected, so
``bench --help`` stays fast.  Add a tracker by adding one line to ``_REGISTRY``.
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

from trackbench.trackers.base import Requirements, Tracker, TrackOutput
from trackbench.trackers.params import ParamError, build_params

_REGISTRY: dict[str, str] = {
    "sort": "trackbench.trackers.sort.tracker:Sort",
    "deepsort": "trackbench.trackers.deepsort.tracker:DeepSort",
    "meanshift": "trackbench.trackers.image_based.meanshift:MeanShift",
    "camshift": "trackbench.trackers.image_based.meanshift:CamShift",
    "optical_flow": "trackbench.trackers.image_based.optical_flow:OpticalFlow",
    "rolo": "trackbench.trackers.rolo.tracker:Rolo",
}


def available() -> list[str]:
    """Names of every registered tracker, in registration order."""
    return list(_REGISTRY)


def tracker_class(name: str) -> type[Tracker]:
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ParamError(
            f"unknown tracker {name!r}; available: {', '.join(available())}"
        ) from None
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def create(name: str, overrides: Mapping[str, Any] | None = None) -> Tracker:
    """A tracker with its parameters set from ``overrides`` (the names it has)."""
    cls = tracker_class(name)
    return cls(build_params(cls.Params, overrides or {}))


__all__ = ["Requirements", "Tracker", "TrackOutput", "available", "create", "tracker_class"]

"""Tracker registry: names on the command line to tracker classes, imported lazily.

Heavy trackers (torch, onnxruntime) are imported only when selected, so
``bench --help`` stays fast.  A tracker name is one of:

* a built-in name (``_REGISTRY``; add one line to add a tracker here);
* an adapter to another library (``_ADAPTERS``, ``rf.bytetrack``, ``boxmot.ocsort``;
  usable when that library is installed, see ``trackers/adapters``);
* a name registered by an installed package under the entry-point group
  ``trackbench.trackers`` (``[project.entry-points."trackbench.trackers"]``);
* ``package.module:ClassName``, any importable :class:`Tracker` subclass.

All four are used the same way afterwards: typed ``--param``, sweeps, timing, scoring.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
from dataclasses import dataclass
from typing import Any, Mapping

from trackbench.datasets.sequence import Detections  # noqa: F401  (public: trackbench.trackers.Detections)
from trackbench.trackers.base import Requirements, Tracker, TrackOutput
from trackbench.trackers.params import ParamError, build_params

ENTRY_POINT_GROUP = "trackbench.trackers"

_REGISTRY: dict[str, str] = {
    "sort": "trackbench.trackers.sort.tracker:Sort",
    "deepsort": "trackbench.trackers.deepsort.tracker:DeepSort",
    "meanshift": "trackbench.trackers.image_based.meanshift:MeanShift",
    "camshift": "trackbench.trackers.image_based.meanshift:CamShift",
    "optical_flow": "trackbench.trackers.image_based.optical_flow:OpticalFlow",
    "rolo": "trackbench.trackers.rolo.tracker:Rolo",
    "bytetrack": "trackbench.trackers.bytetrack.tracker:ByteTrack",
    "ocsort": "trackbench.trackers.ocsort.tracker:OcSort",
    "botsort": "trackbench.trackers.botsort.tracker:BoTSort",
}

# Adapters to the packaged trackers users compare against: name -> (target, PyPI
# distribution that must be installed).  Run only when named, never by default.
_RF, _BOXMOT = "trackbench.trackers.adapters.roboflow", "trackbench.trackers.adapters.boxmot"
_ADAPTERS: dict[str, tuple[str, str]] = {
    "rf.sort": (f"{_RF}:RfSort", "trackers"),
    "rf.bytetrack": (f"{_RF}:RfByteTrack", "trackers"),
    "rf.ocsort": (f"{_RF}:RfOcSort", "trackers"),
    "rf.botsort": (f"{_RF}:RfBotSort", "trackers"),
    "rf.cbiou": (f"{_RF}:RfCBIoU", "trackers"),
    "rf.mcbyte": (f"{_RF}:RfMcByte", "trackers"),
    "boxmot.bytetrack": (f"{_BOXMOT}:BoxmotByteTrack", "boxmot"),
    "boxmot.ocsort": (f"{_BOXMOT}:BoxmotOcSort", "boxmot"),
    "boxmot.botsort": (f"{_BOXMOT}:BoxmotBotSort", "boxmot"),
}


class TrackerSpecError(ParamError):
    """A tracker name or ``module:Class`` spec that does not resolve to a Tracker."""


@dataclass(frozen=True)
class Source:
    """Where a tracker name comes from, for ``bench trackers`` and the leaderboard legend."""

    kind: str  # "built-in", "adapter", "entry point", "module"
    detail: str = ""  # distribution name (entry point, adapter) or module path

    def __str__(self) -> str:
        if self.kind == "adapter":
            return f"adapter (PyPI {self.detail})"
        return f"{self.kind} {self.detail}".strip()


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """Trackers registered by installed packages; built-in names take precedence."""
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def adapter_requirements() -> dict[str, str]:
    """Every adapter name and the distribution it needs (installed or not).

    Not called ``adapters``: importing the ``adapters`` sub-package (which loading any adapter does) would
    replace a package attribute of that name with the module.
    """
    return {name: dist for name, (_, dist) in _ADAPTERS.items()}


def plugins() -> list[str]:
    """Names registered through entry points that do not clash with a built-in or adapter name."""
    return [n for n in _entry_points() if n not in _REGISTRY and n not in _ADAPTERS]


def defaults() -> list[str]:
    """What ``bench run`` runs without ``--trackers``: built-ins and installed plugins.

    Adapters run only when named: they exist to compare against, and a default
    run should not change with what else happens to be installed.
    """
    return list(_REGISTRY) + plugins()


def available() -> list[str]:
    """Every tracker name usable here: built-ins, installed adapters, plugins."""
    installed = [n for n, (_, dist) in _ADAPTERS.items() if _installed(dist)]
    return list(_REGISTRY) + installed + plugins()


def source(name: str) -> Source:
    """Where ``name`` comes from: built-in, adapter <distribution>, entry point <distribution>, module <path>."""
    if name in _REGISTRY:
        return Source("built-in")
    if name in _ADAPTERS:
        return Source("adapter", _ADAPTERS[name][1])
    ep = _entry_points().get(name)
    if ep is not None:
        dist = ep.dist.name if ep.dist is not None else "?"
        return Source("entry point", dist)
    if ":" in name:
        return Source("module", name)
    raise TrackerSpecError(_unknown(name))


def describe(name: str) -> str:
    """One line naming where a tracker comes from and its paper, for leaderboard legends."""
    where = source(name)
    try:
        cls = tracker_class(name)
    except TrackerSpecError:
        return str(where)
    who = cls.origin or str(where)
    if where.kind == "adapter":
        who = f"{cls.origin} {importlib.metadata.version(where.detail)} (adapter)"
    elif cls.origin and where.kind != "built-in":
        who = f"{cls.origin} ({where})"
    return "; ".join([who] + ([cls.paper] if cls.paper else []))


def _unknown(name: str) -> str:
    return (f"unknown tracker {name!r}; available: {', '.join(available())} "
            "(or package.module:ClassName)")


def _load_target(spec: str, what: str, checked: bool = False) -> type[Tracker]:
    """Import ``module:Attr`` and check it is a concrete Tracker subclass, with one-line errors.

    ``checked``: a spec from the command line is first checked without running
    its module (:mod:`trackbench.trackers.plugin_spec`).
    """
    module_name, _, attr = spec.partition(":")
    module_name, attr = module_name.strip(), attr.strip()
    if not module_name or not attr:
        raise TrackerSpecError(f"{what}: expected package.module:ClassName, got {spec!r}")
    if not all(part.isidentifier() for part in module_name.split(".") + attr.split(".")):
        # a path (../evil) or a relative import is never a module name: refuse before importing
        raise TrackerSpecError(f"{what}: expected package.module:ClassName (dotted Python names), got {spec!r}")
    if checked:
        from trackbench.trackers.plugin_spec import why_refused

        reason = why_refused(module_name, attr)
        if reason:
            raise TrackerSpecError(f"{what}: {reason}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise TrackerSpecError(f"{what}: module {module_name!r} not found") from None
        raise TrackerSpecError(f"{what}: importing {module_name!r} failed: no module named {exc.name!r}") from None
    except ImportError as exc:
        raise TrackerSpecError(f"{what}: importing {module_name!r} failed: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise TrackerSpecError(f"{what}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Tracker)):
        raise TrackerSpecError(f"{what}: {spec} is not a Tracker subclass (trackbench.trackers.base.Tracker)")
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
        raise TrackerSpecError(f"{what}: {spec} is abstract (it does not implement {missing}); name a concrete "
                               "Tracker subclass")
    return obj


def tracker_class(name: str) -> type[Tracker]:
    """The class behind a tracker name, adapter, entry point or ``module:Class`` spec."""
    if name in _REGISTRY:
        return _load_target(_REGISTRY[name], f"tracker {name!r}")
    if name in _ADAPTERS:
        target, dist = _ADAPTERS[name]
        if not _installed(dist):
            raise TrackerSpecError(
                f"tracker {name!r} adapts the {dist!r} package, which is not installed "
                f"(pip install 'trackbench[peers]')")
        return _load_target(target, f"tracker {name!r}")
    ep = _entry_points().get(name)
    if ep is not None:
        dist = ep.dist.name if ep.dist is not None else "?"
        return _load_target(ep.value, f"tracker {name!r} (entry point of {dist})")
    if ":" in name:
        return _load_target(name, f"tracker {name!r}", checked=True)
    raise TrackerSpecError(_unknown(name))


def create(name: str, overrides: Mapping[str, Any] | None = None) -> Tracker:
    """A tracker with its parameters set from ``overrides`` (the names it has)."""
    cls = tracker_class(name)
    return cls(build_params(cls.Params, overrides or {}))


#: The built-in trackers as classes for use from Python, ``trackbench.trackers.ByteTrack(track_thresh=0.5)``:
#: public name -> registry name.  Imported on first use, like the registry's names.
CLASSES: dict[str, str] = {
    "Sort": "sort", "DeepSort": "deepsort", "ByteTrack": "bytetrack", "OCSort": "ocsort", "BoTSORT": "botsort",
    "ROLO": "rolo", "MeanShift": "meanshift", "CamShift": "camshift", "OpticalFlow": "optical_flow",
}


def __getattr__(name: str) -> Any:
    """A built-in tracker class by its public name (:data:`CLASSES`), imported the first time it is used."""
    if name in CLASSES:
        cls = tracker_class(CLASSES[name])
        globals()[name] = cls
        return cls
    raise AttributeError(f"module 'trackbench.trackers' has no attribute {name!r}")


__all__ = ["BoTSORT", "ByteTrack", "CamShift", "DeepSort", "Detections", "ENTRY_POINT_GROUP", "MeanShift",
           "OCSort", "OpticalFlow", "ROLO", "Requirements", "Sort", "Source", "TrackOutput", "Tracker",
           "TrackerSpecError", "adapter_requirements", "available", "create", "defaults", "describe", "plugins",
           "source", "tracker_class"]

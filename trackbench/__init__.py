"""trackbench: a benchmark and evaluation harness for multi-object trackers.

The public Python API is the names in ``__all__`` (and
``trackbench.trackers.__all__``); everything else is internal and may change
without notice (see the documentation's "API stability" page)::

    import trackbench

    result = trackbench.run(trackers=["sort", "bytetrack"], dataset="synth")
    result.overall                     # the leaderboard, a pandas DataFrame
    tracker = trackbench.trackers.ByteTrack(track_thresh=0.5)

Names are imported on first use (PEP 562), so ``import trackbench`` stays as
cheap as it was before the API existed: numpy, pandas and the harness load when
a function is called, not when the package is imported.

Only this name is installed.  The repository keeps its three layers in the
top-level folders ``datasets/``, ``trackers/`` and ``harness/``; the build maps
them to ``trackbench.datasets``, ``trackbench.trackers`` and
``trackbench.harness`` (see ``pyproject.toml``), so trackbench never shadows
HuggingFace ``datasets`` or roboflow ``trackers`` in the same environment.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any

try:
    __version__ = metadata.version("trackbench")
except metadata.PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0+unknown"

#: Public name -> the module that defines it (imported on first access).
_LAZY = {
    "run": "trackbench.api",
    "sweep": "trackbench.api",
    "tune": "trackbench.api",
    "evaluate": "trackbench.api",
    "load_dataset": "trackbench.api",
    "save_mot": "trackbench.api",
    "RunResult": "trackbench.api",
    "SweepResult": "trackbench.api",
    "TuneResult": "trackbench.api",
    "Detections": "trackbench.datasets.sequence",
    "Sequence": "trackbench.datasets.sequence",
    "SequenceInfo": "trackbench.datasets.sequence",
}
#: Sub-packages reachable as attributes after a bare ``import trackbench`` (``trackbench.trackers.Sort``).
_SUBPACKAGES = ("trackers", "datasets", "harness")

def __getattr__(name: str) -> Any:
    """Import a public name, or a sub-package, the first time it is used."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"trackbench.{name}")
    else:
        raise AttributeError(f"module 'trackbench' has no attribute {name!r}")
    globals()[name] = value  # later accesses are plain attribute lookups
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))


__all__ = ["Detections", "RunResult", "Sequence", "SequenceInfo", "SweepResult", "TuneResult", "__version__",
           "evaluate", "load_dataset", "run", "save_mot", "sweep", "trackers", "tune"]

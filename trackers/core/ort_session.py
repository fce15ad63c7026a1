"""Where and how onnxruntime work runs: one rule for every ONNX model (the ``reid`` and ``onnx:`` embedders, ROLO).

The torch-side rule is :mod:`trackbench.trackers.core.device`; this is its
onnxruntime twin, so that no model picks execution providers or session
options on its own.

**Providers.** ``cpu`` → the CPU provider.  ``cuda`` / ``cuda:N`` → the CUDA
provider (device N), an error when this onnxruntime build has none (the plain
``onnxruntime`` wheel is CPU-only; ``onnxruntime-gpu`` has CUDA).  ``auto`` →
CUDA when the build offers it, else the CPU — except for models that ask for
``gpu_on_auto=False``: ROLO's LSTM sees one batch of a few tracks per frame,
where a GPU's launch and copy costs exceed the work, so it uses CUDA only when
told to (as its NumPy/torch path always did).  The CPU provider is always
listed last, as the fallback for operators CUDA lacks.

**Session options**, chosen for trackbench's workload (many small batches, one
unit per process, several processes per machine):

- ``intra_op_num_threads = 1`` unless the caller names a count: parallelism
  comes from running units in parallel processes (``--jobs``), and per-frame
  batches (a frame's crops, a frame's tracks) are too small to split well;
  onnxruntime's default (one thread per physical core) would oversubscribe a
  machine running several units and makes timings depend on the neighbours.
- thread spinning off (``session.intra_op.allow_spinning = 0``): with more than
  one thread, spinning workers burn a core between the tiny runs that a tracker
  makes once per frame, stealing it from the other processes.
- ``inter_op_num_threads = 1`` and sequential execution: these graphs are
  chains with no parallel branches.
- ``ORT_ENABLE_ALL`` graph optimisation: constant folding and operator fusions
  cost a few milliseconds once per session and shorten every run after.
- log severity 3 (errors only): onnxruntime's warnings about unused
  initialisers or provider fallbacks are noise to a benchmark user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackbench.trackers.core.device import DeviceUnavailable

if TYPE_CHECKING:
    import onnxruntime

INSTALL_HINT = "pip install onnxruntime (or onnxruntime-gpu for CUDA)"
#: The ``metadata_props`` key under which trackbench's exporter stores a model's JSON metadata.
METADATA_KEY = "trackbench"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


def _ort() -> "onnxruntime":
    try:
        import onnxruntime
    except ImportError:
        raise ImportError(f"this model runs on onnxruntime, which is not installed: {INSTALL_HINT}") from None
    return onnxruntime


def parse_device(device: str | None) -> tuple[str, int]:
    """``auto|cpu|cuda[:N]`` → (kind, CUDA device id); anything else is a ValueError."""
    text = (device or "auto").strip().lower()
    if text in ("auto", "cpu", "cuda"):
        return text, 0
    if text.startswith("cuda:") and text[5:].isdigit():
        return "cuda", int(text[5:])
    raise ValueError(f"unknown device {device!r}: use auto, cpu, cuda or cuda:N")


def has_cuda() -> bool:
    """Whether the installed onnxruntime offers the CUDA provider (False when onnxruntime is missing)."""
    try:
        return CUDA in _ort().get_available_providers()
    except ImportError:
        return False


def providers(device: str | None = "auto", gpu_on_auto: bool = True) -> list[str | tuple[str, dict[str, str]]]:
    """The execution providers for ``device``, in onnxruntime's order of preference (see the module docstring)."""
    kind, index = parse_device(device)
    available = _ort().get_available_providers()
    if kind == "cuda" and CUDA not in available:
        raise DeviceUnavailable(f"device {device!r} was requested but this onnxruntime has no CUDA provider "
                                f"(providers: {', '.join(available)}); install onnxruntime-gpu, or use cpu or auto")
    if kind == "cuda" or (kind == "auto" and gpu_on_auto and CUDA in available):
        return [(CUDA, {"device_id": str(index)}), CPU]
    return [CPU]


def session_options(threads: int | None = None) -> "onnxruntime.SessionOptions":
    """Session options for trackbench's workload (see the module docstring); ``threads`` overrides 1."""
    ort = _ort()
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads) if threads else 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def open_session(path: str | Path, device: str | None = "auto", threads: int | None = None,
                 gpu_on_auto: bool = True) -> "onnxruntime.InferenceSession":
    """An inference session for the ONNX file at ``path`` with the project's providers and options."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"ONNX model not found: {path}")
    chosen = providers(device, gpu_on_auto)
    return _ort().InferenceSession(str(path), sess_options=session_options(threads), providers=chosen)


def trackbench_metadata(session: "onnxruntime.InferenceSession") -> dict[str, Any] | None:
    """The JSON object trackbench's exporter stored in the model (``metadata_props``), or None."""
    raw = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    return None if raw is None else json.loads(raw)

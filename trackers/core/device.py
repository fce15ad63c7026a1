"""Where torch work runs: one rule for every model (embedders, the ROLO LSTM, training).

``auto`` picks CUDA when torch sees a GPU, else the CPU; ``cpu`` and
``cuda[:N]`` are taken as given, except that asking for CUDA where none is
visible is an error that says why (a CPU-only torch build, or no GPU visible)
instead of a crash deep inside torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")


class DeviceUnavailable(ValueError, RuntimeError):
    """CUDA asked for where there is none: bad input to the commands (exit 2), a runtime fact to the library."""


def resolve_device(device: "str | torch.device | None" = "auto") -> "torch.device":
    """``auto`` → CUDA when available, else CPU; ``cuda`` must be available."""
    try:
        import torch
    except ImportError:
        raise ImportError("this needs PyTorch: pip install trackbench[torch]") from None
    if isinstance(device, torch.device):
        return device
    text = (device or "auto").strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            build = ("a CPU-only torch build" if torch.version.cuda is None
                     else f"torch built for CUDA {torch.version.cuda}, but no GPU is visible")
            raise DeviceUnavailable(f"device {device!r} was requested but CUDA is not available ({build}); "
                                    "use cpu or auto")
        return torch.device(text)
    raise ValueError(f"unknown device {device!r}: use one of {', '.join(DEVICES)} (or cuda:N)")

"""Checkpoint files: one ``torch.save`` dict tagged with ``format`` and ``version``.

Every trained model trackbench writes (the siamese re-id network, the ROLO
LSTM) is such a dict.  Writing goes through :func:`trackbench.io.atomic.atomic_path`,
so an interrupted save never leaves a truncated file; reading uses
``weights_only=True``, so loading a checkpoint runs no code, and checks the
tag, so a wrong file fails with a sentence saying what it is and how to get the
right one rather than a ``KeyError`` later.  torch is imported on use: the base
install has no torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackbench.io.atomic import atomic_path


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """``torch.save(payload)`` to ``path`` atomically; returns the path."""
    import torch

    path = Path(path).expanduser()
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | Path, fmt: str, versions: range | tuple[int, ...], what: str, how_to_make: str
                    ) -> dict[str, Any]:
    """The checkpoint dict at ``path`` if it is tagged ``fmt`` with a version in ``versions``.

    ``what`` names the kind in messages ("ROLO checkpoint"); ``how_to_make`` is
    the command that writes one (``bench train-rolo --out …``), quoted in every error.
    """
    import torch

    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}: train one with `{how_to_make}`")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated files, ...
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]  # torch's are many lines
        raise ValueError(f"{path} is not a readable {what} ({type(exc).__name__}: {first}); "
                         f"train one with `{how_to_make}`") from None
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise ValueError(f"{path} is not a trackbench {what} (format {fmt!r} expected); "
                         f"train one with `{how_to_make}`")
    version = payload.get("version")
    if version not in versions:
        raise ValueError(f"{path} is a {what} of version {version}; this trackbench reads version "
                         f"{', '.join(map(str, versions))}; retrain it with `{how_to_make}`")
    return payload

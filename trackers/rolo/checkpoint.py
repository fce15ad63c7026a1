"""ROLO checkpoints: the tag they carry, reading one, and the network it describes.

Written by ``bench train-rolo`` (:mod:`trackbench.harness.training.rolo.train`)
and read by the tracker; the file format itself is the shared one of
:mod:`trackbench.trackers.core.checkpoint`.  Besides the weights a checkpoint
holds ``model`` (hidden size, layers, window length ``T``, appearance
dimension), ``embedder``, ``normalisation``, ``data`` and ``training``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackbench.trackers.core import checkpoint

if TYPE_CHECKING:
    from trackbench.trackers.rolo.network import RoloNet

FORMAT = "trackbench-rolo"
VERSION = 1
#: ``embedder`` of a box-only checkpoint.
NO_EMBEDDER = "none"


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A ROLO checkpoint's dict; clear errors for a missing file or something else."""
    return checkpoint.load_checkpoint(path, FORMAT, (VERSION,), "ROLO checkpoint",
                                      f"bench train-rolo --out {Path(path).name}")


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write a ROLO checkpoint dict (tagged here) atomically."""
    return checkpoint.save_checkpoint(path, {**payload, "format": FORMAT, "version": VERSION})


def build_model(meta: dict[str, Any]) -> "RoloNet":
    """An untrained :class:`~trackbench.trackers.rolo.network.RoloNet` shaped as the checkpoint says."""
    from trackbench.trackers.rolo.network import RoloNet

    m = meta["model"]
    return RoloNet(hidden=int(m["hidden"]), appearance_dim=int(m["appearance_dim"]), layers=int(m.get("layers", 1)))

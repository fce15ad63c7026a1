"""Appearance vectors for a sequence's detections, computed once and cached on disk.

Trackers that need appearance (Deep SORT, ROLO) declare ``requires.features``
and name an embedder in their parameters (``embedder``, and ``features`` for a
folder of precomputed files).  Before such a tracker runs, the runner calls
:func:`with_features`, which returns the sequence with ``detections.features``
filled:

- ``precomputed``: read ``<features>/<sequence>.npy`` (deep_sort's format); its
  boxes replace the sequence's detections.
- any crop embedder: look the vectors up in the cache, keyed by the content
  hash of (sequence, detection boxes, embedder key); on a miss, decode the
  frames in order, embed the crops of many frames per forward pass, and store
  the array atomically.  Sweeps and repeated runs then never recompute.

The cache lives in ``$TRACKBENCH_CACHE`` or ``~/.cache/trackbench``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from trackbench.io.atomic import atomic_path
from trackbench.datasets.sequence import Sequence
from trackbench.trackers.embedders import create_embedder, is_precomputed
from trackbench.trackers.embedders.base import Embedder, crop_boxes
from trackbench.trackers.embedders.precomputed import find_features_file, load_precomputed

CACHE_ENV = "TRACKBENCH_CACHE"


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "trackbench")).expanduser() / "embeddings"


def cache_key(seq: Sequence, embedder_key: str) -> str:
    """Content hash: changes when the detections, the sequence or the embedder change."""
    h = hashlib.sha256()
    h.update(f"{seq.info.dataset}/{seq.info.name}/{seq.info.length}/{embedder_key}".encode())
    h.update(np.ascontiguousarray(seq.detections.frames).tobytes())
    h.update(np.ascontiguousarray(seq.detections.boxes).tobytes())
    return h.hexdigest()[:32]


def _atomic_save(path: Path, array: np.ndarray) -> None:
    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, array)


def compute_features(seq: Sequence, embedder: Embedder, batch_size: int = 256,
                     progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Vectors (R, D) aligned with ``seq.detections`` rows; crops of several frames share a batch."""
    table = seq.detections
    out = np.zeros((len(table), embedder.dim), np.float32)
    pending_crops: list[np.ndarray] = []
    pending_rows: list[int] = []

    def flush() -> None:
        if pending_crops:
            out[pending_rows] = embedder.embed_crops(pending_crops)
            pending_crops.clear()
            pending_rows.clear()

    for frame_no, image in enumerate(seq.images(), start=1):
        rows = table.rows(frame_no)
        if rows.stop > rows.start:
            pending_crops.extend(crop_boxes(image, table.boxes[rows]))
            pending_rows.extend(range(rows.start, rows.stop))
            if len(pending_crops) >= batch_size:
                flush()
        if progress is not None:
            progress(1)
    flush()
    return out


@dataclasses.dataclass
class FeatureReport:
    source: str  # "precomputed", "cache" or "computed"
    seconds: float
    path: str | None


def with_features(seq: Sequence, embedder_spec: str, features_path: str | None = None,
                  device: str = "auto", progress: Callable[[int], None] | None = None) -> tuple[Sequence, FeatureReport]:
    """The sequence with appearance vectors attached (see module docstring)."""
    t0 = time.perf_counter()
    if is_precomputed(embedder_spec):
        if not features_path:
            raise ValueError("embedder=precomputed needs --param features=<folder of <sequence>.npy files>")
        path = find_features_file(features_path, seq.name)
        table = load_precomputed(path)
        return dataclasses.replace(seq, detections=table), FeatureReport("precomputed", time.perf_counter() - t0, str(path))
    if not seq.has_images:
        raise ValueError(
            f"embedder {embedder_spec!r} computes vectors from images, and {seq.name} is box-only "
            "(vectors for box-only data can only come from files: embedder=precomputed, where the tracker supports it)"
        )
    embedder = create_embedder(embedder_spec, device=device)
    path = cache_dir() / f"{cache_key(seq, embedder.key)}.npy"
    if path.is_file():
        features = np.load(path)
        source = "cache"
    else:
        features = compute_features(seq, embedder, progress=progress)
        _atomic_save(path, features)
        source = "computed"
    table = dataclasses.replace(seq.detections, features=features)
    return dataclasses.replace(seq, detections=table), FeatureReport(source, time.perf_counter() - t0, str(path))


def feature_options(params: Any) -> tuple[str, str | None, str]:
    """(embedder spec, features path, device) from a tracker's parameters."""
    return (getattr(params, "embedder", "histogram"), getattr(params, "features", None), getattr(params, "device", "auto"))

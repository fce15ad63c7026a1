"""Appearance vectors for a sequence's detections, computed once and cached on disk.

Trackers that need appearance (Deep SORT, ROLO) declare ``requires.features``
and name an embedder in their parameters (``embedder``, and ``features`` for a
folder of precomputed files).  Before such a tracker runs, the runner calls
:func:`with_features`, which returns the sequence with ``detections.features``
filled:

- ``precomputed``: read ``<features>/<sequence>.npy`` (deep_sort's format); its
  boxes replace the sequence's detections.
- any crop embedder: look the vectors up in the cache, keyed by the content
  hash of (sequence, detection boxes, the frames' fingerprint, the embedder's
  spec and weights-file digest: no model is built for the lookup);
  on a miss, decode the frames in order, embed the crops of many frames per
  forward pass, and store them atomically in an ``.npz`` together with their
  key and SHA-256.  Sweeps and repeated runs then never recompute.  A cache
  file is used only when it passes every check of :func:`load_cached`;
  otherwise the vectors are recomputed and the report carries a note saying
  why (a cache folder that cannot be written gives a note too, not an error).

The cache lives in ``$TRACKBENCH_CACHE`` or ``~/.cache/trackbench``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from trackbench.datasets.motfile import atomic_write_text
from trackbench.harness.runs.npz_cache import load_entry, save_entry
from trackbench.datasets.frames import source_fingerprint
from trackbench.datasets.sequence import Sequence
from trackbench.trackers.embedders import create_embedder, is_precomputed
from trackbench.trackers.embedders.base import Embedder, crop_boxes
from trackbench.trackers.embedders.spec_key import spec_key
from trackbench.trackers.embedders.precomputed import find_features_file, load_precomputed

CACHE_ENV = "TRACKBENCH_CACHE"
#: Bumped when the cache file layout or key changes (2: .npz holding vectors, key and SHA-256;
#: 3: the embedder enters the key by its spec and weights-file digest, so hits build no model).
CACHE_FORMAT = 3


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "trackbench")).expanduser() / "embeddings"


class FeaturesUnavailable(ValueError):
    """This sequence cannot give vectors with this embedder (box-only data): the unit is skipped, not an error."""


def cache_key(seq: Sequence, embedder_key: str) -> str:
    """Content hash: changes when the detections, the frames' content, the sequence or the embedder change.

    Everything here is known without building the embedder's model;
    ``embedder_key`` is :func:`~trackbench.trackers.embedders.spec_key.spec_key`
    of the spec (name, options, weights-file digest), so a cache hit never
    builds a model nor imports torch.  The frames enter through the source's fingerprint (file sizes,
    mtimes and a sampled content hash: see
    :func:`~trackbench.datasets.frames.files_fingerprint`).
    """
    h = hashlib.sha256()
    h.update(f"{CACHE_FORMAT}/{seq.info.dataset}/{seq.info.name}/{seq.info.length}/{embedder_key}".encode())
    h.update(np.ascontiguousarray(seq.detections.frames).tobytes())
    h.update(np.ascontiguousarray(seq.detections.boxes).tobytes())
    h.update(str(source_fingerprint(seq.source)).encode())
    return h.hexdigest()[:32]


def save_cached(path: Path, key: str, features: np.ndarray) -> None:
    """Store vectors with their key and checksum inside the file (written atomically)."""
    save_entry(path, "features", key, features)


def load_cached(path: Path, key: str, rows: int, dim: int | None = None) -> tuple[np.ndarray | None, str | None]:
    """(vectors, None) when the cache file holds exactly what ``key`` stands for, else (None, why not).

    Checked as every cache entry is (:func:`~trackbench.harness.runs.npz_cache.load_entry`), the array
    being 2-D float32 with ``rows`` rows (and ``dim`` columns when given).
    """
    def wrong_layout(features: np.ndarray) -> str | None:
        if features.ndim != 2 or features.dtype != np.float32 or len(features) != rows:
            return f"holds a {features.dtype} array of shape {features.shape}, expected ({rows}, D) float32"
        if dim is not None and features.shape[1] != dim:
            return f"holds {features.shape[1]}-d vectors, the embedder gives {dim}-d"
        return None

    return load_entry(path, "features", key, wrong_layout)


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
    seconds: float  # spent in this call (computing, or reading the cache or file)
    path: str | None
    note: str | None = None  # e.g. a cache file that failed its checks and was recomputed
    compute_seconds: float | None = None  # what computing the vectors cost, now or when cached (None: unknown)


def _cost_path(path: Path) -> Path:
    return path.with_suffix(".json")


def _recorded_cost(path: Path) -> float | None:
    """Seconds the cached array took to compute, from its sidecar (None if absent or unreadable)."""
    try:
        return float(json.loads(_cost_path(path).read_text())["compute_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
        raise FeaturesUnavailable(
            f"embedder {embedder_spec!r} computes vectors from images, and {seq.name} is box-only "
            "(vectors for box-only data can only come from files: embedder=precomputed, where the tracker supports it)"
        )
    key = cache_key(seq, spec_key(embedder_spec))  # no model built, no torch imported: a hit costs a file read
    path = cache_dir() / f"{key}.npz"
    features, note = None, None
    if path.is_file():
        features, why = load_cached(path, key, len(seq.detections))  # the key fixes the vectors' width
        if why:
            note = f"appearance cache {path} {why}: recomputed"
    source, cost = "cache", _recorded_cost(path)
    if features is None:
        embedder = create_embedder(embedder_spec, device=device)
        features = compute_features(seq, embedder, progress=progress)
        cost = time.perf_counter() - t0
        source = "computed"
        try:
            save_cached(path, key, features)
            atomic_write_text(_cost_path(path), json.dumps({"compute_seconds": round(cost, 4), "key": key}))
        except OSError as exc:
            note = f"could not write the appearance cache ({exc.strerror or exc}: {exc.filename or path}); vectors computed, not cached"
    table = dataclasses.replace(seq.detections, features=features)
    report = FeatureReport(source, time.perf_counter() - t0, str(path), note, cost)
    return dataclasses.replace(seq, detections=table), report


def feature_options(params: Any) -> tuple[str, str | None, str]:
    """(embedder spec, features path, device) from a tracker's parameters."""
    return (getattr(params, "embedder", "histogram"), getattr(params, "features", None), getattr(params, "device", "auto"))

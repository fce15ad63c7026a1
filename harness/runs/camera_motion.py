"""A sequence's camera motion for ``--cmc``: from a folder of GMC files, or estimated once and cached on disk.

``--cmc FOLDER`` reads ``FOLDER/GMC-<sequence>.txt`` (BoT-SORT's files;
:mod:`trackbench.datasets.camera_motion`).  ``--cmc sparse|ecc|orb`` estimates
the motion from the sequence's frames
(:mod:`trackbench.datasets.camera_motion_estimate`) the first time and keeps
it in the cache folder (``$TRACKBENCH_CACHE``/camera_motion, as appearance
vectors are kept, :mod:`trackbench.harness.runs.features`): the key hashes the
method, the sequence, its length, its frames' fingerprint and its detections
(``orb`` masks them), and the file stores its key and a SHA-256 of the warps,
so a stale or damaged file is recomputed, never used, and the unit's result
carries a note saying so (as for appearance vectors).
"""

from __future__ import annotations

import dataclasses

import hashlib
from pathlib import Path

import numpy as np

from trackbench.datasets.camera_motion import CameraMotion, load_gmc
from trackbench.datasets.camera_motion_estimate import METHODS, estimate
from trackbench.datasets.frames import source_fingerprint
from trackbench.datasets.sequence import Sequence
from trackbench.harness.runs.features import cache_dir as _embeddings_dir
from trackbench.harness.runs.npz_cache import load_entry, save_entry

#: Bumped when the cache file layout or key changes.
CACHE_FORMAT = 1


def is_method(spec: str) -> bool:
    """Whether ``--cmc`` names an estimation method rather than a folder of GMC files."""
    return spec in METHODS


def check_spec(spec: str) -> None:
    """Refuse a ``--cmc`` value that is neither a method nor an existing folder (before anything runs)."""
    if not is_method(spec) and not Path(spec).is_dir():
        raise ValueError(f"--cmc {spec!r}: neither a folder of GMC files nor a method ({', '.join(METHODS)})")


def _check_images(spec: str, seq: Sequence) -> None:
    """Refuse estimating camera motion (``spec`` a method) on a box-only sequence."""
    if not seq.has_images:
        raise ValueError(f"--cmc {spec} estimates camera motion from images, and {seq.name} is box-only "
                         f"(give a folder of GMC files instead)")


def cache_dir() -> Path:
    return _embeddings_dir().parent / "camera_motion"


def cache_key(seq: Sequence, method: str) -> str:
    h = hashlib.sha256()
    h.update(f"{CACHE_FORMAT}/{method}/{seq.info.dataset}/{seq.info.name}/{seq.info.length}".encode())
    h.update(str(source_fingerprint(seq.source)).encode())
    h.update(np.ascontiguousarray(seq.detections.frames).tobytes())
    h.update(np.ascontiguousarray(seq.detections.boxes).tobytes())
    return h.hexdigest()[:32]


def _load(path: Path, key: str, frames: int) -> tuple[np.ndarray | None, str | None]:
    """(the cached warps, None) when the file holds exactly what ``key`` stands for, else (None, why not)."""
    def wrong_layout(warps: np.ndarray) -> str | None:
        if warps.shape != (frames, 2, 3) or warps.dtype != np.float64:
            return f"holds {warps.dtype} warps of shape {warps.shape}, expected float64 {(frames, 2, 3)}"
        return None

    return load_entry(path, "warps", key, wrong_layout)


def _gmc_for(folder: str, seq: Sequence) -> CameraMotion:
    """The GMC file's warps for the frames ``seq`` holds: a GMC file covers the whole recording, so a sequence
    cut by ``--frames`` (``seq.first_frame > 1``) takes the warps from its first frame on."""
    skip = seq.first_frame - 1
    motion = load_gmc(folder, seq.name, skip + seq.info.length)
    return dataclasses.replace(motion, warps=motion.warps[skip:]) if skip else motion


def camera_motion_for(seq: Sequence, spec: str) -> CameraMotion:
    """The camera motion of ``seq`` for a ``--cmc`` value (a GMC folder or a method), one warp per frame."""
    if not is_method(spec):
        return _gmc_for(spec, seq)
    _check_images(spec, seq)
    key = cache_key(seq, spec)
    path = cache_dir() / f"{key}.npz"
    note = None
    if path.is_file():
        warps, why = _load(path, key, seq.info.length)
        if warps is not None:
            return CameraMotion(warps, spec)
        note = f"camera motion cache {path} {why}: recomputed"
    motion = estimate(spec, seq.images(), boxes=lambda f: seq.detections.detections(f).boxes)
    if len(motion) != seq.info.length:
        raise ValueError(f"{seq.name}: {len(motion)} frames decoded for camera motion, the sequence has "
                         f"{seq.info.length}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_entry(path, "warps", key, motion.warps)
    except OSError as exc:  # an unwritable cache costs a recomputation next time, nothing else
        note = (f"could not write the camera motion cache ({exc.strerror or exc}: {exc.filename or path}); "
                "estimated, not cached")
    return dataclasses.replace(motion, note=note)


def with_cmc(variants: list, spec: str | None, ablation: bool = False) -> list:
    """``variants`` with camera-motion compensation ``spec`` for every tracker that supports it.

    Those variants get the label suffix ``+cmc``; with ``ablation`` the variants
    without compensation are kept beside them (tracker × CMC on/off in one table).
    Trackers without the hook run as they are.
    """
    from trackbench import trackers

    if not spec:
        return list(variants)
    out = []
    for v in variants:
        if v.cmc or not trackers.tracker_class(v.tracker).compensates_camera:
            out.append(v)
            continue
        if ablation:
            out.append(v)
        out.append(dataclasses.replace(v, cmc=spec, label=f"{v.name}+cmc"))
    return out


def preflight(variants: list, sequences: list[Sequence]) -> None:
    """Refuse, before anything runs, a ``--cmc`` that cannot serve a sequence: an unknown method, a missing or
    malformed GMC file (``<file>:<line>: …``), or an estimation method on box-only data."""
    for spec in sorted({v.cmc for v in variants if v.cmc}):
        check_spec(spec)
        for seq in sequences:
            if is_method(spec):
                _check_images(spec, seq)
            else:
                _gmc_for(spec, seq)

"""Unit keys and unit records: what lets a run resume without redoing finished work.

A unit is one tracker variant on one sequence.  Its *key* is a hash of
everything that decides its result file: the tracker, its resolved parameters
(defaults filled in, values converted), the sequence's content, the harness
options that change what the tracker sees (``detect_every``, and any other
given by the caller, such as a score threshold), and the code version.  When a
unit finishes, the driver writes its result file and then, atomically, a small
JSON *record* beside it (``<dataset>/<variant>/units/<sequence>.json``; kept
out of ``data/`` so TrackEval sees only result files).  A resumed run skips a
unit only when its record holds the same key and, for a finished unit, the
result file on disk still has the hash the record names; anything else runs
again.  Because the record is written after the result file, a kill at any
moment leaves either a unit that will be rerun or one that is complete.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.datasets.motfile import atomic_write_text
from trackbench.datasets.sequence import Sequence

#: Record statuses a resumed run may keep; failed units always run again.
KEPT = ("done", "skipped")


def _hash_tree(h: "hashlib._Hash", root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".pt", ".onnx") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a hash of the code that decides a unit's output.

    That code is the data loaders, the trackers (with shipped checkpoints) and
    the run machinery; hashing the files themselves, rather than trusting a
    git commit, also catches uncommitted edits and installs without git.
    """
    import trackbench
    from trackbench import datasets, trackers
    from trackbench.harness import runs

    h = hashlib.sha256()
    for package in (datasets, trackers, runs):
        _hash_tree(h, Path(package.__file__).parent)
    return f"{trackbench.__version__}+{h.hexdigest()[:12]}"


def _source_fingerprint(source: Any) -> str:
    """What identifies a frame source's content without reading every pixel.

    Image folders: each file's name and size; videos: the file's size; other
    sources (the synthetic set) are generated from what the detections already
    capture, so their type and length suffice.  Paths themselves are left out
    so the same data mounted elsewhere (another worker machine) keeps its key.
    """
    if source is None:
        return "none"
    folder = getattr(source, "folder", None)
    if folder is not None and hasattr(source, "path"):
        parts = []
        for frame in range(1, len(source) + 1):
            path = Path(source.path(frame))
            parts.append(f"{path.name}:{path.stat().st_size if path.exists() else -1}")
        return "images:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
    path = getattr(source, "path", None)
    if isinstance(path, Path):
        return f"video:{path.name}:{path.stat().st_size if path.exists() else -1}"
    return f"{type(source).__name__}:{len(source)}"


def sequence_fingerprint(seq: Sequence) -> str:
    """A content hash of a sequence as trackers see it: info, every detection column, frames."""
    h = hashlib.sha256()
    info = seq.info
    h.update(f"{info.dataset}/{info.name}/{info.length}/{info.fps}/{info.width}x{info.height}".encode())
    table = seq.detections
    for column in (table.frames, table.ids, table.boxes, table.scores, table.classes, table.visibility, table.features):
        h.update(b"|" if column is None else np.ascontiguousarray(column).tobytes())
    h.update(_source_fingerprint(seq.source).encode())
    return h.hexdigest()


def unit_key(tracker: str, params: dict[str, Any], sequence: str, fingerprint: str,
             options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(key, the fields it hashes); ``options`` are harness settings such as detect_every."""
    fields = {"tracker": tracker, "params": params, "sequence": sequence, "content": fingerprint,
              "options": {k: v for k, v in sorted(options.items()) if v is not None}, "code": code_version()}
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), json.loads(text)


def file_sha256(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_record(path: Path, record: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(record, indent=1, default=str) + "\n")


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def kept_record(path: Path, key: str, result: Path) -> dict[str, Any] | None:
    """The record at ``path`` when it finishes this very unit (same key, ``result`` file intact), else None."""
    record = read_record(path)
    if not record or record.get("key") != key or record.get("status") not in KEPT:
        return None
    if record["status"] == "done" and (not result.is_file() or file_sha256(result) != record.get("result_sha256")):
        return None
    return record

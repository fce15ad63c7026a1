"""Checked disk-cache entries: one ``.npz`` holding an array, the key it was computed for and its SHA-256.

Appearance vectors (:mod:`.features`) and estimated camera motion
(:mod:`.camera_motion`) are both computed once and kept this way.  A cache file
outlives the code and data that wrote it and can be truncated, replaced or
edited, so an entry is used only when every check passes: it reads as an
``.npz`` without pickles, its stored key is the key asked for, the array has
the shape and dtype the caller expects, every value is finite and the stored
checksum matches.  Otherwise :func:`load_entry` says why, and the caller
recomputes and notes it.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from trackbench.io.atomic import atomic_path


def digest(array: np.ndarray) -> str:
    """SHA-256 of the array's bytes (C order), the checksum stored beside it."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def save_entry(path: Path, field: str, key: str, array: np.ndarray) -> None:
    """Store ``array`` under ``field`` with its key and checksum (written atomically: never half a file)."""
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **{field: array}, key=np.array(key), sha256=np.array(digest(array)))


def load_entry(path: Path, field: str, key: str,
               wrong_layout: Callable[[np.ndarray], str | None]) -> tuple[np.ndarray | None, str | None]:
    """(the array, None) when the entry passes every check (module docstring), else (None, why not).

    ``wrong_layout(array)`` is the caller's shape and dtype check: None when the
    array is as expected, else the reason.
    """
    try:
        stored = np.load(path, allow_pickle=False)
        if not isinstance(stored, np.lib.npyio.NpzFile):
            return None, "is not an array-with-key archive (an older cache format, or another file)"
        with stored:
            array, stored_key, stored_digest = stored[field], str(stored["key"]), str(stored["sha256"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        return None, f"could not be read ({type(exc).__name__}: {str(exc)[:80]})"
    if stored_key != key:
        return None, "was written for other input (its stored key differs)"
    why = wrong_layout(array)
    if why:
        return None, why
    if not np.isfinite(array).all():
        return None, "holds values that are not finite"
    if digest(array) != stored_digest:
        return None, "fails its SHA-256 check"
    return array, None

"""Content hashes of model files: what every cache key of an embedder (or checkpoint) rests on.

A leaf module (it imports nothing of trackbench), so the cache-key code and
every embedder can use it without importing each other.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


def file_digest(path: str | Path, length: int = 12) -> str:
    """Short SHA-256 of a file's bytes (cache keys change when weights change)."""
    resolved = Path(path).expanduser().resolve()
    stat = resolved.stat()
    return _digest(str(resolved), stat.st_size, stat.st_mtime_ns)[:length]


@lru_cache(maxsize=32)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """Full digest, memoised per (path, size, mtime) so a sweep's many units read the weights once."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

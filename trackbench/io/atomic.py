"""Writing files so that readers see either the old content or the whole new one.

Every output of trackbench — result files, tables, manifests, cached vectors,
checkpoints — is written to a temporary file in the target's folder and renamed
over the target only once complete, so an interrupted run never leaves a
truncated file.  The temporary file gets ordinary permissions (as the user's
umask allows) before the rename, since ``mkstemp`` creates it owner-only.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on any error it is removed.

    ``suffix`` matters for writers that add or expect an extension (``np.save``
    appends ``.npy`` to names without it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

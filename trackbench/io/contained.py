"""Reading a file named by user data: a regular file, inside the folder it was named under, or a clear error.

``bench eval`` followed a result file that was a symlink out of ``--results``
(and echoed the start of ``/etc/shadow`` in its parse error); a missing, dangling,
looping or non-regular ``det/det.txt`` scored every metric 0 with exit 0, or was
reported as "download the dataset" (issue 24).  One rule for every such read:
the path, with every symlink followed, must name a regular file that lies
inside ``root`` (the folder the user pointed at: ``--results``, a sequence
folder); otherwise :class:`UncontainedFile` says which of these it is.  The
message names the path and, for a link, where it points, never the content.
:func:`trackbench.io.names.inside` is the same rule for writes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UncontainedFile(ValueError):
    """A path that is not a regular file inside its root; the message says what it is instead."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def why_not_readable(path: Path, *roots: Path) -> str | None:
    """Why ``path`` may not be read as a data file under one of ``roots``, or None when it may."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    try:
        resolved = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        return f"a broken symbolic link (to {os.readlink(path)})" if os.path.islink(path) else (
            f"unreadable ({exc.strerror})")
    except RuntimeError:  # Python < 3.13 reports a loop this way from some resolvers
        return "a symbolic link loop"
    bases = [Path(os.path.realpath(root)) for root in roots]
    if not any(resolved == base or base in resolved.parents for base in bases):
        return f"a link to {resolved}, outside {' and '.join(str(r) for r in dict.fromkeys(roots))}"
    mode = os.stat(resolved).st_mode
    if not stat.S_ISREG(mode):
        return _kind(mode)
    return None


def readable_file(path: str | os.PathLike, *roots: str | os.PathLike, what: str = "file") -> Path:
    """``path`` when it is a regular file inside one of ``roots`` (symlinks followed); else :class:`UncontainedFile`."""
    reason = why_not_readable(Path(path), *(Path(r) for r in roots))
    if reason:
        raise UncontainedFile(f"{path}: {what} is {reason}")
    return Path(path)


def present(path: str | os.PathLike) -> bool:
    """True when anything (even a dangling link) is at ``path``: such a path must then be readable."""
    return os.path.lexists(path)

"""Names that become path components: refuse the unsafe ones, make labels safe, prove containment.

Every name that ends up in a path comes from data or from a user: a sequence's
``name`` in seqinfo.ini, a sequence folder, a tracker or plugin spec
(``module:Class``), ``--name``.  A name with a separator, ``..``, a NUL or a
control character could make a write land outside the run folder (issue 12:
``name=/elsewhere/evil`` wrote ``/elsewhere/evil.txt``).  Names the user
chooses (``--name``, a sequence's name) are *refused* with a message saying why,
so a typo is never silently renamed; labels built by the harness (variant
labels such as ``deepsort[lambda=0.3]``) are *sanitised*.  :func:`inside` is the
last line of defence: a writer resolves its target and refuses anything that
is not under its root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Longest component (bytes, UTF-8); most filesystems allow 255, and ``.txt`` or a temp prefix is added.
MAX_COMPONENT_BYTES = 200

_UNSAFE_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


class UnsafeName(ValueError):
    """A name that cannot be used as one path component; the message says which and why."""


def why_unsafe(name: str) -> str | None:
    """The reason ``name`` is not a safe single path component, or None when it is."""
    if not isinstance(name, str) or not name:
        return "it is empty"
    if name in (".", ".."):
        return f"{name!r} names a folder, not a file"
    bad = _UNSAFE_CHARS.search(name)
    if bad:
        char = bad.group()
        return "it contains a path separator" if char in "/\\" else f"it contains the control character {char!r}"
    if name != name.strip():
        return "it starts or ends with white space"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
        return f"it is longer than {MAX_COMPONENT_BYTES} bytes"
    return None


def check_component(name: str, what: str) -> str:
    """``name`` unchanged when it is one safe path component, else :class:`UnsafeName` naming ``what``."""
    reason = why_unsafe(name)
    if reason:
        raise UnsafeName(f"{what} {name!r} cannot be used as a file or folder name: {reason}")
    return name


def sanitize_component(text: str) -> str:
    """A safe component made from any text: runs of other characters become ``_``; never empty, ``.`` or ``..``."""
    safe = _LABEL_UNSAFE.sub("_", text).strip("_")
    safe = safe.encode("utf-8")[:MAX_COMPONENT_BYTES].decode("utf-8", "ignore")
    if safe.strip(".") == "":
        safe = "_" + safe.replace(".", "_") if safe else "_"
    return safe


def inside(root: str | os.PathLike, path: str | os.PathLike) -> Path:
    """``path`` when, resolved (symlinks followed, ``..`` removed), it lies under ``root``; else :class:`UnsafeName`."""
    base = Path(root).resolve()
    target = Path(path)
    resolved = (target if target.is_absolute() else Path.cwd() / target).resolve()
    if resolved != base and base not in resolved.parents:
        raise UnsafeName(f"refusing to write {path}: it is outside {root}")
    return Path(path)

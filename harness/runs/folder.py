"""Owning a run folder: one process at a time, and never two runs mixed in one folder.

``results/<run>/.lock`` is held with an exclusive ``flock`` for the whole run
and names the owner's pid and host.  The kernel drops the lock when its
process dies, however it dies (SIGKILL included), so a lock file left by a
dead process never blocks anyone: the next run takes it over.  A second
process that finds the lock held gets :class:`RunFolderError` naming the
owner's pid.

A name that already holds a run is refused unless the caller resumes it
(``--resume``): a new run never writes into an old run's folder.
"""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from trackbench.harness.runs.manifest import now_iso, read_manifest

LOCK_NAME = ".lock"
MANIFEST = "manifest.json"
#: Tables and plots a run writes at its end; a resumed run removes the old ones first.
SUMMARY_FILES = ("leaderboard.csv", "leaderboard.md", "per_sequence.csv", "per_sequence.md", "sweep.png")


class RunFolderError(ValueError):
    """A run folder that this process may not use (locked by another, or holding another run)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(path: Path) -> str:
    try:
        text = path.read_text().split()
    except OSError:
        return "another process"
    if not text or not text[0].isdigit():
        return "another process"
    pid = int(text[0])
    host = text[1] if len(text) > 1 else "?"
    if host == socket.gethostname() and not _pid_alive(pid):
        return f"worker processes left by pid {pid} (which has exited)"
    return f"pid {pid} on {host}"


class RunFolder:
    """A run folder claimed by this process until :meth:`release`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def claim(cls, path: Path, resume: bool) -> "RunFolder":
        """Lock ``path`` (created if absent); refuse a folder locked by another or holding a run not resumed."""
        path = Path(path)
        existed = path.is_dir() and any(path.iterdir())
        if resume and not (path / MANIFEST).is_file():
            raise RunFolderError(f"nothing to resume: {path} holds no run (no {MANIFEST})")
        path.mkdir(parents=True, exist_ok=True)
        lock = path / LOCK_NAME
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunFolderError(f"{path} is in use by {_owner(lock)}; wait for it to finish, "
                                 "or choose another --name") from None
        if existed and not resume:
            os.close(fd)
            raise RunFolderError(f"{path} already holds a run ({_status(path)}); continue it with "
                                 f"--resume {path.name}, or choose another --name")
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()} {now_iso()}\n".encode())
        return cls(path, fd)

    def clear_summaries(self) -> None:
        """Remove the tables of an earlier attempt, so none outlives the manifest that lists them."""
        for name in SUMMARY_FILES:
            (self.path / name).unlink(missing_ok=True)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing drops the flock; the file stays (harmless, names the last owner)
            self._fd = -1


def _status(path: Path) -> str:
    try:
        return f"status: {read_manifest(path / MANIFEST).get('status', 'unknown')}"
    except (OSError, ValueError):
        return "files but no readable manifest"


def saved_manifest(results: Path, name: str) -> dict:
    """The manifest of run ``name`` under ``results``, for ``--resume``."""
    path = Path(results) / name / MANIFEST
    if not path.is_file():
        raise RunFolderError(f"nothing to resume: {path.parent} holds no run (no {MANIFEST})")
    try:
        return read_manifest(path)
    except ValueError as exc:
        raise RunFolderError(f"{path}: unreadable manifest ({exc})") from None

"""Progress that works everywhere: rich bars in a terminal, plain periodic lines elsewhere, and a log file.

A first run can take twenty minutes; whoever started it must see it move,
whether they watch a terminal, a CI log, ``nohup.out`` or a file.  One
:class:`ProgressReport` therefore has two faces chosen by where the output
goes: rich bars (each with its own elapsed time) when the console is a
terminal, otherwise one plain line per bar at most every ``every`` seconds
and when a bar finishes.  Either way the same plain lines are appended to a
log file in the run folder (``run.log``), so a finished run still tells how
long each phase took.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn

#: Seconds between plain progress lines (``TRACKBENCH_PROGRESS_EVERY`` overrides it).
DEFAULT_EVERY = 10.0


@dataclass
class _Bar:
    """One bar's state, shared by both faces."""

    name: str
    total: int
    unit: str
    done: int = 0
    started: float = 0.0
    last_line: float = 0.0
    task: TaskID | None = None
    finished: bool = False


class ProgressReport:
    """Bars keyed by name: ``add(name, total)``, ``advance(name, n)``, ``finish(name)``; a context manager."""

    def __init__(self, console: Console, log_path: Path | None = None, every: float | None = None,
                 live: bool | None = None) -> None:
        self.console = console
        self.every = every if every is not None else float(os.environ.get("TRACKBENCH_PROGRESS_EVERY", DEFAULT_EVERY))
        self.live = live if live is not None else (console.is_terminal and not os.environ.get("TRACKBENCH_PLAIN_PROGRESS"))
        self.log_path = log_path
        self.bars: dict[str, _Bar] = {}
        self.t0 = time.perf_counter()
        self.progress: Progress | None = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        if self.live:
            self.progress = Progress(
                # markup off: a label such as deepsort[lambda=0.3] is data, not rich markup
                TextColumn("{task.description}", style="bold", markup=False), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}", markup=False),
                TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
            )

    def __enter__(self) -> "ProgressReport":
        if self.progress is not None:
            self.progress.__enter__()
        self._log(f"started ({'terminal bars' if self.live else 'plain lines'})")
        if not self.live and self.every > 0:
            self._heartbeat = threading.Thread(target=self._beat, name="trackbench-progress", daemon=True)
            self._heartbeat.start()
        return self

    def _beat(self) -> None:
        """Plain mode: a line for each running bar every ``every`` s, even while one step takes minutes
        (a batch of crops in an embedder, a slow scoring call)."""
        while not self._stop.wait(self.every):
            now = time.perf_counter()
            with self._lock:
                for bar in self.bars.values():
                    if bar.done and not bar.finished and now - bar.last_line >= self.every:
                        bar.last_line = now
                        self._line(bar)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        for bar in self.bars.values():
            if not bar.finished:
                self._line(bar, "stopped" if exc_type else "done")
        if self.progress is not None:
            self.progress.__exit__(exc_type, exc, tb)
        self._log("interrupted" if exc_type else "finished")

    def add(self, name: str, total: int, unit: str = "frames") -> None:
        """A new bar (adding an existing name again does nothing)."""
        with self._lock:
            if name in self.bars:
                return
            bar = _Bar(name, max(int(total), 0), unit, started=time.perf_counter())
            bar.last_line = bar.started
            if self.progress is not None:
                bar.task = self.progress.add_task(name, total=bar.total, unit=unit)
            self.bars[name] = bar

    def advance(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._advance(name, n)

    def _advance(self, name: str, n: int) -> None:
        bar = self.bars[name]
        if bar.done == 0:  # elapsed time counts from the bar's first step, not from when it was queued
            bar.started = bar.last_line = time.perf_counter()
        bar.done += n
        if self.progress is not None and bar.task is not None:
            self.progress.advance(bar.task, n)
        now = time.perf_counter()
        if bar.total and bar.done >= bar.total:
            self._finish(name)
        elif now - bar.last_line >= self.every:
            bar.last_line = now
            self._line(bar)

    def finish(self, name: str) -> None:
        """Mark a bar done (e.g. embedding answered from the cache) and say so once."""
        with self._lock:
            self._finish(name)

    def _finish(self, name: str) -> None:
        bar = self.bars[name]
        if bar.finished:
            return
        bar.finished = True
        if self.progress is not None and bar.task is not None:
            self.progress.update(bar.task, completed=max(bar.done, bar.total))
        self._line(bar, "done")

    def note(self, text: str) -> None:
        """A free line: in the log, and on the console when there are no bars to carry it."""
        self._log(text)
        if not self.live:
            self.console.print(text, markup=False, highlight=False)

    def log(self, text: str) -> None:
        """A line for the log file only (e.g. notes the command prints itself afterwards)."""
        self._log(text)

    def _line(self, bar: _Bar, state: str = "") -> None:
        elapsed = time.perf_counter() - bar.started
        share = f" ({100 * bar.done / bar.total:.0f}%)" if bar.total else ""
        took = f", {elapsed:.1f} s" if bar.done else ""  # a bar that never started has no elapsed time
        text = f"{bar.name}: {bar.done}/{bar.total} {bar.unit}{share}{took}" + (f" {state}" if state else "")
        self._log(text)
        if not self.live:
            self.console.print(f"[{time.perf_counter() - self.t0:7.1f} s] {text}", markup=False, highlight=False)

    def _log(self, text: str) -> None:
        if self.log_path is None:
            return
        try:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}\n")
        except OSError:  # a log is a convenience; never fail a run over it
            self.log_path = None



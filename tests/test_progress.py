"""Progress off a terminal: plain lines keep coming while one long step runs, and everything lands in the log."""

from __future__ import annotations

import io
import time

from rich.console import Console

from trackbench.harness.runs.progress import ProgressReport


def test_plain_lines_while_a_step_blocks_and_a_log(tmp_path) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    with ProgressReport(console, tmp_path / "run.log", every=0.05) as report:
        report.add("embedding", 10)
        report.add("never", 5)
        report.advance("embedding", 2)
        time.sleep(0.4)  # one slow batch: no advance for 8 intervals
        report.advance("embedding", 8)
    lines = out.getvalue().splitlines()
    waiting = [line for line in lines if "embedding: 2/10 frames (20%)" in line]
    assert len(waiting) >= 3, lines  # the heartbeat spoke while nothing advanced
    assert any("embedding: 10/10 frames (100%)" in line and line.endswith("done") for line in lines)
    assert any(line.endswith("never: 0/5 frames (0%) done") for line in lines)  # no elapsed time for a bar never started
    log = (tmp_path / "run.log").read_text()
    assert "started (plain lines)" in log and "embedding: 10/10" in log and log.rstrip().endswith("finished")


def test_a_terminal_gets_bars_not_lines(tmp_path) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with ProgressReport(console, tmp_path / "run.log", every=0.01) as report:
        report.add("sort", 4)
        report.advance("sort", 4)
    shown = out.getvalue()
    assert "━" in shown and "4/4" in shown  # a rich bar
    assert " s] sort" not in shown and "frames (100%)" not in shown  # not the plain lines
    assert "terminal bars" in (tmp_path / "run.log").read_text()

"""`bench publish` turns a completed run into a report with provenance and tables."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from trackbench.harness.cli import app

runner = CliRunner()


def test_publish_a_run(tmp_path) -> None:
    ran = runner.invoke(app, ["run", "-t", "sort", "-s", "synth-01", "--results", str(tmp_path), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    out = runner.invoke(app, ["publish", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    report = (tmp_path / "r" / "report.md").read_text()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert "| sort |" in report and "synth-01" in report
    assert manifest["environment"]["packages"]["numpy"] in report
    assert "max_age=1" in report
    assert (tmp_path / "r" / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_publish_refuses_incomplete_or_foreign_folders(tmp_path) -> None:
    bad = runner.invoke(app, ["publish", str(tmp_path)])
    assert bad.exit_code == 2 and "manifest.json" in bad.output
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "running"}))
    bad = runner.invoke(app, ["publish", str(tmp_path)])
    assert bad.exit_code == 2 and "did not complete" in bad.output

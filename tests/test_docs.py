"""The documentation site builds with ``mkdocs build --strict``: a broken link, a missing page in the nav,
an unresolved API reference or a generated section that fails makes this test fail, so CI catches them.

Skipped, with the reason, when MkDocs and its plug-ins are not installed (``pip install -e ".[docs]"``).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def _missing() -> list[str]:
    missing = []
    for name in NEEDED:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.mark.skipif(bool(_missing()), reason=f"mkdocs, mkdocs-material or mkdocstrings[python] not installed "
                                              f"(missing: {', '.join(_missing())}); pip install -e '.[docs]'")
def test_site_builds_strict_with_generated_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    for command in ("run", "eval", "sweep", "tune", "publish", "compare", "inspect", "trackers"):
        assert f"bench {command}" in cli, command
    assert "--clear-backend" in cli  # options come from the Typer app, not from hand-written text
    trackers = (site / "trackers" / "index.html").read_text(encoding="utf-8")
    assert "track_thresh" in trackers and "generated:" not in trackers
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "RunResult" in api and "from_arrays" in api

"""Shared pytest fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# `python -m pytest` puts the checkout's root on sys.path, where the folders
# `datasets/` and `trackers/` would shadow HuggingFace datasets and roboflow
# trackers.  trackbench itself is imported as the installed `trackbench.*`.
sys.path[:] = [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != REPO]

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is absent (see ../shared/README.md)")
    return SHARED_DATA

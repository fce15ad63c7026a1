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


@pytest.fixture
def torch_one_thread():
    """torch on one thread (skips without torch): fast and repeatable on small or busy CI runners."""
    torch = pytest.importorskip("torch", reason="needs torch: pip install trackbench[deep]")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is absent (see ../shared/README.md)")
    return SHARED_DATA

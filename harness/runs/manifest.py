"""The run manifest: what was run, with which resolved parameters, on what software.

A results folder must explain itself a year later: ``manifest.json`` records
the command's configuration, every tracker's resolved parameters, the package
versions and platform, the git commit when available, and per-unit timings.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from trackbench.datasets.motfile import atomic_write_text

PACKAGES = ("trackbench", "numpy", "scipy", "pandas", "opencv-contrib-python", "opencv-python",
            "motmetrics", "trackeval", "torch", "onnxruntime")


def package_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(path: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "packages": package_versions(),
        "git_commit": git_commit(Path(__file__).resolve().parent),
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n")


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())

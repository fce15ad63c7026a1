"""A regular (non-editable) wheel of trackbench lives beside HuggingFace ``datasets`` and roboflow ``trackers``.

The wheel is built from a copy of the checkout, installed into a fresh virtual
environment together with ``datasets`` and ``trackers`` from the package
registry (without their dependencies: that is enough to show a clash), and
then checked from outside the checkout: ``datasets`` and ``trackers`` are
theirs, ``trackbench`` is the wheel's with its package data, and ``bench run``
works from another folder.  The fresh environment sees the current one's
dependencies through a ``.pth`` line naming the current site-packages; ``.pth``
files inside that folder are not processed, so the editable trackbench of a
development checkout cannot leak in.  Skips (saying why) when the registry
cannot be reached.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".ci-venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".cache", "results")
NEIGHBOURS = ("datasets", "trackers")  # HuggingFace datasets, roboflow trackers
#: Model files shipped inside the package (checkpoints, weights): each must be in the wheel.
SHIPPED = ("*.pt", "*.onnx")

pytestmark = pytest.mark.skipif(importlib.util.find_spec("setuptools") is None,
                                reason="building the wheel needs setuptools (pip install -e '.[test]')")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh venv holding the trackbench wheel, ``datasets`` and ``trackers``; returns its paths."""
    tmp = tmp_path_factory.mktemp("wheel")
    src, wheels, venv = tmp / "src", tmp / "wheels", tmp / "venv"
    shutil.copytree(REPO, src, ignore=NOT_SOURCE)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src),
                  "-w", str(wheels)], cwd=tmp)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("trackbench-*.whl")
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).stdout.strip())
    current = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_trackbench_test_parent.pth").write_text("".join(f"{p}\n" for p in sorted(current)))
    # The new interpreter runs the current environment's pip (visible through the .pth line);
    # --ignore-installed: never uninstall anything from the current environment.
    pip = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", "--no-compile"]
    local = _run(pip + [str(wheel)], cwd=tmp)
    assert local.returncode == 0, local.stderr[-3000:]
    remote = _run(pip + list(NEIGHBOURS), cwd=tmp)
    if remote.returncode != 0:
        pytest.skip(f"the package registry cannot be reached to install {', '.join(NEIGHBOURS)}: "
                    f"{(remote.stderr.strip().splitlines() or ['no output'])[-1]}")
    return {"venv": venv, "python": python, "site": site, "wheel": wheel, "tmp": tmp}


def _probe(env: dict[str, Path], code: str) -> dict:
    out = _run([str(env["python"]), "-c", code], cwd=env["tmp"])
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_wheel_installs_only_trackbench(env: dict[str, Path]) -> None:
    with zipfile.ZipFile(env["wheel"]) as whl:
        names = whl.namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"trackbench"}
    shipped = sorted(p.relative_to(REPO) for pattern in SHIPPED for layer in ("trackers", "datasets", "harness")
                     for p in (REPO / layer).rglob(pattern))
    assert shipped, "no shipped model file found in the checkout"
    for path in shipped:
        assert f"trackbench/{path.as_posix()}" in names, f"{path} is not in the wheel"


def test_neighbours_keep_their_names_and_trackbench_is_the_wheels(env: dict[str, Path]) -> None:
    found = _probe(env, """
import importlib.metadata as md, importlib.util as u, json
from pathlib import Path
spec = {n: u.find_spec(n).origin for n in ("datasets", "trackers", "trackbench")}
own = {n: sorted(str(f) for f in md.files(n) if f.parts[0] == n) for n in ("datasets", "trackers")}
from trackbench.trackers.rolo.tracker import DEFAULT_CHECKPOINT, DEFAULT_ONNX
from trackbench.trackers.embedders.shipped import onnx_path
print(json.dumps({"spec": spec, "own": own, "checkpoint": str(DEFAULT_CHECKPOINT),
                  "checkpoint_file": DEFAULT_CHECKPOINT.is_file() and DEFAULT_ONNX.is_file() and onnx_path().is_file(),
                  "dist": md.distribution("trackbench").locate_file("").as_posix()}))
""")
    site = env["site"]
    for name in NEIGHBOURS:
        origin = Path(found["spec"][name])
        assert origin == site / name / "__init__.py", (name, origin)
        # Every file in their folder is one their own distribution installed: trackbench wrote nothing there.
        on_disk = sorted(str(p.relative_to(site)) for p in (site / name).rglob("*") if p.is_file()
                         and "__pycache__" not in p.parts)
        assert on_disk == found["own"][name], name
    assert Path(found["spec"]["trackbench"]) == site / "trackbench" / "__init__.py"
    assert Path(found["checkpoint"]).is_relative_to(site / "trackbench") and found["checkpoint_file"]
    # Their real imports: printed for the record (without their dependencies they may stop at one of those).
    line = _run([str(env["python"]), "-c", "import datasets, trackers; print(datasets.__file__, trackers.__file__)"],
                cwd=env["tmp"])
    print("import datasets, trackers ->", (line.stdout or line.stderr).strip().splitlines()[-1:])
    if line.returncode != 0:
        assert "trackbench" not in line.stderr and "ModuleNotFoundError" in line.stderr, line.stderr[-2000:]


def test_bench_run_from_another_folder(env: dict[str, Path]) -> None:
    elsewhere = env["tmp"] / "elsewhere"
    elsewhere.mkdir()
    bench = env["venv"] / "bin" / "bench"
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRACKBENCH_DATA")}
    out = _run([str(bench), "run", "--trackers", "sort", "--results", "out", "--name", "w"], cwd=elsewhere,
               env=environ)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    run_dir = elsewhere / "out" / "w"
    assert sorted(p.name for p in (run_dir / "synth" / "sort" / "data").iterdir()) == [
        "synth-01.txt", "synth-02.txt", "synth-03.txt"]
    assert (run_dir / "leaderboard.csv").read_text().splitlines()[1].startswith("sort,")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete"

"""Executors: a run on Ray (a local instance on 127.0.0.1, 2 CPUs) equals the local run file by file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app
from trackbench.harness.runs.executors import choose_executor
from trackbench.harness.runs.runner import Variant, _wants_gpu
from trackbench.trackers.params import ParamError

runner = CliRunner()


def _files(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.glob("*/*/data/*.txt"))}


def _table(run_dir: Path, name: str, index: list[int]) -> pd.DataFrame:
    return pd.read_csv(run_dir / name, index_col=index).filter(regex=r"^(?!Hz)")


def test_executor_choice_keeps_jobs_working() -> None:
    assert choose_executor(None, 1) == "local" and choose_executor(None, 4) == "process"
    assert choose_executor("ray", 1) == "ray"
    with pytest.raises(ParamError, match="local, process, ray"):
        choose_executor("dask", 1)


def test_only_embedders_that_may_use_cuda_ask_for_a_gpu(monkeypatch) -> None:
    from trackbench.trackers.core import ort_session

    assert _wants_gpu(Variant("deepsort", (("embedder", "mobilenet"),)))
    # The default embedder (reid) runs on onnxruntime: a GPU only where its CUDA provider is installed.
    monkeypatch.setattr(ort_session, "has_cuda", lambda: False)
    assert not _wants_gpu(Variant("deepsort"))
    monkeypatch.setattr(ort_session, "has_cuda", lambda: True)
    assert _wants_gpu(Variant("deepsort"))
    assert not _wants_gpu(Variant("deepsort", (("device", "cpu"),)))
    assert not _wants_gpu(Variant("deepsort", (("embedder", "mobilenet"), ("device", "cpu"))))
    assert not _wants_gpu(Variant("deepsort", (("embedder", "precomputed"),)))
    assert not _wants_gpu(Variant("deepsort", (("embedder", "histogram"),)))
    assert not _wants_gpu(Variant("sort"))


# The Ray side runs in a child process inside its own network namespace (`unshare -rn`) where only the
# loopback interface exists: Ray's servers bind every interface they see, even with
# _node_ip_address="127.0.0.1", so this is how they listen on 127.0.0.1 only.  The child starts a local
# instance (2 CPUs), runs the same commands with --executor ray, and shuts Ray down.
RAY_CHILD = r"""
import fcntl, socket, struct, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bring up lo, the namespace's only interface
flags = struct.unpack("16sH14s", fcntl.ioctl(sock, 0x8913, struct.pack("16sH14s", b"lo", 0, b"")))[1]
fcntl.ioctl(sock, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b""))
import ray
from typer.testing import CliRunner
from trackbench.harness.cli import app
ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
         configure_logging=False)
try:
    for args in sys.argv[2:]:
        result = CliRunner().invoke(app, args.split("|") + ["--executor", "ray", "--results", sys.argv[1]])
        print(result.output)
        assert result.exit_code == 0, args
finally:
    ray.shutdown()
"""


def _isolated() -> list[str]:
    import shutil
    import subprocess

    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot give Ray a loopback-only network namespace here (unshare -rn unavailable)")
    return [unshare, "-rn"]


@pytest.mark.slow
def test_ray_run_and_sweep_equal_local_file_by_file(tmp_path) -> None:
    import subprocess
    import sys

    pytest.importorskip("ray", reason="Ray is not installed (pip install 'trackbench[ray]')")
    commands = {"run": ["run", "-t", "sort,rolo"],
                "sweep": ["sweep", "-t", "sort", "-p", "max_age=1,3,5", "-s", "synth-01"]}
    for kind, args in commands.items():
        ran = runner.invoke(app, [*args, "--executor", "local", "--results", str(tmp_path), "--name", f"{kind}-local"])
        assert ran.exit_code == 0, ran.output
    child = subprocess.run([*_isolated(), sys.executable, "-c", RAY_CHILD, str(tmp_path)]
                           + ["|".join([*args, "--name", f"{kind}-ray"]) for kind, args in commands.items()],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-3000:]
    local, remote = tmp_path / "run-local", tmp_path / "run-ray"
    assert len(_files(local)) == 6 and _files(local) == _files(remote)
    pd.testing.assert_frame_equal(_table(local, "per_sequence.csv", [0, 1]), _table(remote, "per_sequence.csv", [0, 1]))
    pd.testing.assert_frame_equal(_table(local, "leaderboard.csv", [0]), _table(remote, "leaderboard.csv", [0]))
    local, remote = tmp_path / "sweep-local", tmp_path / "sweep-ray"
    assert len(_files(local)) == 3 and _files(local) == _files(remote)
    pd.testing.assert_frame_equal(_table(local, "leaderboard.csv", [0]), _table(remote, "leaderboard.csv", [0]))
    import json

    assert json.loads((remote / "manifest.json").read_text())["executor"] == "ray"

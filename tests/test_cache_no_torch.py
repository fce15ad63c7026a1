"""A warm appearance cache builds no model; ``reid`` never imports torch at all.

The first run (in this process's child) computes the ``reid`` vectors on
onnxruntime and fills the cache; a second run in a fresh interpreter must read
them back without building the model (onnxruntime never enters ``sys.modules``)
-- the cache key comes from the spec and the digest of the file inference
reads (the shipped ``.onnx``), not from a built model.  Neither run imports torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trackbench.harness.runs.features import cache_key
from trackbench.trackers.embedders import create_embedder
from trackbench.trackers.embedders.spec_key import spec_key

pytest.importorskip("onnxruntime")

RUN = textwrap.dedent(
    """
    import json, sys
    from typer.testing import CliRunner
    from trackbench.harness.cli.app import app

    out = CliRunner().invoke(app, sys.argv[1:])
    print(json.dumps({"exit": out.exit_code, "torch": "torch" in sys.modules, "ort": "onnxruntime" in sys.modules,
                      "output": out.output[-2000:]}))
    """
)


def _run(tmp_path: Path, name: str) -> dict:
    env = {**os.environ, "TRACKBENCH_CACHE": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    args = ["run", "-t", "deepsort", "-s", "synth-01", "-p", "embedder=reid", "-p", "device=cpu",
            "--results", str(tmp_path / "results"), "--name", name]
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0, report["output"]
    (unit,) = json.loads((tmp_path / "results" / name / "manifest.json").read_text())["units"]
    return {**report, "unit": unit}


def test_warm_cache_deep_embedder_run_never_imports_torch(tmp_path: Path) -> None:
    cold = _run(tmp_path, "cold")
    assert cold["unit"]["embed_source"] == "computed" and cold["ort"]  # the model was really built ...
    assert cold["torch"] is False  # ... on onnxruntime
    warm = _run(tmp_path, "warm")
    assert warm["unit"]["embed_source"] == "cache"
    assert warm["torch"] is False and warm["ort"] is False
    cold_rows = (tmp_path / "results" / "cold" / "synth" / "deepsort" / "data" / "synth-01.txt").read_text()
    warm_rows = (tmp_path / "results" / "warm" / "synth" / "deepsort" / "data" / "synth-01.txt").read_text()
    assert warm_rows == cold_rows  # the same vectors, the same tracks


def test_spec_key_follows_the_weights_file_not_its_path(tmp_path: Path) -> None:
    import hashlib

    from trackbench.trackers.embedders.shipped import onnx_path, weights_path

    a, b = tmp_path / "a.pt", tmp_path / "b.pt"
    a.write_bytes(weights_path().read_bytes())
    b.write_bytes(weights_path().read_bytes())
    assert spec_key(f"siamese:{a}") == spec_key(f"siamese:{b}")  # same content, other name
    b.write_bytes(weights_path().read_bytes() + b"\0")
    assert spec_key(f"siamese:{a}") != spec_key(f"siamese:{b}")
    assert spec_key("reid") != spec_key(f"siamese:{a}")  # the name is part of the identity
    assert spec_key("histogram") == create_embedder("histogram").key
    # reid is keyed on the file it runs (the .onnx), not on the training checkpoint beside it.
    assert spec_key("reid").endswith(hashlib.sha256(onnx_path().read_bytes()).hexdigest())
    assert spec_key("reid").split("-")[-1] != hashlib.sha256(weights_path().read_bytes()).hexdigest()


def test_cache_key_changes_with_the_embedder_spec() -> None:
    from trackbench.datasets.synth import load_synth

    (seq,) = load_synth(sequences=["synth-01"])
    keys = {cache_key(seq, spec_key(spec)) for spec in ("reid", "histogram", "torchvision:resnet18",
                                                       "torchvision:resnet18:128x256")}
    assert len(keys) == 4

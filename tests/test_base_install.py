"""The base install (no ``[torch]`` extra) runs every built-in tracker and scores result files: torch is never needed.

Each command runs in a child process in which ``torch`` and ``torchvision``
cannot be imported (``sys.modules[name] = None`` makes any import of them fail,
as on a machine without them), and reports which of them, and whether
onnxruntime (a core dependency, but one only the networks need), got loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

BLOCKED = ("torch", "torchvision")
HEAVY = BLOCKED + ("onnxruntime",)
CHILD = f"""
import json, sys
for name in {BLOCKED!r}:
    sys.modules[name] = None
from trackbench.harness.cli import main
sys.argv = ["bench", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
loaded = sorted(m for m, v in sys.modules.items() if v is not None and m.split(".")[0] in {HEAVY!r})
print("\\n" + json.dumps({{"code": code, "loaded": loaded}}))
"""


def _bench_without_torch(args: list[str], cwd: Path) -> tuple[int, list[str], str, str]:
    """(exit code, heavy modules loaded, stdout, stderr) of ``bench ARGS`` with torch unavailable."""
    out = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert out.stdout.strip(), out.stderr[-3000:]
    *printed, last = out.stdout.strip().splitlines()
    result = json.loads(last)
    return result["code"], result["loaded"], "\n".join(printed), out.stderr


def test_help_and_eval_without_torch(tmp_path: Path) -> None:
    import motmetrics

    code, loaded, _, err = _bench_without_torch(["--help"], tmp_path)
    assert (code, loaded) == (0, []), err[-2000:]
    data = Path(motmetrics.__file__).parent / "data" / "TUD-Campus"
    (tmp_path / "gt" / "TUD-Campus" / "gt").mkdir(parents=True)
    (tmp_path / "res").mkdir()
    shutil.copy(data / "gt.txt", tmp_path / "gt" / "TUD-Campus" / "gt" / "gt.txt")
    shutil.copy(data / "test.txt", tmp_path / "res" / "TUD-Campus.txt")
    code, loaded, text, err = _bench_without_torch(["eval", "--gt", "gt", "--results", "res", "-j", "1",
                                                    "--format", "json"], tmp_path)
    assert (code, loaded) == (0, []), err[-2000:]
    (row,) = [r for r in json.loads(text)["table"] if r["sequence"] == "TUD-Campus"]
    assert round(row["MOTA"], 1) == 52.6 and round(row["IDF1"], 1) == 55.8  # motmetrics' published values


def test_run_sort_without_torch(tmp_path: Path) -> None:
    code, loaded, _, err = _bench_without_torch(["run", "-t", "sort", "--results", "r", "--name", "x"], tmp_path)
    assert (code, loaded) == (0, []), err[-2000:]
    assert (tmp_path / "r" / "x" / "leaderboard.csv").is_file()


def test_run_deepsort_reid_and_rolo_without_torch(tmp_path: Path) -> None:
    """The shipped networks run on onnxruntime: Deep SORT's default embedder and rolo's default checkpoint."""
    env_cache = {"TRACKBENCH_CACHE": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", CHILD, "run", "-t", "deepsort,rolo", "-s", "synth-01",
                          "-p", "deepsort.embedder=reid", "--results", "r", "--name", "x"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env={**os.environ, **env_cache})
    *_, last = out.stdout.strip().splitlines()
    result = json.loads(last)
    assert result["code"] == 0, out.stderr[-3000:]
    assert not [m for m in result["loaded"] if m.split(".")[0] in BLOCKED]
    assert "onnxruntime" in result["loaded"]  # the networks really ran
    manifest = json.loads((tmp_path / "r" / "x" / "manifest.json").read_text())
    units = {u["tracker"]: u for u in manifest["units"]}
    assert set(units) == {"deepsort", "rolo"}
    assert all(u["failed"] is None and u["skipped"] is None for u in units.values()), units
    for tracker in ("deepsort", "rolo"):
        rows = (tmp_path / "r" / "x" / "synth" / tracker / "data" / "synth-01.txt").read_text().splitlines()
        assert len(rows) > 100, tracker  # real tracks, not an empty file

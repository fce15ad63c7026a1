"""Hostile input cases of issues 12 and 24, each run on a corrupted copy of real data in a temp folder.

For every case this builds the corrupted copy from the shared data (``--data``,
default ``../shared/data`` beside the checkout), runs one ``bench`` command with
a memory cap (``RLIMIT_AS``, so a case that would exhaust the machine fails with
MemoryError instead) and a timeout, and records: exit code, the last line of
stderr, whether any file appeared outside the run's ``results`` folder, and for
appearance-cache cases where the vectors came from (the manifest's
``embed_source``).  Run it once on the original code and once on the fixed code
and compare (``--compare before.json``) to get the before → after table::

    python benchmarks/hostile_cases.py --out /tmp/before.json
    python benchmarks/hostile_cases.py --out /tmp/after.json --compare /tmp/before.json --markdown table.md
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

HERE = Path(__file__).resolve().parent.parent
MEMORY_CAP = 3 << 30  # bytes of address space per case
TORCH_MEMORY_CAP = 16 << 30  # torch maps several GiB of address space just to import
#: Cases whose command imports torch (the cap above would fail the import itself).
TORCH_CASES = {"device-gpu", "device-cuda", "siamese-corrupt", "torchvision-offline"}
TIMEOUT = 90  # seconds per command


@dataclass
class Ctx:
    tmp: Path
    data: Path
    bench: str
    env: dict = field(default_factory=dict)  # extra environment for this case's commands (PYTHONPATH is appended)

    @property
    def python(self) -> str:
        """The interpreter beside ``bench`` (for ``python -m trackbench``)."""
        return str(Path(self.bench).parent / "python")

    def plugin(self, module: str, source: str) -> None:
        """A plug-in module ``module`` in tmp/plug, put on PYTHONPATH for this case."""
        folder = self.tmp / "plug"
        folder.mkdir(exist_ok=True)
        (folder / f"{module}.py").write_text(source)
        self.env["PYTHONPATH"] = str(folder)

    @property
    def results(self) -> Path:
        return self.tmp / "results"

    def mot17(self, seq: str = "MOT17-05-FRCNN") -> Path:
        """A box-only MOT17 copy (seqinfo.ini, det, gt) under tmp/data/train/<seq>."""
        dst = self.tmp / "data" / "train" / seq
        shutil.copytree(self.data / "mot17" / "train" / seq, dst)
        return dst

    def mini(self, seq: str = "MOT17-05-FRCNN") -> Path:
        """A MOT17 copy with images (first frames only)."""
        dst = self.tmp / "data" / "train" / seq
        shutil.copytree(self.data / "mot17-mini" / seq, dst)
        return dst

    def run(self, *args: str, dataset: str = "mot17", seqs: str | None = None) -> list[str]:
        cmd = [self.bench, "run", "-d", dataset, "--data-root", str(self.tmp / "data"), "--results", str(self.results)]
        if seqs:
            cmd += ["-s", seqs]
        return cmd + list(args)


def edit_ini(seq: Path, **changes: str | None) -> None:
    lines = (seq / "seqinfo.ini").read_text().splitlines()
    out = []
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if key in changes:
            value = changes.pop(key)
            if value is not None:
                out.append(f"{key}={value}")
            continue
        out.append(line)
    out += [f"{k}={v}" for k, v in changes.items() if v is not None]
    (seq / "seqinfo.ini").write_text("\n".join(out) + "\n")


def edit_lines(path: Path, fn: Callable[[list[str]], list[str]]) -> None:
    path.write_text("\n".join(fn(path.read_text().splitlines())) + "\n")


def set_field(line: str, index: int, value: str) -> str:
    parts = line.split(",")
    parts[index] = value
    return ",".join(parts)


# --- cases -------------------------------------------------------------------------------
# Each returns the command to run (and may leave a second "prepare" command in ctx).

CASES: dict[str, tuple[str, Callable[[Ctx], list[list[str]]]]] = {}


def case(key: str, title: str):
    def register(fn):
        CASES[key] = (title, fn)
        return fn
    return register


@case("name-abs", "seqinfo name=/abs/path (outside results)")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, name=str(c.tmp / "elsewhere" / "evil"))
    return [c.run("-t", "sort")]


@case("name-dotdot", "seqinfo name=../../x")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, name="../../x")
    return [c.run("-t", "sort", "--name", "r")]


@case("run-name-escape", "--name a/b/../../../escape")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "--name", "a/b/../../../escape")]


@case("tracker-plugin-name", "-t with a path-like tracker spec ../../evil:X")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "../../evil:X", "--name", "r")]


@case("det-frame-1e9", "det row with frame 1000000000")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "det" / "det.txt", lambda ls: ls[:-1] + [set_field(ls[-1], 0, "1000000000")])
    return [c.run("-t", "sort", "--name", "r")]


@case("det-frame-2e8", "det row with frame 200000000")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "det" / "det.txt", lambda ls: ls[:-1] + [set_field(ls[-1], 0, "200000000")])
    return [c.run("-t", "sort", "--name", "r")]


@case("seqlength-2e9", "seqLength=2000000000")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, seqLength="2000000000")
    return [c.run("-t", "sort", "--name", "r")]


@case("ini-no-section", "seqinfo.ini without [Sequence] header")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "seqinfo.ini", lambda ls: ls[1:])
    return [c.run("-t", "sort", "--name", "r")]


@case("ini-dup-key", "seqinfo.ini with a duplicate key")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "seqinfo.ini", lambda ls: ls + ["seqLength=837"])
    return [c.run("-t", "sort", "--name", "r")]


@case("ini-width-only", "imWidth without imHeight")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, imHeight=None)
    return [c.run("-t", "sort", "--name", "r")]


@case("seqlength-abc", "seqLength=abc")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, seqLength="abc")
    return [c.run("-t", "sort", "--name", "r")]


for _value in ("0", "-5", "10"):
    def _make(value: str):
        def build(c: Ctx):
            s = c.mot17()
            edit_ini(s, seqLength=value)
            return [c.run("-t", "sort", "--name", "r")]
        return build
    CASES[f"seqlength-{_value}"] = (f"seqLength={_value}", _make(_value))


@case("framerate-0", "frameRate=0")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, frameRate="0")
    return [c.run("-t", "sort", "--name", "r")]


@case("gt-frame-1e30", "gt row with frame 1e30")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "gt" / "gt.txt", lambda ls: ls[:5] + [set_field(ls[5], 0, "1e30")] + ls[6:])
    return [c.run("-t", "sort", "--name", "r")]


@case("gt-fractional-ids", "gt ids 1.5 and 1.7")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "gt" / "gt.txt", lambda ls: [set_field(ls[0], 1, "1.5"), set_field(ls[1], 1, "1.7")] + ls[2:])
    return [c.run("-t", "sort", "--name", "r")]


@case("gt-nan-id", "gt row with id NaN")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "gt" / "gt.txt", lambda ls: ls[:3] + [set_field(ls[3], 1, "nan")] + ls[4:])
    return [c.run("-t", "sort", "--name", "r")]


@case("det-blank-line", "whitespace-only line in det.txt")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "det" / "det.txt", lambda ls: ls[:10] + ["   \t "] + ls[10:])
    return [c.run("-t", "sort", "--name", "r")]


@case("det-trailing-comma", "trailing commas on every det line")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "det" / "det.txt", lambda ls: [line + "," for line in ls])
    return [c.run("-t", "sort", "--name", "r")]


@case("gt-empty", "empty gt.txt")
def _(c: Ctx):
    s = c.mot17()
    (s / "gt" / "gt.txt").write_text("")
    return [c.run("-t", "sort", "--name", "r")]


@case("det-past-seqlength", "det rows past seqLength (seqLength=800 of 837)")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, seqLength="800")
    edit_lines(s / "gt" / "gt.txt", lambda ls: [line for line in ls if int(line.split(",")[0]) <= 800])
    return [c.run("-t", "sort", "--name", "r")]


@case("results-is-file", "--results names a file")
def _(c: Ctx):
    c.mot17()
    c.results.write_text("not a folder\n")
    return [c.run("-t", "sort", "--name", "r")]


@case("image-size-mid", "one image of another size mid-sequence (optical_flow)")
def _(c: Ctx):
    import cv2

    s = c.mini()
    img = cv2.imread(str(s / "img1" / "000003.jpg"))
    cv2.imwrite(str(s / "img1" / "000003.jpg"), cv2.resize(img, (320, 240)))
    return [c.run("-t", "optical_flow", "--name", "r")]


@case("image-missing", "missing image frame (deepsort, histogram)")
def _(c: Ctx):
    s = c.mini()
    (s / "img1" / "000003.jpg").unlink()
    return [c.run("-t", "deepsort", "-p", "embedder=histogram", "--name", "r")]


def _cache_case(mutate: Callable[[Path, Ctx], None]):
    def build(c: Ctx):
        c.mini()
        first = c.run("-t", "deepsort", "-p", "embedder=histogram", "--name", "first")
        return [first, ["MUTATE", mutate.__name__], c.run("-t", "deepsort", "-p", "embedder=histogram", "--name", "r")]
    build.mutate = mutate  # type: ignore[attr-defined]
    return build


def _cache_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.npy")) + sorted(cache.rglob("*.npz"))


def _vectors(f: Path) -> np.ndarray:
    """The vectors of a cache file: a bare .npy (old layout) or the "features" of an .npz."""
    loaded = np.load(f)
    if isinstance(loaded, np.ndarray):
        return loaded
    with loaded:
        return loaded["features"]


def _store(f: Path, array: np.ndarray) -> None:
    """Replace the vectors, keeping whatever else the file holds (key, checksum) as it was."""
    if f.suffix == ".npy":
        np.save(f, array)
        return
    with np.load(f) as z:
        rest = {k: z[k] for k in z.files if k != "features"}
    np.savez(f.with_suffix(""), features=array, **rest)


def wrong_vectors(cache: Path, c: Ctx) -> None:
    for f in _cache_files(cache):
        a = _vectors(f)
        b = np.random.default_rng(0).normal(size=a.shape).astype(a.dtype)
        _store(f, b / np.linalg.norm(b, axis=1, keepdims=True))


def nan_vectors(cache: Path, c: Ctx) -> None:
    for f in _cache_files(cache):
        _store(f, np.full_like(_vectors(f), np.nan))


def truncated(cache: Path, c: Ctx) -> None:
    for f in _cache_files(cache):
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2])


def few_rows(cache: Path, c: Ctx) -> None:
    for f in _cache_files(cache):
        a = _vectors(f)
        _store(f, a[: len(a) // 2])


def inverted_images(cache: Path, c: Ctx) -> None:
    import cv2

    for f in (c.tmp / "data").rglob("img1/*.jpg"):
        st = f.stat()
        cv2.imwrite(str(f), 255 - cv2.imread(str(f)))
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime


for _key, _fn, _title in (
    ("cache-wrong-vectors", wrong_vectors, "cache: wrong vectors of the right shape"),
    ("cache-nan", nan_vectors, "cache: all-NaN vectors"),
    ("cache-truncated", truncated, "cache: truncated cache file"),
    ("cache-few-rows", few_rows, "cache: too few rows"),
    ("cache-images-changed", inverted_images, "cache: every image inverted (same names, same mtimes)"),
):
    CASES[_key] = (_title, _cache_case(_fn))


@case("cache-dir-is-file", "cache folder path is a file")
def _(c: Ctx):
    c.mini()
    (c.tmp / "cache").write_text("x")
    return [c.run("-t", "deepsort", "-p", "embedder=histogram", "--name", "r")]


@case("embedder-bogus", "-p embedder=bogus")
def _(c: Ctx):
    c.mini()
    return [c.run("-t", "deepsort", "-p", "embedder=bogus", "--name", "r")]


@case("embedder-onnx-missing", "embedder=onnx:/nope.onnx")
def _(c: Ctx):
    c.mini()
    return [c.run("-t", "deepsort", "-p", "embedder=onnx:/nope.onnx", "--name", "r")]


@case("features-missing", "embedder=precomputed features=/no/such/folder")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "deepsort", "-p", "embedder=precomputed", "-p", "features=/no/such/folder", "--name", "r")]


@case("device-gpu", "device=gpu")
def _(c: Ctx):
    c.mini()
    return [c.run("-t", "deepsort", "-p", "embedder=mobilenet", "-p", "device=gpu", "--name", "r")]


@case("device-cuda", "device=cuda without a GPU")
def _(c: Ctx):
    c.mini()
    return [c.run("-t", "deepsort", "-p", "embedder=mobilenet", "-p", "device=cuda", "--name", "r")]


@case("siamese-corrupt", "corrupt siamese: checkpoint")
def _(c: Ctx):
    c.mini()
    bad = c.tmp / "bad.pt"
    bad.write_bytes(b"PK\x03\x04 this is not a checkpoint" * 10)
    return [c.run("-t", "deepsort", "-p", f"embedder=siamese:{bad}", "--name", "r")]


@case("torchvision-offline", "embedder=torchvision:resnet18 offline (weights not cached)")
def _(c: Ctx):
    c.mini()
    return [c.run("-t", "deepsort", "-p", "embedder=torchvision:resnet18", "--name", "r")]


@case("trackers-comma", "-t ,")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", ",", "--name", "r")]


@case("sequences-comma", "-s ,")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "-s", ",", "--name", "r")]


def _eval_setup(c: Ctx, mutate: Callable[[Path], None] | None, trackers: int = 1) -> list[str]:
    gt = c.tmp / "gt"
    for seq in ("MOT17-05-FRCNN", "MOT17-10-FRCNN"):
        (gt / seq / "gt").mkdir(parents=True)
        shutil.copy(c.data / "mot17" / "train" / seq / "gt" / "gt.txt", gt / seq / "gt" / "gt.txt")
        shutil.copy(c.data / "mot17" / "train" / seq / "seqinfo.ini", gt / seq / "seqinfo.ini")
    res = c.tmp / "res"
    for t in range(trackers):
        folder = res / f"trk{t}" / "data" if trackers > 1 else res
        folder.mkdir(parents=True)
        for seq in ("MOT17-05-FRCNN", "MOT17-10-FRCNN"):
            lines = (gt / seq / "gt" / "gt.txt").read_text().splitlines()
            rows = [line.split(",") for line in lines if line.split(",")[6] != "0"]
            (folder / f"{seq}.txt").write_text("".join(",".join(r[:6] + ["1", "-1", "-1", "-1"]) + "\n" for r in rows))
    if mutate:
        mutate(res)
    return [c.bench, "eval", "--gt", str(gt), "--results", str(res), "-j", "1"]


@case("eval-zero-byte", "bench eval: a 0-byte result file")
def _(c: Ctx):
    return [_eval_setup(c, lambda res: (res / "MOT17-10-FRCNN.txt").write_text(""))]


@case("eval-line-cut", "bench eval: a result file cut mid-line")
def _(c: Ctx):
    def cut(res: Path) -> None:
        f = res / "MOT17-10-FRCNN.txt"
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2 - 7])
    return [_eval_setup(c, cut)]


@case("eval-missing-seq", "bench eval: one tracker lacks a sequence")
def _(c: Ctx):
    return [_eval_setup(c, lambda res: (res / "trk1" / "data" / "MOT17-10-FRCNN.txt").unlink(), trackers=2)]


# --- issue 24: escaped outputs, contained reads, no silent zeros -----------------------------


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.is_file() else ""


def _grep(needle: str, *paths: Path) -> str:
    """Which of ``paths`` (relative names) contain ``needle``."""
    hits = [p.name for p in paths if needle in _read(p)]
    return f"{needle!r} raw in {', '.join(hits)}" if hits else f"no raw {needle!r} in outputs"


@case("md-html-name", "seqinfo name <img src=x onerror=alert(1)> in Markdown outputs")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, name="<img src=x onerror=alert(1)>")
    run = c.results / "r"
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "40"), [c.bench, "publish", str(run)],
            ["CHECK", lambda c, out, err: _grep("<img", run / "per_sequence.md", run / "leaderboard.md",
                                                run / "report.md")]]


@case("md-pipe-name", "seqinfo name a|b (Markdown columns)")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, name="a|b")

    def columns(c: Ctx, out: str, err: str) -> str:
        lines = [line for line in _read(c.results / "r" / "per_sequence.md").splitlines() if line.startswith("|")]
        counts = sorted({line.replace("\\|", "").count("|") for line in lines})
        return f"per_sequence.md rows have {counts} unescaped pipes" if lines else "no per_sequence.md"
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "40"), ["CHECK", columns]]


@case("csv-formula-name", "seqinfo name =1+2 (CSV formula)")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, name="=1+2")

    def formula(c: Ctx, out: str, err: str) -> str:
        text = _read(c.results / "r" / "per_sequence.csv")
        cells = [cell for line in text.splitlines() for cell in line.split(",") if cell.startswith(("=", "@", "+"))]
        return f"formula cells in per_sequence.csv: {cells[:2]}" if cells else "no formula cell in per_sequence.csv"
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "40"), ["CHECK", formula]]


@case("eval-symlink-out", "bench eval: a result file symlinked to a secret outside --results")
def _(c: Ctx):
    secret = c.tmp / "data" / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("TOPSECRET-0123456789 root:$6$hash\n")

    def link(res: Path) -> None:
        (res / "MOT17-10-FRCNN.txt").unlink()
        (res / "MOT17-10-FRCNN.txt").symlink_to(secret)
    return [_eval_setup(c, link),
            ["CHECK", lambda c, out, err: "secret printed" if "TOPSECRET" in out + err else "secret not printed"]]


@case("markup-name", "--name '[bold red]RED' (rich markup)")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "--name", "[bold red]RED", "--max-frames", "20"),
            ["CHECK", lambda c, out, err: next((line for line in out.splitlines() if line.startswith("results:")),
                                               "no results line")[-30:]]]


@case("plugin-toplevel", "-t this:X (module top-level code runs before the Tracker check)")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "this:X", "--name", "r"),
            ["CHECK", lambda c, out, err: "module ran (Zen printed)" if "Beautiful is better" in out + err
             else "module not run"]]


@case("python-m-cwd", "python -m trackbench with a typer.py in the current folder")
def _(c: Ctx):
    (c.tmp / "typer.py").write_text("print('HIJACKED by ./typer.py')\nraise SystemExit(3)\n")
    return [[c.python, "-m", "trackbench", "--version"],
            ["CHECK", lambda c, out, err: "./typer.py ran" if "HIJACKED" in out + err else "./typer.py not imported"]]


def _det_case(mutate: Callable[[Path], None]):
    def build(c: Ctx):
        s = c.mot17()
        mutate(s / "det" / "det.txt")
        return [c.run("-t", "sort", "--name", "r", "--max-frames", "40")]
    return build


def _replace_with_symlink(target: str) -> Callable[[Path], None]:
    def mutate(det: Path) -> None:
        det.unlink()
        det.symlink_to(target)
    return mutate


def _det_folder(det: Path) -> None:
    det.unlink()
    det.mkdir()


def _det_loop(det: Path) -> None:
    det.unlink()
    (det.parent / "loop.txt").symlink_to(det)
    det.symlink_to(det.parent / "loop.txt")


for _key, _fn, _title in (
    ("det-missing", lambda det: det.unlink(), "det/det.txt missing"),
    ("det-broken-symlink", _replace_with_symlink("/no/such/det.txt"), "det/det.txt a broken symlink"),
    ("det-folder", _det_folder, "det/det.txt is a folder"),
    ("det-device", _replace_with_symlink("/dev/null"), "det/det.txt a symlink to /dev/null"),
    ("det-symlink-loop", _det_loop, "det/det.txt a symlink loop"),
    ("det-comment-first", lambda det: edit_lines(det, lambda ls: ["# detections of MOT17-05"] + ls),
     "det.txt first line a '#' comment without commas"),
    ("det-bom", lambda det: det.write_bytes(b"\xef\xbb\xbf" + det.read_bytes()), "det.txt starts with a UTF-8 BOM"),
):
    CASES[_key] = (_title, _det_case(_fn))


@case("gt-id-2e63", "gt id 2^63")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "gt" / "gt.txt", lambda ls: [set_field(ls[0], 1, str(2 ** 63))] + ls[1:])
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "40")]


@case("gt-dup-ids", "gt: one id twice in a frame")
def _(c: Ctx):
    s = c.mot17()
    edit_lines(s / "gt" / "gt.txt", lambda ls: ls[:1] + [set_field(ls[0], 2, "5")] + ls[1:])
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "40")]


@case("data-root-no-dataset", "--data-root X without --dataset")
def _(c: Ctx):
    c.mot17()
    return [[c.bench, "run", "--data-root", str(c.tmp / "data"), "--results", str(c.results), "-t", "sort",
             "--name", "r", "--max-frames", "20"]]


for _value in ("nan", "inf"):
    def _make_score(value: str):
        def build(c: Ctx):
            c.mot17()
            return [c.run("-t", "sort", "--name", "r", "--max-frames", "40", "--min-score", value)]
        return build
    CASES[f"min-score-{_value}"] = (f"--min-score {_value}", _make_score(_value))


@case("compare-one-block", "bench compare on one short sequence (one bootstrap block)")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort,bytetrack", "--name", "r", "--max-frames", "25"),
            [c.bench, "compare", str(c.results / "r"), "-t", "sort,bytetrack"],
            ["CHECK", lambda c, out, err: next((line.strip()[:120] for line in out.splitlines() if "HOTA" in line),
                                               "no HOTA line")]]


_ID_PLUGIN = '''
import numpy as np
from dataclasses import dataclass
from trackbench.trackers.base import Tracker, TrackOutput


class IdTracker(Tracker):
    @dataclass
    class Params:
        pass

    def reset(self, info):
        pass

    def update(self, frame, detections):
        boxes = np.asarray(detections.boxes, dtype=float)[:2]
        return TrackOutput(ids=np.array(IDS[:len(boxes)]), boxes=boxes)
'''


def _id_case(ids: str):
    def build(c: Ctx):
        c.mot17()
        c.plugin("idplug", f"IDS = {ids}\n" + _ID_PLUGIN)
        return [c.run("-t", "idplug:IdTracker,sort", "--name", "r", "--max-frames", "20")]
    return build


for _key, _ids, _title in (
    ("plugin-float-ids", "[0.5, 1.5]", "plug-in returns ids 0.5 and 1.5"),
    ("plugin-negative-ids", "[-3, 1]", "plug-in returns id -3"),
    ("plugin-duplicate-ids", "[7, 7]", "plug-in returns one id twice in a frame (other units fine)"),
):
    CASES[_key] = (_title, _id_case(_ids))


@case("deepsort-box-only", "-t deepsort,sort on box-only sequences")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "deepsort,sort", "--name", "r", "--max-frames", "20")]


@case("interrupt-early", "Ctrl-C 2 s into a run (while data loads: no run folder yet)")
def _(c: Ctx):
    c.mot17()
    return [["SIGINT_AFTER", "2.0"], c.run("-t", "sort", "--name", "r")]


@case("resume-path", "--resume results/r (a path, as publish takes)")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "20"),
            c.run("--resume", str(c.results / "r"))]


@case("dollar-name", "seqinfo name cost$^$ then bench publish (mathtext)")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, name="cost$^$")
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "20"), [c.bench, "publish", str(c.results / "r")]]


@case("abstract-tracker", "-t trackbench.trackers.base:Tracker (abstract)")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "trackbench.trackers.base:Tracker", "--name", "r", "--max-frames", "20")]


@case("sweep-tiny-step", "bench sweep --param max_age=0:1:1e-1000000")
def _(c: Ctx):
    c.mot17()
    return [[c.bench, "sweep", "--tracker", "sort", "--param", "max_age=0:1:1e-1000000", "-d", "mot17",
             "--data-root", str(c.tmp / "data"), "--results", str(c.results), "--name", "r"]]


@case("resume-broken-manifest", "--resume on a hand-broken manifest.json")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "20"),
            ["MUTATE"], c.run("--resume", "r")]


def _break_manifest(cache: Path, c: Ctx) -> None:
    path = c.results / "r" / "manifest.json"
    path.write_text(path.read_text()[:200])


@case("publish-tampered-csv", "bench publish with a tampered leaderboard.csv")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "20"), ["MUTATE"],
            [c.bench, "publish", str(c.results / "r")]]


def _tamper_csv(cache: Path, c: Ctx) -> None:
    path = c.results / "r" / "leaderboard.csv"
    path.write_text(path.read_text().replace("HOTA", "HOTA,extra", 1) + "garbage\n\"unterminated\n")


@case("bytetrack-framerate-1e308", "frameRate=1e308 with bytetrack")
def _(c: Ctx):
    s = c.mot17()
    edit_ini(s, frameRate="1e308")
    return [c.run("-t", "bytetrack", "--name", "r", "--max-frames", "20")]


@case("jobs-500", "-j 500 for one unit")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "20", "-j", "500")]


@case("compare-replicates-1e8", "bench compare --replicates 100000000")
def _(c: Ctx):
    c.mot17()
    return [c.run("-t", "sort,bytetrack", "--name", "r", "--max-frames", "25"),
            [c.bench, "compare", str(c.results / "r"), "-t", "sort,bytetrack", "--replicates", "100000000"]]


@case("eval-toplevel-ignored", "bench eval: tracker folders plus a top-level result file")
def _(c: Ctx):
    def extra(res: Path) -> None:
        shutil.copy(res / "trk0" / "data" / "MOT17-05-FRCNN.txt", res / "MOT17-05-FRCNN.txt")
    return [_eval_setup(c, extra, trackers=2)]


# --- issue 24: memory bounds, pixel limits, the last crashes ------------------------------------


def _crowd(rng: np.random.Generator, n: int, width: float = 640, height: float = 480) -> np.ndarray:
    """``n`` tlwh boxes 10-50 px wide scattered over a ``width`` x ``height`` image."""
    wh = rng.uniform(10, 50, (n, 2))
    xy = rng.uniform(0, 1, (n, 2)) * (np.array([width, height]) - wh)
    return np.hstack([xy, wh])


def _crowded_frames(det: Path, per_frame: int, frames: tuple[int, ...] = (1, 2)) -> None:
    """Add ``per_frame`` detections to each of ``frames`` of a det file (the rest of the file stays)."""
    rng = np.random.default_rng(24)
    with det.open("a") as fh:
        for f in frames:
            for x, y, w, h in _crowd(rng, per_frame):
                fh.write(f"{f},-1,{x:.2f},{y:.2f},{w:.2f},{h:.2f},0.9\n")


for _n, _trackers in ((20_000, "sort"), (10_000, "sort"), (20_000, "bytetrack,ocsort")):
    def _make_crowd(n: int, trackers: str):
        def build(c: Ctx):
            s = c.mot17()
            _crowded_frames(s / "det" / "det.txt", n)
            return [c.run("-t", trackers, "--name", "r", "--max-frames", "3")]
        return build
    CASES[f"crowd-{_n}-{_trackers.replace(',', '-')}"] = (
        f"{_n:,} detections in each of frames 1-2 ({_trackers})", _make_crowd(_n, _trackers))


def _dense_eval(c: Ctx, frames: int, per_frame: int, ids_per_frame_unique: bool) -> tuple[Path, Path]:
    """A gt folder and a result folder for one synthetic crowded sequence ``CROWD-01``.

    Boxes drift slowly over a 1920x1080 image; ids either live 200 frames
    (MOT20-like) or are new in every frame (``ids_per_frame_unique``: F x N ids).
    The result is the gt shifted by 2 px, ids renamed.
    """
    rng = np.random.default_rng(20)
    start = _crowd(rng, per_frame, 1920, 1080)
    drift = rng.normal(0, 1, (per_frame, 2))
    gt_dir, res_dir = c.tmp / "gt" / "CROWD-01", c.tmp / "res"
    (gt_dir / "gt").mkdir(parents=True)
    res_dir.mkdir()
    (gt_dir / "seqinfo.ini").write_text(f"[Sequence]\nname=CROWD-01\nseqLength={frames}\nframeRate=25\n"
                                        "imWidth=1920\nimHeight=1080\n")
    with (gt_dir / "gt" / "gt.txt").open("w") as gt, (res_dir / "CROWD-01.txt").open("w") as res:
        k = np.arange(per_frame)
        for f in range(1, frames + 1):
            boxes = start.copy()
            boxes[:, :2] = np.clip(boxes[:, :2] + drift * f * 0.1, 0, [1900, 1060])
            ids = (f - 1) * per_frame + k + 1 if ids_per_frame_unique else (f - 1) // 200 * per_frame + k + 1
            gt.writelines(f"{f},{i},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,1,1\n" for i, (x, y, w, h) in zip(ids, boxes))
            res.writelines(f"{f},{i + 7},{x + 2:.2f},{y + 2:.2f},{w:.2f},{h:.2f},1,-1,-1,-1\n"
                           for i, (x, y, w, h) in zip(ids, boxes))
    return gt_dir.parent, res_dir


@case("eval-mot20-density", "bench eval: 2,000 frames x 500 boxes (MOT20 density)")
def _(c: Ctx):
    gt, res = _dense_eval(c, 2000, 500, False)
    return [[c.bench, "eval", "--gt", str(gt), "--results", str(res), "-j", "1"]]


@case("verify-100k-ids", "bench eval --verify with 100,000 gt ids (1,000 frames x 100 boxes)")
def _(c: Ctx):
    gt, res = _dense_eval(c, 1000, 100, True)
    return [[c.bench, "eval", "--gt", str(gt), "--results", str(res), "-j", "1", "--verify"]]


def _huge_png(path: Path, side: int) -> None:
    """A ``side`` x ``side`` black 8-bit grey PNG, written row by row (never held in memory whole)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    packer, row = zlib.compressobj(9), b"\0" * (side + 1)  # filter byte 0, then the row's pixels
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


@case("png-30000", "two 30000x30000 PNG frames (optical_flow)")
def _(c: Ctx):
    s = c.mini()
    for name in ("000001.jpg", "000002.jpg"):  # OpenCV goes by content, not by the extension
        _huge_png(s / "img1" / name, 30_000)
    edit_ini(s, imWidth="30000", imHeight="30000")  # as declared: only the pixel limit may refuse them
    return [c.run("-t", "optical_flow", "--name", "r", "--max-frames", "3")]


@case("det-line-1gib", "a 1 GiB line in det.txt")
def _(c: Ctx):
    s = c.mot17()
    det = s / "det" / "det.txt"
    lines = det.read_text().splitlines(keepends=True)
    with det.open("w") as fh:
        fh.writelines(lines[:4])
        fh.write("1,")
        block = "9" * (1 << 20)
        for _ in range(1 << 10):
            fh.write(block)
        fh.write("\n")
        fh.writelines(lines[4:])
    return [c.run("-t", "sort", "--name", "r", "--max-frames", "20")]


@case("sweep-dollar-value", "bench sweep over a plug-in's string parameter with values $x^2$, $\\frac{a}$")
def _(c: Ctx):
    s = c.mot17()
    _first_frames(s, 20)  # bench sweep has no --max-frames
    c.plugin("dollarplug", _DOLLAR_PLUGIN)
    return [[c.bench, "sweep", "--tracker", "dollarplug:Dollar", "--param", "label=$x^2$,$\\frac{a}$", "-d", "mot17",
             "--data-root", str(c.tmp / "data"), "--results", str(c.results), "--name", "r"]]  # publish: dollar-name


def _first_frames(seq: Path, frames: int) -> None:
    """Cut a box-only MOT17 copy to its first ``frames`` frames (det, gt and seqLength)."""
    for name in ("det/det.txt", "gt/gt.txt"):
        edit_lines(seq / name, lambda ls: [line for line in ls if int(float(line.split(",")[0])) <= frames])
    edit_ini(seq, seqLength=str(frames))


_DOLLAR_PLUGIN = '''
import numpy as np
from dataclasses import dataclass
from trackbench.trackers.base import Tracker, TrackOutput


class Dollar(Tracker):
    """Reports every detection as its own track; ``label`` only names the variant."""

    @dataclass
    class Params:
        label: str = "plain"

    def reset(self, info):
        self.next = 1

    def update(self, frame, detections):
        n = len(detections.boxes)
        ids = np.arange(self.next, self.next + n)
        self.next += n
        return TrackOutput(ids=ids, boxes=np.asarray(detections.boxes, dtype=float))
'''


#: Mutations of cases that run ["MUTATE"] between commands (cache cases carry theirs on the builder).
MUTATORS = {"resume-broken-manifest": _break_manifest, "publish-tampered-csv": _tamper_csv}


# --- running -------------------------------------------------------------------------------


def _limiter(cap: int):
    def limit() -> None:
        import signal

        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a harness started in the background ignores Ctrl-C
    return limit


def escaped(tmp: Path) -> list[str]:
    """Files written outside the results folder and the inputs (data, cache, gt, res)."""
    allowed = {"data", "results", "cache", "gt", "res", "bad.pt", "plug", "typer.py"}
    out = []
    for p in tmp.rglob("*"):
        rel = p.relative_to(tmp)
        if rel.parts[0] not in allowed and p.is_file():
            out.append(str(rel))
    # and anything beside tmp with its prefix (../../x relative to the run folder)
    return out


class _Measured(subprocess.Popen):
    """A Popen that reaps its child with ``os.wait4``, keeping the child's resource usage.

    Linux reports in ``ru_maxrss`` the largest resident set of the child and of
    every descendant it waited for (bench's worker processes included), in KiB.
    """

    rusage: resource.struct_rusage | None = None

    def _try_wait(self, wait_flags):  # the one place Popen.wait reaps the child
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid:
            self.rusage = usage
        return pid, status


def _execute(cmd: list[str], env: dict, cwd: Path, cap: int, interrupt_after: float | None) -> tuple:
    """(exit code or "timeout", stdout, stderr, peak resident MB) of one command; SIGINT after ``interrupt_after``
    seconds."""
    import signal

    proc = _Measured(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                     preexec_fn=_limiter(cap))
    peak = (lambda: round(proc.rusage.ru_maxrss / 1024) if proc.rusage else None)
    try:
        if interrupt_after is not None:
            try:
                proc.wait(interrupt_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
        return proc.returncode, out, err, peak()
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return "timeout", out or "", err or "", peak()


def run_case(key: str, data: Path, bench: str) -> dict:
    title, build = CASES[key]
    base = Path(tempfile.mkdtemp(prefix=f"hostile-{key}-"))
    tmp = base / "w" / "x" / "y"  # deep enough that ../../ stays inside base
    tmp.mkdir(parents=True)
    ctx = Ctx(tmp, data, bench)
    env = dict(os.environ, TRACKBENCH_CACHE=str(tmp / "cache"), TERM="dumb", COLUMNS="200",
               TORCH_HOME=str(tmp / "torch-home"), HF_HUB_OFFLINE="1")
    env.pop("TRACKBENCH_DATA", None)
    record: dict = {"case": key, "title": title}
    try:
        commands = build(ctx)
        for name, value in ctx.env.items():
            env[name] = value + (os.pathsep + env[name] if name == "PYTHONPATH" and env.get(name) else "")
        interrupt_after: float | None = None
        rc, out, err = None, "", ""
        for cmd in commands:
            if cmd[0] == "MUTATE":
                (getattr(build, "mutate", None) or MUTATORS[key])(tmp / "cache", ctx)
                continue
            if cmd[0] == "SIGINT_AFTER":  # the next command gets Ctrl-C after this many seconds
                interrupt_after = float(cmd[1])
                continue
            if cmd[0] == "CHECK":  # inspect what the last command wrote or printed
                record["finding"] = cmd[1](ctx, out, err)
                continue
            t0 = time.perf_counter()
            rc, out, err, peak = _execute(cmd, env, tmp, TORCH_MEMORY_CAP if key in TORCH_CASES else MEMORY_CAP,
                                          interrupt_after)
            interrupt_after = None
            record["seconds"] = round(time.perf_counter() - t0, 1)
            record["peak_mb"] = max(record.get("peak_mb") or 0, peak or 0)  # the largest of the case's commands
        lines = [line.strip() for line in err.splitlines() if line.strip()]
        record["rc"] = rc
        record["stderr_last"] = lines[-1][:300] if lines else ""
        record["stderr_lines"] = len(lines)
        notes = [line.strip() for line in out.splitlines() if line.strip().startswith(("note:", "skipped"))]
        record["notes"] = [n[:200] for n in notes][:4]
        manifests = sorted(ctx.results.glob("r/manifest.json")) if ctx.results.is_dir() else []
        if manifests:
            try:
                m = json.loads(manifests[0].read_text())
                record["embed_source"] = sorted({u.get("embed_source") or "" for u in m.get("units", [])})
                record["skipped"] = sorted({(u.get("skipped") or "")[:120] for u in m.get("units", []) if u.get("skipped")})
            except (ValueError, OSError):
                pass
        outside = [p for p in base.rglob("*") if p.is_file() and tmp not in p.parents]
        record["escaped"] = escaped(tmp) + [str(p.relative_to(base)) for p in outside]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return record


def short(r: dict) -> str:
    text = f"rc={r.get('rc')}"
    if r.get("peak_mb"):
        text += f", peak {r['peak_mb']} MB"
    if r.get("escaped"):
        text += f", wrote outside results: {', '.join(r['escaped'][:2])}"
    if r.get("embed_source"):
        text += f", vectors: {'/'.join(s for s in r['embed_source'] if s)}"
    if r.get("skipped"):
        text += f", skipped: {r['skipped'][0][:80]}"
    last = r.get("stderr_last", "")
    notes = [n for n in r.get("notes", []) if "skipped" not in n or not r.get("skipped")]
    if r.get("finding"):
        text += f"; {r['finding'][:160]}"
    if notes and r.get("rc") == 0:
        text += f"; {notes[0][:160]}"
    elif last:
        text += f"; `{last[:160]}`"
    return text.replace("|", "\\|")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=HERE.parent / "shared" / "data")
    ap.add_argument("--bench", default=str(Path(sys.executable).parent / "bench"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only", nargs="*", help="case keys to run (default: all)")
    ap.add_argument("--compare", type=Path, help="an earlier --out file: write the before → after table")
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--from-json", type=Path, help="skip running: rebuild the table from this --out file")
    args = ap.parse_args()
    if not args.from_json and not args.out:
        ap.error("--out is required (or --from-json)")
    if not args.from_json and not (args.data / "mot17").is_dir():
        ap.error(f"shared data not found at {args.data}")
    keys = args.only or list(CASES)
    if args.from_json:  # only rebuild the table from an earlier run
        records = json.loads(args.from_json.read_text())
    else:
        records = []
        for key in keys:
            r = run_case(key, args.data.resolve(), args.bench)
            print(f"{key:24s} {short(r)}", flush=True)
            records.append(r)
        args.out.write_text(json.dumps(records, indent=1))
    if args.compare:
        before = {r["case"]: r for r in json.loads(args.compare.read_text())}
        rows = ["| case | before | after |", "|---|---|---|"]
        for r in records:
            b = before.get(r["case"])
            rows.append(f"| {r['title']} | {short(b) if b else 'not run'} | {short(r)} |")
        text = "\n".join(rows) + "\n"
        if args.markdown:
            args.markdown.write_text(text)
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

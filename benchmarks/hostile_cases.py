"""Hostile input cases of issue 12, each run on a corrupted copy of real data in a temp folder.

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
from dataclasses import dataclass
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


# --- running -------------------------------------------------------------------------------


def _limiter(cap: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return limit


def escaped(tmp: Path) -> list[str]:
    """Files written outside the results folder and the inputs (data, cache, gt, res)."""
    allowed = {"data", "results", "cache", "gt", "res", "bad.pt"}
    out = []
    for p in tmp.rglob("*"):
        rel = p.relative_to(tmp)
        if rel.parts[0] not in allowed and p.is_file():
            out.append(str(rel))
    # and anything beside tmp with its prefix (../../x relative to the run folder)
    return out


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
        for cmd in commands:
            if cmd[0] == "MUTATE":
                getattr(build, "mutate")(tmp / "cache", ctx)
                continue
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env,
                                      cwd=tmp, preexec_fn=_limiter(TORCH_MEMORY_CAP if key in TORCH_CASES else MEMORY_CAP))
                rc, err, out = proc.returncode, proc.stderr, proc.stdout
            except subprocess.TimeoutExpired as exc:
                rc, err, out = "timeout", (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or ""), ""
            record["seconds"] = round(time.perf_counter() - t0, 1)
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
    if r.get("escaped"):
        text += f", wrote outside results: {', '.join(r['escaped'][:2])}"
    if r.get("embed_source"):
        text += f", vectors: {'/'.join(s for s in r['embed_source'] if s)}"
    if r.get("skipped"):
        text += f", skipped: {r['skipped'][0][:80]}"
    last = r.get("stderr_last", "")
    notes = [n for n in r.get("notes", []) if "skipped" not in n or not r.get("skipped")]
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

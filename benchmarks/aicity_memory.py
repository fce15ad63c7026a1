"""Peak memory of ``bench run --dataset aicity`` over a 1920x1080 video at two lengths.

Frames are decoded lazily and in order (:class:`trackbench.datasets.frames.VideoSource`),
so the peak resident memory of a run should not grow with the video's length.
This renders a CityFlow camera at each length with the test suite's scene
generator, run as a program from the checkout (``--scene-script``, default
``tests/aicity_scene.py``; nothing is imported from it), and runs
``python -m trackbench run`` on it in a fresh subprocess, reading that child's
own peak RSS from ``os.wait4`` (``ru_maxrss``), so the runs do not see each other.

Two runs per length:

- ``sort``: the issue's command, ``bench run --trackers sort --dataset aicity``.
  SORT needs no images, so this measures loading the boxes, tracking, scoring.
- ``aicity_memory:SortOnFrames``: the same SORT behind a tracker (a plug-in
  class defined here) that declares ``requires.images`` and reads every
  decoded 1920x1080 frame, so the whole video goes through the runner's
  decoding path (as Deep SORT's would).

Usage::

    python benchmarks/aicity_memory.py                 # lengths 150 and 600
    python benchmarks/aicity_memory.py --lengths 100 400 --keep /tmp/aic-mem

Numbers are per machine; nothing here asserts a limit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, TrackOutput
from trackbench.trackers.sort.tracker import Sort

HERE = Path(__file__).resolve().parent
#: The plug-in spec of the frame-reading tracker below (importable from HERE, the child's cwd).
FRAMES_TRACKER = "aicity_memory:SortOnFrames"


class SortOnFrames(Sort):
    """SORT that asks for decoded frames and reads each one (a stand-in for image-based trackers)."""

    name = "sort+frames"
    requires = Requirements(images=True)

    def reset(self, info) -> None:  # type: ignore[override]
        super().reset(info)
        self.frames_seen = 0

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        if frame is None:
            raise RuntimeError("no decoded frame: the video ended before the sequence")
        self.frames_seen += 1
        self.checksum = float(frame[::16, ::16].mean())  # touch the pixels
        return super().update(frame, detections)


def measure(args: list[str], tracker: str) -> tuple[float, float, int]:
    """(peak RSS in MiB, wall seconds, exit status) of one ``bench`` child process."""
    # ``python -m`` puts the working directory first on the child's path, so with
    # cwd=HERE the plug-in spec aicity_memory:SortOnFrames resolves to this file.
    cmd = [sys.executable, "-m", "trackbench", *args, "--trackers", tracker]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-3000:])
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return peak, wall, proc.returncode


def render(script: Path, root: Path, width: int, height: int, frames: int) -> None:
    """One CityFlow camera ``root/train/S01/c001`` (video, detections, gt) from the scene generator."""
    subprocess.run([sys.executable, str(script), str(root), str(width), str(height), str(frames)],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[150, 600])
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--trackers", nargs="+", default=["sort", FRAMES_TRACKER],
                        help="trackers to measure, one run each (e.g. add deepsort once registered)")
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temporary one)")
    parser.add_argument("--scene-script", type=Path, default=HERE.parent / "tests" / "aicity_scene.py",
                        help="CityFlow scene generator run as `python SCRIPT FOLDER WIDTH HEIGHT FRAMES` "
                             "(default: the checkout's tests/aicity_scene.py)")
    opts = parser.parse_args()

    if not opts.scene_script.is_file():
        raise SystemExit(f"no scene generator at {opts.scene_script}: pass --scene-script")
    work = (opts.keep or Path(tempfile.mkdtemp(prefix="aicity-memory-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for length in opts.lengths:
            root = work / f"len{length}"
            if not (root / "train" / "S01" / "c001" / "vdo.avi").is_file():
                t0 = time.perf_counter()
                render(opts.scene_script, root, opts.width, opts.height, length)
                print(f"rendered {length} frames at {opts.width}x{opts.height} in {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr)
            video_mb = (root / "train" / "S01" / "c001" / "vdo.avi").stat().st_size / 2**20
            for tracker in opts.trackers:
                args = ["run", "--dataset", "aicity", "--data-root", str(root),
                        "--results", str(work / "results"), "--name", f"{tracker}-{length}".replace("+", "_")]
                peak, wall, rc = measure(args, tracker)
                rows.append((length, tracker, video_mb, peak, wall, rc))
                print(f"{length:>6} frames  {tracker:<12} peak RSS {peak:8.1f} MiB  wall {wall:6.1f} s  rc {rc}",
                      file=sys.stderr)
    finally:
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nbench run --dataset aicity on a {opts.width}x{opts.height} MJPG vdo.avi "
          f"(peak RSS of each run's own process, os.wait4 ru_maxrss)\n")
    print("| frames | video MiB | tracker | peak RSS MiB | wall s | exit |")
    print("|---:|---:|---|---:|---:|---:|")
    for length, tracker, video_mb, peak, wall, rc in rows:
        print(f"| {length} | {video_mb:.1f} | {tracker} | {peak:.1f} | {wall:.1f} | {rc} |")
    by_tracker: dict[str, list[tuple[int, float]]] = {}
    for length, tracker, _, peak, _, _ in rows:
        by_tracker.setdefault(tracker, []).append((length, peak))
    print()
    for tracker, points in by_tracker.items():
        if len(points) >= 2:
            (l0, p0), (l1, p1) = points[0], points[-1]
            print(f"{tracker}: {l0} → {l1} frames ({l1 / l0:.1f}x longer): peak RSS {p0:.1f} → {p1:.1f} MiB "
                  f"({p1 - p0:+.1f} MiB, {(p1 - p0) / (l1 - l0) * 1000:+.2f} MiB per 1000 frames; "
                  f"one decoded frame is {opts.width * opts.height * 3 / 2**20:.1f} MiB)")
    return 0 if all(r[5] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

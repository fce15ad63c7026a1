"""trackbench's ``botsort`` against the authors' BoT-SORT, frame by frame, on the shared MOT17 sequences.

Run: ``python benchmarks/botsort_fidelity.py --reference CHECKOUT [--data DATA] [--sequences MOT17-05,...]
[--no-cmc] [--write DIR]``

``CHECKOUT`` is a checkout of NirAharon/BoT-SORT (e.g. ``git archive`` of its HEAD into /tmp; never into this
repository).  Its ``tracker/bot_sort.py`` ``BoTSORT`` runs unchanged, imported by path, with the camera motion
from its own GMC files (``cmc_method="file"``, its ``tracker/GMC_files/MOTChallenge`` folder, byte-identical to
``shared/data/mot17-gmc``) on the YOLOX detections of ``shared/data/mot17-yolox``; trackbench's ``botsort``
runs on the same detections with ``--cmc shared/data/mot17-gmc``.  What the driver stubs, because the tracking
never uses it: ``matplotlib`` (imported for plots), ``fast_reid`` (re-id is off), and ``cython_bbox``, replaced by
a NumPy ``bbox_overlaps`` with the same +1 pixel convention and float64 operation order (the stand-in the
ByteTrack reference outputs in ``shared/data/reference-outputs`` were made with).  ``np.float`` and ``np.float_``,
gone from NumPy 2, are set back to ``float`` and ``np.float64`` for the authors' code.

The driver copies the authors' ``tools/track.py`` loop: every frame goes through ``update(dets, img)`` with
``dets`` the ``[x1, y1, x2, y2, score]`` rows of that frame (``x2 = x + w``), their MOT17 arguments
(``track_high_thresh=0.6, track_low_thresh=0.1, new_track_thresh=0.7, track_buffer=30, match_thresh=0.8,
proximity_thresh=0.5, appearance_thresh=0.25, with_reid=False, mot20=False``), ``frame_rate`` = the sequence's
fps (so the lost-track buffer is ``int(fps/30·30)``, 14 frames on MOT17-05 as their per-sequence override), and
the output filter ``w·h > 10`` and not ``w/h > 1.6`` on each returned track's ``tlwh``.

Prints per sequence: frames identical (same boxes to 1e-6 px, same ids), frames with the same boxes, whether
ids differ only by one consistent relabelling, the largest box difference, the first differing frame.
``--write DIR`` also writes the authors' rows as ``DIR/<SEQ>.txt`` (``frame,id,x,y,w,h,score``, floats to 4
decimals, in the order the tracker returned them) — how ``tests/data/botsort_reference/`` was made.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEQUENCES = ("MOT17-02", "MOT17-04", "MOT17-05", "MOT17-10", "MOT17-11")


def _bbox_overlaps(boxes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """cython_bbox.bbox_overlaps in NumPy: IoU with inclusive (+1) pixel extents, the same float64 steps."""
    out = np.zeros((len(boxes), len(query)))
    for k in range(len(query)):
        area_q = (query[k, 2] - query[k, 0] + 1) * (query[k, 3] - query[k, 1] + 1)
        for n in range(len(boxes)):
            iw = min(boxes[n, 2], query[k, 2]) - max(boxes[n, 0], query[k, 0]) + 1
            if iw > 0:
                ih = min(boxes[n, 3], query[k, 3]) - max(boxes[n, 1], query[k, 1]) + 1
                if ih > 0:
                    ua = float((boxes[n, 2] - boxes[n, 0] + 1) * (boxes[n, 3] - boxes[n, 1] + 1) + area_q - iw * ih)
                    out[n, k] = iw * ih / ua
    return out


def _stub_modules(checkout: Path) -> None:
    """What the authors' tracker imports but never uses for tracking, as empty modules; their package by path."""
    for alias, value in (("float", float), ("float_", np.float64)):  # the authors' code predates NumPy 2
        if alias not in np.__dict__:
            setattr(np, alias, value)
    for name in ("matplotlib", "matplotlib.pyplot", "fast_reid", "fast_reid.fast_reid_interfece"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["fast_reid.fast_reid_interfece"].FastReIDInterface = None  # type: ignore[attr-defined]
    bbox = types.ModuleType("cython_bbox")
    bbox.bbox_overlaps = _bbox_overlaps  # type: ignore[attr-defined]
    sys.modules["cython_bbox"] = bbox
    package = types.ModuleType("tracker")
    package.__path__ = [str(checkout / "tracker")]  # type: ignore[attr-defined]
    sys.modules["tracker"] = package


@contextmanager
def _cwd(path: Path):
    """The authors' GMC reader opens ``tracker/GMC_files/...`` relative to the working directory."""
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def yolox_frames(data: Path, video: str) -> tuple[dict[int, np.ndarray], int]:
    """``{frame: [x1, y1, x2, y2, score] rows}`` of the YOLOX file in file order, and its last frame."""
    rows = np.loadtxt(data / "mot17-yolox" / f"{video}.txt", delimiter=",")
    dets = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6], rows[:, 6:7]], axis=1)
    frames = rows[:, 0].astype(int)
    return {int(f): dets[frames == f] for f in np.unique(frames)}, int(frames.max())


def sequence_fps(data: Path, video: str) -> float:
    for line in (data / "mot17" / "train" / f"{video}-FRCNN" / "seqinfo.ini").read_text().splitlines():
        if line.lower().startswith("framerate"):
            return float(line.split("=")[1])
    raise ValueError(f"no frameRate in {video}'s seqinfo.ini")


def reference_rows(checkout: Path, data: Path, video: str, cmc: bool = True) -> np.ndarray:
    """The authors' BoTSORT on one sequence: rows ``frame, id, x, y, w, h, score`` (float64)."""
    _stub_modules(checkout)
    from tracker.basetrack import BaseTrack  # noqa: E402 - after the stubs
    from tracker.bot_sort import BoTSORT

    args = types.SimpleNamespace(
        track_high_thresh=0.6, track_low_thresh=0.1, new_track_thresh=0.7, track_buffer=30, match_thresh=0.8,
        proximity_thresh=0.5, appearance_thresh=0.25, with_reid=False, mot20=False,
        cmc_method="file" if cmc else "none", name=f"{video}-FRCNN", ablation=False,
        aspect_ratio_thresh=1.6, min_box_area=10)
    frames, last = yolox_frames(data, video)
    BaseTrack._count = 0
    with _cwd(checkout):
        tracker = BoTSORT(args, frame_rate=sequence_fps(data, video))
    out = []
    for frame in range(1, last + 1):
        dets = frames.get(frame, np.zeros((0, 5)))
        for t in tracker.update(dets, None):
            tlwh = t.tlwh
            if tlwh[2] * tlwh[3] > args.min_box_area and not tlwh[2] / tlwh[3] > args.aspect_ratio_thresh:
                out.append((frame, t.track_id, *tlwh, t.score))
    return np.array(out, np.float64).reshape(-1, 7)


def trackbench_rows(data: Path, video: str, cmc: bool = True) -> np.ndarray:
    """trackbench's ``botsort`` on the same input (the harness's frame loop with ``--cmc``), same row layout."""
    from trackbench.datasets.camera_motion import load_gmc
    from trackbench.datasets.detsets import with_folder_detections
    from trackbench.datasets import load_dataset
    from trackbench.trackers import create

    seq = load_dataset("mot17", data / "mot17", [f"{video}-FRCNN"])[0]
    seq = with_folder_detections(seq, data / "mot17-yolox")
    motion = load_gmc(data / "mot17-gmc", seq.name, seq.info.length) if cmc else None
    moving = motion.moving() if motion is not None else None
    tracker = create("botsort")
    tracker.reset(seq.info)
    out = []
    for frame in range(1, seq.info.length + 1):
        if moving is not None and moving[frame - 1]:
            tracker.compensate(motion.warps[frame - 1])
        result = tracker.update(None, seq.detections.detections(frame))
        for i, box, score in zip(result.ids, result.boxes, result.scores):
            out.append((frame, i, box[0], box[1], box[2] - box[0], box[3] - box[1], score))
    return np.array(out, np.float64).reshape(-1, 7)


@dataclass
class Agreement:
    frames: int  # frames where either side reports something
    identical: int  # same boxes (within tolerance) and same ids
    same_boxes: int
    relabelled: bool  # ids differ only by one consistent one-to-one map
    max_box_error: float
    first_difference: int | None


def compare(ours: np.ndarray, theirs: np.ndarray, tol: float = 1e-6) -> Agreement:
    """Frame by frame: boxes matched as multisets (sorted), ids compared directly and up to one relabelling."""
    frames = sorted(set(ours[:, 0].astype(int)) | set(theirs[:, 0].astype(int)))
    identical = same = 0
    worst, first = 0.0, None
    forward: dict[int, int] = {}
    backward: dict[int, int] = {}
    consistent = True
    for f in frames:
        a, b = ours[ours[:, 0] == f], theirs[theirs[:, 0] == f]
        a, b = a[np.lexsort(a[:, 2:6].T[::-1])], b[np.lexsort(b[:, 2:6].T[::-1])]
        if len(a) != len(b):
            first = first if first is not None else f
            continue
        err = float(np.abs(a[:, 2:6] - b[:, 2:6]).max()) if len(a) else 0.0
        worst = max(worst, err)
        if err > tol:
            first = first if first is not None else f
            continue
        same += 1
        if np.array_equal(a[:, 1], b[:, 1]):
            identical += 1
        elif first is None:
            first = f
        for i, j in zip(a[:, 1].astype(int), b[:, 1].astype(int)):
            consistent &= forward.setdefault(i, j) == j and backward.setdefault(j, i) == i
    return Agreement(len(frames), identical, same, consistent and same == len(frames), worst, first)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="checkout of NirAharon/BoT-SORT")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sequences", default=",".join(SEQUENCES))
    parser.add_argument("--no-cmc", action="store_true", help="both sides without camera motion")
    parser.add_argument("--write", type=Path, help="also write the authors' rows here as <SEQ>.txt")
    args = parser.parse_args(argv)
    cmc = not args.no_cmc
    print("| sequence | CMC | identical frames | same boxes | ids | max box diff (px) | first difference | "
          "rows (authors) |")
    print("|---|---|---|---|---|---|---|---|")
    bad = 0
    for video in args.sequences.split(","):
        t0 = time.perf_counter()
        theirs = reference_rows(args.reference.resolve(), args.data.resolve(), video, cmc)
        ours = trackbench_rows(args.data.resolve(), video, cmc)
        found = compare(ours, theirs)
        ids = "identical" if found.identical == found.frames else "relabelled" if found.relabelled else "differ"
        bad += found.same_boxes != found.frames or ids == "differ"
        print(f"| {video} | {'on' if cmc else 'off'} | {found.identical}/{found.frames} | "
              f"{found.same_boxes}/{found.frames} | {ids} | {found.max_box_error:.1e} | "
              f"{found.first_difference or '-'} | {len(theirs)} |  ({time.perf_counter() - t0:.0f} s)", flush=True)
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            lines = [f"{int(r[0])},{int(r[1])}," + ",".join(f"{v:.4f}" for v in r[2:]) for r in theirs]
            (args.write / f"{video}.txt").write_text("\n".join(lines) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

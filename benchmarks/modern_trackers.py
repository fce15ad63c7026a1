"""SORT, ByteTrack and OC-SORT: trackbench's native trackers against the reference ports and the packaged ones.

Feeds the same detections (MOT17 train FRCNN public detections by default; MOT15
train with ``--dataset mot15 --data …/mot15``) to
every implementation in one process and times ``update`` calls only (inputs
are converted to each library's format beforehand), interleaving the
implementations pass by pass so machine load hits them alike; best pass of
``--repeat`` counts.  Implementations:

* ``native``: trackbench's ``sort`` / ``bytetrack`` / ``ocsort`` (batched, compiled per-frame kernels);
* ``oracle``: the per-track ports of the reference code in ``tests/oracles``;
* ``rf``: roboflow ``trackers`` (``SORTTracker``, ``ByteTrackTracker``, ``OCSORTTracker``), if installed;
* ``boxmot``: BoxMOT (``ByteTrack``, ``OcSort``; it has no SORT), if installed.

The packaged trackers run with their parameters set to the reference's values
where they have an equivalent (SORT: abewley/sort's defaults; ByteTrack,
OC-SORT: the MOT17 ones), and ByteTrack and OC-SORT report without the MOT17
output filter (``min_box_area=0``, no aspect test) so the outputs are
comparable.  roboflow's ``SORTTracker`` reports detection boxes, not the
filter's, so its frames rarely agree box for box: its row is a speed figure.
Agreement with ``native`` is the share of frames whose reported boxes are the
same set (to 1e-6 px; 1e-3 px against the packaged ones, as BoxMOT computes in
float32) with ids that map one to one over the whole sequence.

    python benchmarks/modern_trackers.py [--data DATA/mot17] [--dataset mot17|mot15] [--repeat 3]
        [--trackers sort,bytetrack,ocsort] [--sequences …]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the oracle ports
from oracles.bytetrack_ref import ByteTrackRef  # noqa: E402
from oracles.ocsort_ref import OCSortRef  # noqa: E402
from oracles.sort_ref import ReferenceSort  # noqa: E402

from trackbench.datasets import load_dataset  # noqa: E402
from trackbench.trackers import create  # noqa: E402

#: Box tolerance against packaged trackers: BoxMOT keeps boxes in float32 (about 3e-5 px at 600 px).
PACKAGED_ATOL = 1e-3
UNFILTERED = {"min_box_area": 0.0, "aspect_ratio_thresh": float("inf")}

# An implementation: (prepare(frame dets) -> input, make(info) -> step(input) -> (ids, boxes)).
Impl = tuple[Callable[[Any], Any], Callable[[Any], Callable[[Any], tuple[np.ndarray, np.ndarray]]]]


def native(name: str) -> Impl:
    def make(info):
        tracker = create(name, {} if name == "sort" else UNFILTERED)
        tracker.reset(info)

        def step(d):
            out = tracker.update(None, d)
            return out.ids, out.boxes
        return step
    return (lambda d: d), make


def oracle(name: str) -> Impl:
    def make(info):
        if name == "sort":
            ref = ReferenceSort()
            return lambda d: ref.update(d.boxes.copy())
        ref = ByteTrackRef(frame_rate=info.fps, **UNFILTERED) if name == "bytetrack" else OCSortRef(**UNFILTERED)
        return lambda d: ref.update(d.boxes.copy(), d.scores.copy())
    return (lambda d: d), make


def rf(name: str) -> Impl | None:
    try:
        import supervision as sv
        from trackers import ByteTrackTracker, OCSORTTracker, SORTTracker
    except ImportError:
        return None

    def prepare(d):
        return sv.Detections(xyxy=d.boxes.copy(), confidence=d.scores.copy(), class_id=np.zeros(len(d), int))

    def make(info):
        if name == "sort":
            # abewley/sort's defaults: max_age 1 (one 30 fps frame), min_hits 3, IoU 0.3, no score floor.
            t = SORTTracker(lost_track_buffer=1, frame_rate=30.0, track_activation_threshold=float("-inf"),
                            minimum_consecutive_frames=3, minimum_iou_threshold=0.3)
        elif name == "bytetrack":
            # track_activation_threshold: the reference's new-track score (track_thresh + 0.1);
            # minimum_iou_threshold 0.1: the reference's match_thresh 0.9 as an IoU floor.
            t = ByteTrackTracker(lost_track_buffer=30, frame_rate=info.fps, track_activation_threshold=0.7,
                                 minimum_consecutive_frames=2, minimum_iou_threshold=0.1, high_conf_det_threshold=0.6)
        else:
            t = OCSORTTracker(lost_track_buffer=30, frame_rate=30.0, minimum_consecutive_frames=3,
                              minimum_iou_threshold=0.3, direction_consistency_weight=0.2,
                              high_conf_det_threshold=0.6, delta_t=3)

        def step(dets):
            out = t.update(dets)
            keep = out.tracker_id >= 0
            return out.tracker_id[keep].astype(np.int64), out.xyxy[keep]
        return step
    return prepare, make


def boxmot(name: str) -> Impl | None:
    if name == "sort":  # BoxMOT has no SORT
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from boxmot import ByteTrack, OcSort
    except Exception:  # boxmot imports torch and more; any failure means "not available"
        return None

    def prepare(d):
        return np.concatenate([d.boxes, d.scores[:, None], np.zeros((len(d), 1))], axis=1)

    def make(info):
        if name == "bytetrack":
            t = ByteTrack(min_conf=0.1, track_thresh=0.6, match_thresh=0.9, track_buffer=30, frame_rate=int(info.fps))
        else:
            t = OcSort(min_conf=0.1, delta_t=3, inertia=0.2, use_byte=False, det_thresh=0.6, max_age=30, min_hits=3,
                       iou_threshold=0.3, asso_func="iou")

        def step(dets):
            out = t.update(dets, None)
            out = np.asarray(out)
            if out.size == 0:
                return np.zeros(0, np.int64), np.zeros((0, 4))
            return out[:, 4].astype(np.int64), out[:, :4]
        return step
    return prepare, make


def one_pass(impl: Impl, prepared, infos) -> tuple[float, list[list[tuple[np.ndarray, np.ndarray]]]]:
    _, make = impl
    spent, outputs = 0.0, []
    for info, frames in zip(infos, prepared):
        step = make(info)
        seq_out = []
        for d in frames:
            t0 = time.perf_counter()
            out = step(d)
            spent += time.perf_counter() - t0
            seq_out.append((np.asarray(out[0]), np.asarray(out[1]).reshape(-1, 4)))
        outputs.append(seq_out)
    return spent, outputs


def agreement(a, b, atol: float = 1e-6) -> tuple[int, int]:
    """Frames (of all) where both report the same boxes (to ``atol`` px), with ids mapping one to one
    per sequence."""
    same = total = 0
    for seq_a, seq_b in zip(a, b):
        fwd: dict[int, int] = {}
        back: dict[int, int] = {}
        for (ia, ba), (ib, bb) in zip(seq_a, seq_b):
            total += 1
            if len(ia) != len(ib):
                continue
            oa, ob = np.lexsort(ba.T[::-1]), np.lexsort(bb.T[::-1])
            if len(ia) and not np.allclose(ba[oa], bb[ob], atol=atol, rtol=0):
                continue
            ok = True
            for x, y in zip(ia[oa].tolist(), ib[ob].tolist()):
                if fwd.setdefault(x, y) != y or back.setdefault(y, x) != x:
                    ok = False
            same += ok
    return same, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mot17"))
    parser.add_argument("--dataset", default="mot17")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trackers", default="sort,bytetrack,ocsort")
    parser.add_argument("--sequences", default=None, help="comma-separated subset (default: all)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    seqs = load_dataset(args.dataset, args.data, args.sequences.split(",") if args.sequences else None)
    infos = [s.info for s in seqs]
    dets = [[s.detections.detections(f) for f in range(1, s.info.length + 1)] for s in seqs]
    n_frames = sum(len(d) for d in dets)
    n_dets = sum(len(x) for d in dets for x in d)
    print(f"{args.dataset}: {len(seqs)} sequences, {n_frames} frames, {n_dets} detections; one core; "
          f"best of {args.repeat} interleaved passes; load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    for name in args.trackers.split(","):
        impls = {"native": native(name), "oracle": oracle(name), "rf": rf(name), "boxmot": boxmot(name)}
        impls = {k: v for k, v in impls.items() if v is not None}
        prepared = {k: [[impl[0](d) for d in seq] for seq in dets] for k, impl in impls.items()}
        best = {k: float("inf") for k in impls}
        outputs = {}
        for _ in range(args.repeat):
            for k, impl in impls.items():
                spent, outs = one_pass(impl, prepared[k], infos)
                best[k] = min(best[k], spent)
                outputs[k] = outs
        fastest_packaged = min((best[k] for k in ("rf", "boxmot") if k in best), default=None)
        print(f"\n{name}")
        print(f"{'implementation':<10}{'seconds':>9}{'frames/s':>11}{'native is':>12}{'same frames as native':>24}")
        for k in impls:
            same, total = agreement(outputs["native"], outputs[k], PACKAGED_ATOL if k in ("rf", "boxmot") else 1e-6)
            print(f"{k:<10}{best[k]:>9.3f}{n_frames / best[k]:>11,.0f}{best[k] / best['native']:>11.2f}x"
                  f"{same:>14}/{total} ({100 * same / total:.1f}%)")
        if fastest_packaged is not None:
            print(f"native vs fastest packaged: {fastest_packaged / best['native']:.2f}x")
    print(f"load after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()

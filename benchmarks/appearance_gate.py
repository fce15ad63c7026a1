"""How far apart an embedder puts the same person in nearby frames: the data behind Deep SORT's appearance gate.

Run: ``.venv/bin/python benchmarks/appearance_gate.py [--embedder mobilenet] [--shared PATH] [--quantile 0.95]
[--sequences DIR,... --every N --max-gap F]``

Deep SORT admits a track–detection pair only inside both gates.  The motion
gate is the χ² 95 % quantile: 95 % of true pairs pass it.  This script gives
the appearance gate (``max_cosine_distance``) the same meaning for a given
embedder: on real pedestrians it measures, for every gt box, the cosine
distance to the nearest earlier crop of the *same* identity (what a track's
gallery offers its own next detection) and to the nearest earlier crop of each
*other* identity (what a wrong track's gallery offers), and prints the
``--quantile`` of the first (the gate) with the share of wrong galleries that
gate would still admit.

Data: ``mot17-mini`` from ``../shared`` (the first 4–8 full-size frames of all 7
MOT17 train sequences; gt rows of visible pedestrians, conf 1, class 1,
visibility ≥ 0.5, at least 32 px tall).  No tracker, leaderboard or test
scores these frames, so the gate is not tuned on the numbers it is judged by
(but an embedder trained on MOT17, such as ``reid``, has seen them: check it
on other data with ``--sequences``).
Those gaps are short (1–7 frames); ``--sequences`` with ``--every`` and
``--max-gap`` measures longer ones on any MOT-layout sequence with images
(only gallery crops at most ``--max-gap`` frames earlier count, as a track's
``max_age`` bounds how old its gallery can be after a miss).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def crops_by_sequence(folders: list[Path], every: int = 1) -> dict[str, list[tuple[int, int, np.ndarray, np.ndarray]]]:
    """Per sequence: (frame, id, image, box) of every usable gt row whose frame has an image."""
    from trackbench.datasets.motfile import read_mot_file

    out = {}
    for seq in folders:
        gt = read_mot_file(seq / "gt" / "gt.txt", "gt")
        rows = []
        for frame in sorted(set(gt.frames.tolist()))[::every]:
            path = seq / "img1" / f"{frame:06d}.jpg"
            if not path.is_file():
                continue
            image = cv2.imread(str(path))
            sl = gt.rows(frame)
            for i in range(sl.start, sl.stop):
                box = gt.boxes[i]
                ok = (gt.scores[i] == 1 and gt.classes[i] in (1, -1) and gt.visibility[i] >= 0.5
                      and box[3] - box[1] >= 32)
                if ok:
                    rows.append((frame, int(gt.ids[i]), image, box))
        out[seq.name] = rows
    return out


def distances(rows: list[tuple[int, int, np.ndarray, np.ndarray]], vectors: np.ndarray,
              max_gap: int) -> tuple[list[float], list[float]]:
    """Nearest-earlier-crop cosine distances: same identity, and each other identity."""
    frames = np.array([r[0] for r in rows])
    ids = np.array([r[1] for r in rows])
    same, other = [], []
    for i in range(len(rows)):
        earlier = (frames < frames[i]) & (frames >= frames[i] - max_gap)
        if not earlier.any():
            continue
        d = 1.0 - vectors[earlier] @ vectors[i]
        for who in np.unique(ids[earlier]):
            nearest = float(d[ids[earlier] == who].min())
            (same if who == ids[i] else other).append(nearest)
    return same, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default=None, help="embedder spec (default: Deep SORT's default)")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--quantile", type=float, default=0.95)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sequences", default=None, help="comma-separated MOT sequence folders (default: mot17-mini)")
    parser.add_argument("--every", type=int, default=1, help="use every N-th gt frame")
    parser.add_argument("--max-gap", type=int, default=30, help="oldest gallery crop, in frames")
    args = parser.parse_args()
    from trackbench.trackers.embedders import DEFAULT_EMBEDDER, create_embedder
    from trackbench.trackers.embedders.base import crop_boxes

    spec = args.embedder or DEFAULT_EMBEDDER
    if args.sequences:
        folders = [Path(f) for f in args.sequences.split(",")]
    else:
        mini = args.shared / "data" / "mot17-mini"
        if not mini.is_dir():
            sys.exit(f"needs {mini}")
        folders = sorted(p for p in mini.iterdir() if (p / "gt" / "gt.txt").is_file())
    embedder = create_embedder(spec, device=args.device)
    same, other, n_crops, t0 = [], [], 0, time.perf_counter()
    for name, rows in crops_by_sequence(folders, args.every).items():
        crops = [crop_boxes(image, box[None])[0] for _, _, image, box in rows]
        vectors = np.concatenate([embedder.embed_crops(crops[i:i + 64]) for i in range(0, len(crops), 64)])
        s, o = distances(rows, vectors, args.max_gap)
        same += s
        other += o
        n_crops += len(crops)
        print(f"{name}: {len(crops)} crops, same-id median {np.median(s):.3f}, other-id median {np.median(o):.3f}")
    same_a, other_a = np.array(same), np.array(other)
    gate = float(np.quantile(same_a, args.quantile))
    print(f"embedder {spec}: {n_crops} crops in {time.perf_counter() - t0:.0f} s")
    print(f"same identity  (n={len(same_a)}): quantiles 50/90/95/99 % = "
          + " / ".join(f"{np.quantile(same_a, q):.3f}" for q in (0.5, 0.9, 0.95, 0.99)))
    print(f"other identity (n={len(other_a)}): quantiles 1/5/50 % = "
          + " / ".join(f"{np.quantile(other_a, q):.3f}" for q in (0.01, 0.05, 0.5)))
    print(f"gate at the {100 * args.quantile:.0f} % quantile of same-identity distances: {gate:.3f}; "
          f"it admits {100 * np.mean(other_a <= gate):.1f} % of other identities' galleries")
    for g in (0.1, 0.2, 0.3, 0.4, 0.5):
        print(f"  max_cosine_distance {g:.1f}: admits {100 * np.mean(same_a <= g):5.1f} % same, "
              f"{100 * np.mean(other_a <= g):5.1f} % other")


if __name__ == "__main__":
    main()

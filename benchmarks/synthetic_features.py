"""Deep SORT feature files for sequences that ship without images: vectors that follow the ground truth's identities.

Run: ``python benchmarks/synthetic_features.py SEQUENCE_DIR OUT.npy [--seed N]``

Only MOT17-05-FRCNN has deep_sort's own vectors in the shared data; the other
MOT17 sequences are box-only, so no network can embed them.  For timing
Deep SORT on a crowded sequence (MOT17-04-FRCNN, about 28 detections a frame)
the vectors must still make the matching cascade do its real work: random
vectors would fail the appearance gate everywhere and leave every association
to the IoU stage.  This writes a file in ``generate_detections``' layout (the 7
``det.txt`` columns, then a 128-d vector) whose vectors behave like the real
MOT17-05 ones (measured there, adjacent frames, same box IoU > 0.7: median
cosine distance 0.02, 90th percentile 0.06; different people: median 0.52):

* each ground-truth identity (pedestrian rows, conf 1) gets a base direction
  ``normalise(m + u_id)`` around a shared mean ``m`` (different identities at
  cosine distance about 0.5);
* a detection matched to a gt box (Hungarian on IoU >= 0.5, per frame) gets its
  identity's base plus Gaussian noise of per-detection scale (log-normal about
  0.0125 per component, so two views of one person are about 0.02 apart, with a
  tail past 0.1); an unmatched detection (false positive) gets a fresh
  direction around ``m``.

The vectors are synthetic and say nothing about re-identification quality; they
exist so that timings on a dense sequence exercise the cascade as real vectors do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.datasets.boxes import iou_matrix, tlwh_to_tlbr
from trackbench.datasets.motfile import read_mot_file

DIM = 128


def identity_vectors(det: np.ndarray, gt_frames: np.ndarray, gt_ids: np.ndarray, gt_boxes: np.ndarray,
                     seed: int = 0) -> np.ndarray:
    """(N, 128) unit vectors for detection rows ``det`` (frame, id, l, t, w, h, conf) from the gt identities."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=DIM)
    mean /= np.linalg.norm(mean)
    base = {i: mean + rng.normal(size=DIM) / np.sqrt(DIM) for i in np.unique(gt_ids)}
    frames = det[:, 0].astype(np.int64)
    boxes = tlwh_to_tlbr(det[:, 2:6])
    out = mean + rng.normal(size=(len(det), DIM)) / np.sqrt(DIM)  # false positives: anyone
    for f in np.unique(frames):
        d, g = np.flatnonzero(frames == f), np.flatnonzero(gt_frames == f)
        if len(g) == 0:
            continue
        iou = iou_matrix(boxes[d], gt_boxes[g])
        r, c = linear_sum_assignment(-iou)
        ok = iou[r, c] >= 0.5
        for di, gi in zip(d[r[ok]], g[c[ok]]):
            out[di] = base[gt_ids[gi]]
    matched_scale = 0.0125 * np.exp(rng.normal(0.0, 0.7, size=(len(det), 1)))
    out += rng.normal(size=out.shape) * matched_scale
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def write(sequence_dir: Path, out: Path, seed: int = 0) -> Path:
    """Write ``out`` (deep_sort's detections-with-features layout) for the MOT sequence folder."""
    det = np.loadtxt(sequence_dir / "det" / "det.txt", delimiter=",", ndmin=2)[:, :7]
    gt = read_mot_file(sequence_dir / "gt" / "gt.txt", "gt")
    keep = (gt.scores == 1) & (gt.classes == 1)
    vectors = identity_vectors(det, gt.frames[keep], gt.ids[keep], gt.boxes[keep], seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, np.hstack([det, vectors.astype(np.float64)]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sequence", type=Path, help="MOT sequence folder holding det/det.txt and gt/gt.txt")
    ap.add_argument("out", type=Path, help="the .npy file to write")
    ap.add_argument("--seed", type=int, default=0, help="random seed (the file is a function of it)")
    args = ap.parse_args()
    print(write(args.sequence, args.out, args.seed))


if __name__ == "__main__":
    main()

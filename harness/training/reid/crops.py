"""Identity crops for re-identification training and evaluation.

Two sources give the same :class:`IdentityCrops`:

- any :class:`~trackbench.datasets.sequence.Sequence` with ground truth and images (MOT15/16/17/20,
  AI City, synth): every ``every``-th frame is decoded and the gt boxes that MOTChallenge
  scores (``conf != 0``), are visible enough, mostly inside the image and big enough are
  cut out.  An identity is ``<dataset>/<sequence>/<gt id>``, so ids of different
  sequences never merge.
- a folder in the seed's AI City layout, ``crops/<identity>/*.jpg`` (and optionally
  ``crops_test/<identity>/*.jpg`` beside it for a fixed test split).

:func:`split_identities` holds identities out (never crops of an identity), so the
evaluation measures how well an embedder tells apart people it was not trained on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from trackbench.datasets.boxes import clip_to_image
from trackbench.datasets.sequence import Sequence

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass
class IdentityCrops:
    """BGR crops (native size) with the identity, source and frame of each."""

    images: list[np.ndarray]
    identities: np.ndarray  # (N,) str, e.g. "mot17/MOT17-02-FRCNN/12"
    sources: np.ndarray  # (N,) str: "<dataset>/<sequence>" or the crop folder
    frames: np.ndarray  # (N,) int64, 1-based frame; -1 when unknown (folders)

    def __post_init__(self) -> None:
        self.identities = np.asarray(self.identities, dtype=str)
        self.sources = np.asarray(self.sources, dtype=str)
        self.frames = np.asarray(self.frames, dtype=np.int64)
        if not (len(self.images) == len(self.identities) == len(self.sources) == len(self.frames)):
            raise ValueError("images, identities, sources and frames must have the same length")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def labels(self) -> np.ndarray:
        """(N,) int64 identity index, 0..K-1 in sorted identity order."""
        if len(self) == 0:
            return np.zeros(0, np.int64)
        return np.unique(self.identities, return_inverse=True)[1].astype(np.int64)

    @property
    def num_identities(self) -> int:
        return int(len(np.unique(self.identities)))

    def subset(self, index: np.ndarray) -> "IdentityCrops":
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return IdentityCrops([self.images[i] for i in index], self.identities[index], self.sources[index], self.frames[index])

    @staticmethod
    def empty() -> "IdentityCrops":
        return IdentityCrops([], np.zeros(0, str), np.zeros(0, str), np.zeros(0, np.int64))

    @staticmethod
    def concat(parts: Iterable["IdentityCrops"]) -> "IdentityCrops":
        parts = [p for p in parts if len(p)]
        if not parts:
            return IdentityCrops.empty()
        return IdentityCrops(
            [im for p in parts for im in p.images],
            np.concatenate([p.identities for p in parts]),
            np.concatenate([p.sources for p in parts]),
            np.concatenate([p.frames for p in parts]),
        )

    def summary(self) -> str:
        return f"{len(self)} crops of {self.num_identities} identities from {len(np.unique(self.sources))} source(s)"


@dataclass(frozen=True)
class CropRules:
    """Which gt boxes become training crops."""

    every: int = 5  # use every k-th frame (consecutive frames are near-duplicates)
    min_visibility: float = 0.5  # MOT16/17/20 visibility column (1.0 where the layout has none)
    min_height: int = 32  # px, after clipping to the image
    min_width: int = 12
    min_inside: float = 0.75  # fraction of the box area inside the image
    max_per_identity: int | None = None  # evenly thinned to at most this many per identity


def crops_from_sequence(seq: Sequence, rules: CropRules = CropRules()) -> IdentityCrops:
    """Identity crops cut from a sequence's ground truth (see :class:`CropRules`)."""
    if seq.ground_truth is None:
        raise ValueError(f"sequence {seq.name} has no ground truth: identity crops need gt ids")
    if seq.source is None:
        raise ValueError(f"sequence {seq.name} has no images (box-only data): identity crops need frames")
    if rules.every < 1:
        raise ValueError("every must be >= 1")
    gt = seq.ground_truth
    source_name = f"{seq.info.dataset}/{seq.name}"
    last = min(len(seq.source), gt.last_frame)
    wanted = set(range(1, last + 1, rules.every))
    images: list[np.ndarray] = []
    ids: list[str] = []
    frames: list[int] = []
    for frame, image in _frames(seq, wanted, last):
        rows = gt.rows(frame)
        keep = (gt.scores[rows] != 0) & (gt.visibility[rows] >= rules.min_visibility)
        boxes = gt.boxes[rows][keep]
        gids = gt.ids[rows][keep]
        if len(boxes) == 0:
            continue
        h, w = image.shape[:2]
        clipped = clip_to_image(boxes, w, h)
        area = np.prod(np.maximum(boxes[:, 2:] - boxes[:, :2], 1e-9), axis=1)
        inside = np.prod(np.maximum(clipped[:, 2:] - clipped[:, :2], 0), axis=1) / area
        for box, gid, frac in zip(np.round(clipped).astype(int), gids, inside):
            x1, y1, x2, y2 = box
            if frac < rules.min_inside or (x2 - x1) < rules.min_width or (y2 - y1) < rules.min_height:
                continue
            images.append(image[y1:y2, x1:x2].copy())
            ids.append(f"{source_name}/{int(gid)}")
            frames.append(frame)
    crops = IdentityCrops(images, np.array(ids, dtype=str), np.full(len(ids), source_name), np.array(frames, np.int64))
    if rules.max_per_identity:
        crops = thin(crops, rules.max_per_identity)
    return crops


def _frames(seq: Sequence, wanted: set[int], last: int):
    """(frame, image) for the wanted frames: random access for image folders, sequential for video."""
    from trackbench.datasets.frames import VideoSource

    if isinstance(seq.source, VideoSource):
        for frame, image in enumerate(seq.source, start=1):
            if frame > last:
                return
            if frame in wanted:
                yield frame, image
    else:
        for frame in sorted(wanted):
            yield frame, seq.source.read(frame)


def crops_from_sequences(sequences: Iterable[Sequence], rules: CropRules = CropRules()) -> IdentityCrops:
    """Crops of every sequence that has gt and images; raises if none has both."""
    parts, skipped = [], []
    for seq in sequences:
        if seq.ground_truth is None or seq.source is None:
            skipped.append(seq.name)
            continue
        parts.append(crops_from_sequence(seq, rules))
    if not parts:
        raise ValueError(f"no sequence has both ground truth and images (skipped: {', '.join(skipped) or 'none given'})")
    return IdentityCrops.concat(parts)


def thin(crops: IdentityCrops, max_per_identity: int) -> IdentityCrops:
    """At most ``max_per_identity`` crops per identity, evenly spaced over its track."""
    keep: list[int] = []
    for ident in np.unique(crops.identities):
        idx = np.flatnonzero(crops.identities == ident)
        if len(idx) > max_per_identity:
            idx = idx[np.round(np.linspace(0, len(idx) - 1, max_per_identity)).astype(int)]
        keep.extend(idx.tolist())
    return crops.subset(np.array(sorted(keep), dtype=np.int64))


def _numbers(name: str) -> int:
    digits = re.findall(r"\d+", name)
    return int(digits[-1]) if digits else -1


def crops_from_folder(folder: str | Path) -> IdentityCrops:
    """Crops stored as ``<folder>/<identity>/*.jpg`` (one sub-folder per identity)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"crop folder {folder} does not exist (expected <folder>/<identity>/*.jpg)")
    images, ids, frames = [], [], []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None or image.size == 0:
                raise ValueError(f"cannot read crop image {path}")
            images.append(image)
            ids.append(f"{folder.name}/{sub.name}")
            frames.append(_numbers(path.stem))
    if not images:
        raise ValueError(f"no crops found in {folder}: expected {folder}/<identity>/*.jpg")
    return IdentityCrops(images, np.array(ids, dtype=str), np.full(len(ids), str(folder)), np.array(frames, np.int64))


def load_crop_layout(root: str | Path) -> tuple[IdentityCrops, IdentityCrops | None]:
    """(train, test or None) from the seed's layout.

    ``root`` may hold ``crops/`` (and ``crops_test/``), be the ``crops/`` folder itself
    (a sibling ``crops_test/`` is then the test split), or be any ``<identity>/*.jpg``
    folder (no fixed test split).
    """
    root = Path(root).expanduser()
    if (root / "crops").is_dir():
        train_dir, test_dir = root / "crops", root / "crops_test"
    else:
        train_dir, test_dir = root, root.parent / f"{root.name}_test"
    train = crops_from_folder(train_dir)
    test = crops_from_folder(test_dir) if test_dir.is_dir() else None
    return train, test


def split_identities(crops: IdentityCrops, fraction: float, seed: int = 0) -> tuple[IdentityCrops, IdentityCrops]:
    """(train, held-out): a ``fraction`` of the identities (with ≥ 2 crops) held out whole."""
    if not 0 <= fraction < 1:
        raise ValueError("the held-out fraction must be in [0, 1)")
    names, counts = np.unique(crops.identities, return_counts=True)
    if fraction == 0 or len(names) < 2:
        return crops, IdentityCrops.empty()
    candidates = names[counts >= 2]
    n_out = min(len(candidates), max(1, int(round(fraction * len(names)))))
    rng = np.random.default_rng(seed)
    held = set(rng.choice(candidates, size=n_out, replace=False).tolist())
    mask = np.array([i in held for i in crops.identities], dtype=bool)
    return crops.subset(~mask), crops.subset(mask)

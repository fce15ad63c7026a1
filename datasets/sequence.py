"""The one model every dataset loader produces: :class:`Sequence`.

Nothing downstream of a loader knows which layout a sequence came from.  A
sequence holds its metadata (:class:`SequenceInfo`), its detections and ground
truth as :class:`FrameTable` objects (all rows of a file, sorted by frame, sliced
per frame in O(1)), and optionally a :class:`FrameSource` that decodes images
lazily and in order.  Box-only data (MOT17 without ``img1/``) has no source.

Frames are numbered from 1, as in MOTChallenge files.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Iterator, Protocol

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class SequenceInfo:
    """What a tracker may know about a sequence before seeing it."""

    name: str
    dataset: str
    length: int
    fps: float
    width: int
    height: int


class FrameSource(Protocol):
    """Decodes the images of a sequence lazily (BGR uint8, as OpenCV gives them)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield frames 1..len in order; sequential decoding is the fast path for video."""
        ...

    def read(self, frame: int) -> np.ndarray:
        """Random access to one 1-based frame (may be slow for video)."""
        ...


@dataclass
class Detections:
    """Detections of one frame: corner boxes, scores and optional appearance vectors."""

    boxes: np.ndarray  # (N, 4) float64 tlbr
    scores: np.ndarray  # (N,) float64
    features: np.ndarray | None = None  # (N, D) float32, L2-normalised when present

    def __len__(self) -> int:
        return len(self.boxes)

    @staticmethod
    def empty(feature_dim: int | None = None) -> "Detections":
        feats = None if feature_dim is None else np.zeros((0, feature_dim), np.float32)
        return Detections(np.zeros((0, 4)), np.zeros(0), feats)

    @classmethod
    def from_arrays(cls, boxes: ArrayLike, scores: ArrayLike | None = None,
                    features: ArrayLike | None = None, *, tlwh: bool = False) -> "Detections":
        """Detections from plain arrays, for calling ``tracker.update`` from your own loop.

        ``boxes``: (N, 4) corner boxes ``x1, y1, x2, y2`` in pixels (``tlwh=True``:
        ``x, y, width, height`` as in MOT files, converted here).  ``scores``: (N,)
        detector confidences, default 1 for every box.  ``features``: (N, D)
        appearance vectors for trackers that need them (``DeepSort``), L2-normalised
        here.  Arrays are copied into the dtypes trackers expect (float64 boxes and
        scores, float32 features), so a caller's buffers are never aliased, and
        shapes are checked here rather than deep inside a tracker.
        """
        box = np.array(boxes, dtype=np.float64).reshape(-1, 4) if np.size(boxes) else np.zeros((0, 4))
        if tlwh:
            box[:, 2:] += box[:, :2]
        score = np.ones(len(box)) if scores is None else np.array(scores, dtype=np.float64).reshape(-1)
        if len(score) != len(box):
            raise ValueError(f"{len(box)} boxes but {len(score)} scores")
        if not (np.isfinite(box).all() and np.isfinite(score).all()):
            raise ValueError("boxes and scores must be finite numbers")
        feats = None
        if features is not None:
            feats = np.array(features, dtype=np.float32).reshape(len(box), -1)
            norms = np.linalg.norm(feats, axis=1, keepdims=True)
            feats = feats / np.where(norms > 0, norms, 1)
        return cls(box, score, feats)

    def subset(self, keep: np.ndarray) -> "Detections":
        """Rows selected by a boolean mask or index array."""
        feats = None if self.features is None else self.features[keep]
        return Detections(self.boxes[keep], self.scores[keep], feats)


def considered(conf: np.ndarray) -> np.ndarray:
    """Which gt rows MOTChallenge scores, by their conf column: those whose conf truncated to an integer is not 0.

    gt conf is a 0/1 flag; TrackEval reads it with ``int()``, so a fractional
    conf such as 0.5 counts as 0 and the row is not scored (1.5 and -1 are).
    trackbench follows it rather than refusing such files, so that it scores
    every file the official evaluator scores, with the same numbers.
    """
    return np.trunc(np.asarray(conf, dtype=np.float64)) != 0


@dataclass
class GroundTruth:
    """Ground truth of one frame.

    ``considered`` is False for rows MOTChallenge does not score (conf 0 in
    gt.txt after truncation to an integer: :func:`considered`).  ``classes``
    holds the MOT16/17/20 class column (1 = pedestrian; -1 where the layout has
    none, as in MOT15).  ``visibility`` is 1.0 where unknown.
    """

    ids: np.ndarray  # (M,) int64
    boxes: np.ndarray  # (M, 4) float64 tlbr
    considered: np.ndarray  # (M,) bool
    classes: np.ndarray  # (M,) int64
    visibility: np.ndarray  # (M,) float64

    def __len__(self) -> int:
        return len(self.ids)


#: The per-frame index of a :class:`FrameTable` is a dense table while it has at most this many
#: entries per row (plus :data:`DENSE_INDEX_MIN`); sparser tables use binary search instead.
DENSE_INDEX_FACTOR = 16
DENSE_INDEX_MIN = 1 << 16


@dataclass
class FrameTable:
    """Rows of boxes from a MOT-style file, sorted by frame, with O(1) per-frame slices.

    Holds detections (``ids`` all -1), ground truth or tracker output alike, so one
    parser and one slicing rule serve every kind of box file.  The O(1) index
    is a table over frame numbers, built only while frames are dense (at most
    ``DENSE_INDEX_FACTOR`` × rows + ``DENSE_INDEX_MIN`` entries); a file with a
    stray huge frame number falls back to binary search, so memory follows the
    number of rows, never one field's value.
    """

    frames: np.ndarray  # (R,) int64, sorted ascending
    ids: np.ndarray  # (R,) int64
    boxes: np.ndarray  # (R, 4) float64 tlbr
    scores: np.ndarray  # (R,) float64 (the conf column)
    classes: np.ndarray  # (R,) int64, -1 when absent
    visibility: np.ndarray  # (R,) float64, 1.0 when absent
    features: np.ndarray | None = None  # (R, D) float32
    _starts: np.ndarray | None = field(init=False, repr=False)
    _ends: np.ndarray | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        order = np.argsort(self.frames, kind="stable")
        if not np.all(order == np.arange(len(order))):
            self.frames = self.frames[order]
            self.ids = self.ids[order]
            self.boxes = self.boxes[order]
            self.scores = self.scores[order]
            self.classes = self.classes[order]
            self.visibility = self.visibility[order]
            if self.features is not None:
                self.features = self.features[order]
        top = int(self.frames[-1]) if len(self.frames) else 0
        if top + 2 <= DENSE_INDEX_FACTOR * len(self.frames) + DENSE_INDEX_MIN:
            grid = np.arange(top + 2)
            self._starts = np.searchsorted(self.frames, grid, side="left")
            self._ends = np.searchsorted(self.frames, grid, side="right")
        else:  # sparse frame numbers: binary search per call, memory stays O(rows)
            self._starts = self._ends = None

    @classmethod
    def empty(cls) -> "FrameTable":
        return cls(
            frames=np.zeros(0, np.int64),
            ids=np.zeros(0, np.int64),
            boxes=np.zeros((0, 4)),
            scores=np.zeros(0),
            classes=np.zeros(0, np.int64),
            visibility=np.zeros(0),
        )

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def last_frame(self) -> int:
        return int(self.frames[-1]) if len(self.frames) else 0

    def rows(self, frame: int) -> slice:
        """The slice of rows that belong to ``frame`` (empty past the last frame)."""
        if self._starts is None:
            start = int(np.searchsorted(self.frames, frame, side="left"))
            return slice(start, int(np.searchsorted(self.frames, frame, side="right")))
        if frame < 0 or frame >= len(self._starts):
            return slice(0, 0)
        return slice(int(self._starts[frame]), int(self._ends[frame]))

    def select(self, mask: np.ndarray) -> "FrameTable":
        """A new table with only the rows where ``mask`` is True."""
        return FrameTable(
            frames=self.frames[mask],
            ids=self.ids[mask],
            boxes=self.boxes[mask],
            scores=self.scores[mask],
            classes=self.classes[mask],
            visibility=self.visibility[mask],
            features=None if self.features is None else self.features[mask],
        )

    def detections(self, frame: int) -> Detections:
        s = self.rows(frame)
        feats = None if self.features is None else self.features[s]
        return Detections(self.boxes[s], self.scores[s], feats)

    def ground_truth(self, frame: int) -> GroundTruth:
        s = self.rows(frame)
        return GroundTruth(
            ids=self.ids[s],
            boxes=self.boxes[s],
            considered=considered(self.scores[s]),
            classes=self.classes[s],
            visibility=self.visibility[s],
        )


@dataclass
class EvalSpec:
    """How a sequence is scored, so metrics need not know the layout.

    ``distractor_classes``: gt classes whose matched tracker boxes are removed
    before scoring (MOTChallenge preprocessing for MOT16/17/20; empty for MOT15).
    ``eval_classes``: gt classes that are scored (None = every considered row).
    ``roi``: optional binary mask (H, W); tracker boxes whose bottom-centre falls
    outside it are dropped before scoring (AI City).
    ``ignore_regions`` and ``min_height`` (KITTI): tracker boxes matched to no gt
    box (IoU >= 0.5, Hungarian over every gt row) are dropped when more than half
    of their area lies in one ignore region (KITTI's DontCare boxes) or when they
    are no taller than ``min_height`` pixels, as TrackEval's KITTI class does.
    ``object_class`` (KITTI, BDD100K): the class this sequence scores, so tables
    can show per-class totals and TrackEval's class- and detection-averaged
    combinations (:mod:`trackbench.harness.metrics.classes`); None elsewhere.
    """

    distractor_classes: tuple[int, ...] = ()
    eval_classes: tuple[int, ...] | None = None
    roi: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    ignore_regions: "FrameTable | None" = None
    min_height: float = 0.0
    object_class: str | None = None

    @property
    def filters_unmatched(self) -> bool:
        """Whether tracker boxes matched to no gt box are filtered (KITTI's rules)."""
        return self.ignore_regions is not None or self.min_height > 0


@dataclass
class Sequence:
    """One sequence of one dataset, whatever its layout on disk."""

    info: SequenceInfo
    detections: FrameTable
    ground_truth: FrameTable | None = None
    source: FrameSource | None = None
    eval_spec: EvalSpec = field(default_factory=EvalSpec)
    det_path: str | None = None  # file the detections came from (cache keys)
    first_frame: int = 1  # the frame of the files that is frame 1 here (> 1 after --frames cut the start)
    gt_path: str | None = None  # file the gt came from (external evaluators)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def has_images(self) -> bool:
        return self.source is not None

    @property
    def has_gt(self) -> bool:
        return self.ground_truth is not None

    def head(self, frames: int) -> "Sequence":
        """The first ``frames`` frames only (detections, gt and images cut to match).

        What ``bench run --max-frames`` runs: a quick look at a long sequence
        that every tracker sees identically and that is scored on the same frames.
        """
        if frames >= self.info.length:
            return self
        keep = frames

        def cut(table: FrameTable | None) -> FrameTable | None:
            return None if table is None else table.select(table.frames <= keep)

        source = None if self.source is None else _FirstFrames(self.source, keep)
        return dataclasses.replace(self, info=dataclasses.replace(self.info, length=keep),
                                   detections=cut(self.detections), ground_truth=cut(self.ground_truth), source=source)

    def images(self) -> Iterator[np.ndarray]:
        """Frames 1..length in order; raises if the sequence is box-only."""
        if self.source is None:
            raise ValueError(f"sequence {self.info.name} has no images (box-only data)")
        return iter(self.source)


class _FirstFrames:
    """A frame source that stops after its first ``count`` frames (see :meth:`Sequence.head`)."""

    def __init__(self, source: FrameSource, count: int) -> None:
        self.source, self.count = source, min(count, len(source))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[np.ndarray]:
        return itertools.islice(iter(self.source), self.count)

    def read(self, frame: int) -> np.ndarray:
        if not 1 <= frame <= self.count:
            raise IndexError(f"frame {frame} is past the first {self.count} frames")
        return self.source.read(frame)

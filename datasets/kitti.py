"""KITTI tracking (2D boxes) as users download it: ``label_02`` files, seqmaps and AB3DMOT detections.

Layout (``--data-root`` may be any of these levels)::

    <root>/label_02/NNNN.txt                  (also training/label_02, data_tracking_label_2/training/label_02)
    <root>/evaluate_tracking.seqmap[.val]     (rows "NNNN empty 000000 <frames>"; also under seqmaps/)
    <root>/detections/<det>_<Class>_val/NNNN.txt   (AB3DMOT's per-class detections, e.g. pointrcnn_Car_val)
    <root>/images/training/image_02/NNNN/000000.png (optional)

What differs from MOTChallenge, and how it is mapped to the one :class:`Sequence`:

- frames are 0-based in every file: frame ``f`` becomes ``f + 1``;
- boxes are corners ``x1 y1 x2 y2`` already;
- label rows have 17 space-separated columns ``frame id type truncated occluded
  alpha x1 y1 x2 y2 h w l x y z ry``; detections are AB3DMOT's comma-separated
  ``frame,type,x1,y1,x2,y2,score,...`` with a numeric type (1 pedestrian, 2 car,
  3 cyclist) and a raw detector score (not a probability: kept as it is, so
  ``--min-score`` works in the detector's own unit);
- KITTI scores classes separately, with one tracker per class: every
  (sequence, class) pair is its own :class:`Sequence`, named ``NNNN-car`` or
  ``NNNN-pedestrian`` (``classes=``), whose detections are that class's.

Scoring follows TrackEval's ``Kitti2DBox``: gt of the class that is truncated
(> 0) or occluded (> 2), and the class's distractor type (Van for car, Person —
sitting people — for pedestrian), are distractors: tracker boxes matched to
them are removed and they are not scored; DontCare boxes are ignore regions;
tracker boxes matched to no gt box are removed when they are no taller than
25 px or lie more than half inside a DontCare box.  Other types (Truck, Tram,
Cyclist, Misc) are not gt of either class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.datasets.errors import DataFileError, at
from trackbench.datasets.frames import ImageFolderSource, image_size
from trackbench.datasets.line_limit import check_line_lengths
from trackbench.datasets.mot import DatasetNotFound
from trackbench.datasets.sequence import EvalSpec, FrameTable, Sequence, SequenceInfo

DATASET = "kitti"
FPS = 10.0
DEFAULT_SIZE = (1242, 375)  # KITTI docs; recordings differ slightly (1224x370 ...), images win when present
DEFAULT_DETECTOR = "pointrcnn"
DOWNLOAD_HINT = (
    "Download KITTI tracking from https://www.cvlibs.net/datasets/kitti/eval_tracking.php (left colour images and "
    "training labels), and detections such as AB3DMOT's PointRCNN ones from https://github.com/xinshuoweng/AB3DMOT "
    "(data/KITTI/detection/pointrcnn_<Class>_val), so that <root>/label_02/0000.txt, "
    "<root>/evaluate_tracking.seqmap.val and <root>/detections/pointrcnn_Car_val/0000.txt exist; then pass "
    "--data-root <root> or set TRACKBENCH_DATA to the folder holding kitti/."
)
#: The classes KITTI evaluates, each with its label type and its distractor type (TrackEval's rules).
CLASSES: dict[str, tuple[str, str]] = {"car": ("Car", "Van"), "pedestrian": ("Pedestrian", "Person")}
#: AB3DMOT's numeric detection types.
DETECTION_TYPES = {1: "pedestrian", 2: "car", 3: "cyclist"}
MIN_HEIGHT = 25.0
MAX_OCCLUSION = 2
MAX_TRUNCATION = 0.0
TARGET, DISTRACTOR = 1, 2  # gt classes of a per-class sequence
LABEL_COLUMNS = 17
SPLITS = {"train": ("evaluate_tracking.seqmap", "evaluate_tracking.seqmap.training", "evaluate_tracking.seqmap.train"),
          "val": ("evaluate_tracking.seqmap.val",)}


@dataclass
class Labels:
    """One label_02 file, every row (frames 1-based)."""

    frames: np.ndarray
    ids: np.ndarray
    types: np.ndarray  # str
    truncated: np.ndarray
    occluded: np.ndarray
    boxes: np.ndarray  # tlbr


def _numbers(path: Path, lineno: int, fields: list[str], what: str) -> list[float]:
    try:
        values = [float(v) for v in fields]
    except ValueError:
        raise at(path, lineno, f"not a number among the {what} in {' '.join(fields)[:80]!r}") from None
    if not all(np.isfinite(values)):
        raise at(path, lineno, f"{what} must be finite numbers")
    return values


def _frame(path: Path, lineno: int, text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise at(path, lineno, f"frame {text!r} is not a number") from None
    if not (value == int(value) and 0 <= value < 2**31 - 1):
        raise at(path, lineno, f"frame must be a whole number >= 0 (KITTI frames are 0-based), got {text}")
    return int(value) + 1


def _box(path: Path, lineno: int, box: list[float]) -> list[float]:
    if box[2] < box[0] or box[3] < box[1]:
        raise at(path, lineno, f"box x1 y1 x2 y2 = {box} has x2 < x1 or y2 < y1")
    return box


def read_labels(path: Path) -> Labels:
    """A KITTI ``label_02`` file; a bad row is a one-line error naming the file and line."""
    check_line_lengths(path)  # a label row is about 100 bytes; line iteration would hold a 1 GiB one whole
    frames, ids, types, trunc, occ, boxes = [], [], [], [], [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < LABEL_COLUMNS:
                raise at(path, lineno, f"expected {LABEL_COLUMNS} space-separated columns "
                                       f"(frame id type truncated occluded alpha x1 y1 x2 y2 h w l x y z ry), "
                                       f"got {len(fields)}")
            frames.append(_frame(path, lineno, fields[0]))
            track, t, o = _numbers(path, lineno, [fields[1], fields[3], fields[4]], "id, truncated, occluded")
            if track != int(track):
                raise at(path, lineno, f"track id must be a whole number, got {fields[1]}")
            ids.append(int(track))
            types.append(fields[2])
            trunc.append(t)
            occ.append(o)
            boxes.append(_box(path, lineno, _numbers(path, lineno, fields[6:10], "box x1 y1 x2 y2")))
    return Labels(np.asarray(frames, np.int64), np.asarray(ids, np.int64), np.asarray(types, dtype=object),
                  np.asarray(trunc, float), np.asarray(occ, float), np.asarray(boxes, float).reshape(-1, 4))


def read_detections(path: Path, cls: str) -> FrameTable:
    """The rows of one class from an AB3DMOT detection file (``frame,type,x1,y1,x2,y2,score,...``)."""
    check_line_lengths(path)  # as for labels: one oversize row is refused before it is read
    frames, boxes, scores = [], [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            fields = [f.strip() for f in text.split(",")]
            if len(fields) < 7:
                raise at(path, lineno, f"expected at least 7 comma-separated columns "
                                       f"(frame,type,x1,y1,x2,y2,score,...), got {len(fields)}")
            frame = _frame(path, lineno, fields[0])
            kind, *rest = _numbers(path, lineno, fields[1:7], "type, box and score")
            if kind not in DETECTION_TYPES:
                raise at(path, lineno, f"type must be 1 (pedestrian), 2 (car) or 3 (cyclist), got {fields[1]}")
            if DETECTION_TYPES[int(kind)] != cls:
                continue
            frames.append(frame)
            boxes.append(_box(path, lineno, rest[:4]))
            scores.append(rest[4])
    n = len(frames)
    return FrameTable(frames=np.asarray(frames, np.int64), ids=np.full(n, -1, np.int64),
                      boxes=np.asarray(boxes, float).reshape(-1, 4), scores=np.asarray(scores, float),
                      classes=np.full(n, -1, np.int64), visibility=np.ones(n))


def class_ground_truth(labels: Labels, cls: str) -> tuple[FrameTable, FrameTable]:
    """(gt, ignore regions) of one class: targets as class 1, distractors as class 2; DontCare boxes apart."""
    target, distractor = CLASSES[cls]
    hidden = (labels.occluded > MAX_OCCLUSION) | (labels.truncated > MAX_TRUNCATION)
    is_target = labels.types == target
    rows = is_target | (labels.types == distractor)
    classes = np.where(is_target & ~hidden, TARGET, DISTRACTOR)[rows]
    n = int(rows.sum())
    gt = FrameTable(frames=labels.frames[rows], ids=labels.ids[rows], boxes=labels.boxes[rows], scores=np.ones(n),
                    classes=classes.astype(np.int64), visibility=np.ones(n))
    care = labels.types == "DontCare"
    m = int(care.sum())
    regions = FrameTable(frames=labels.frames[care], ids=np.full(m, -1, np.int64), boxes=labels.boxes[care],
                         scores=np.ones(m), classes=np.full(m, -1, np.int64), visibility=np.ones(m))
    return gt, regions


def find_labels(root: Path) -> Path:
    for candidate in (root / "label_02", root / "training" / "label_02",
                      root / "data_tracking_label_2" / "training" / "label_02"):
        if candidate.is_dir():
            return candidate
    raise DatasetNotFound(f"KITTI tracking labels not found under {root} (no label_02/ folder).\n{DOWNLOAD_HINT}")


def read_seqmap(path: Path) -> dict[str, int]:
    """``NNNN empty 000000 <frames>`` rows: sequence → number of frames."""
    check_line_lengths(path)  # a seqmap row is about 25 bytes
    lengths: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 4 or not fields[2].isdigit() or not fields[3].isdigit():
                raise at(path, lineno, "expected 'SEQUENCE empty FIRST_FRAME FRAMES', e.g. '0001 empty 000000 000447'")
            lengths[fields[0]] = int(fields[3])
    if not lengths:
        raise at(path, None, "the seqmap lists no sequence")
    return lengths


def find_seqmap(root: Path, labels: Path, split: str | None) -> Path | None:
    """The seqmap of ``split`` (train: all training sequences, val: AB3DMOT's split); None: use every label file."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"--split {split}: KITTI tracking has train and val (its test labels are not public)")
    for folder in (root, root / "seqmaps", labels.parent):
        for name in SPLITS[split or "train"]:
            if (folder / name).is_file():
                return folder / name
    if split is not None:
        raise DatasetNotFound(f"KITTI --split {split}: no {' or '.join(SPLITS[split])} under {root}.\n{DOWNLOAD_HINT}")
    return None


def detection_folder(root: Path, detector: str, cls: str) -> Path | None:
    title = cls.capitalize()
    for base in (root / "detections", root):
        for name in (f"{detector}_{title}_val", f"{detector}_{title}", f"{detector}_{cls}"):
            if (base / name).is_dir():
                return base / name
    return None


class ZeroBasedImages(ImageFolderSource):
    """KITTI's ``000000.png`` is frame 1."""

    def path(self, frame: int) -> Path:
        return self.folder / f"{frame - 1:0{self.digits}d}{self.ext}"


def _images(root: Path, seq: str, length: int) -> tuple[tuple[int, int], ZeroBasedImages | None]:
    """Image size from the first PNG when there is one; a frame source only when every frame is there."""
    for folder in (root / "images" / "training" / "image_02" / seq, root / "training" / "image_02" / seq,
                   root / "image_02" / seq):
        pngs = sorted(folder.glob("*.png")) if folder.is_dir() else []
        if pngs:
            size = image_size(pngs[0])
            complete = len(pngs) >= length and (folder / f"{length - 1:06d}.png").is_file()
            return size, ZeroBasedImages(folder, length, ".png", 6, size=size) if complete else None
    return DEFAULT_SIZE, None


def load_kitti(root: str | Path, sequences: list[str] | None = None, classes: list[str] | None = None,
               split: str | None = None, detector: str | None = None) -> list[Sequence]:
    """One :class:`Sequence` per (KITTI sequence, class); see the module docstring."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetNotFound(f"KITTI tracking data not found: {root} is not a folder.\n{DOWNLOAD_HINT}")
    wanted_classes = [c.strip().lower() for c in (classes or ["car", "pedestrian"])]
    for cls in wanted_classes:
        if cls not in CLASSES:
            raise ValueError(f"--classes {cls}: KITTI tracking scores {', '.join(CLASSES)}")
    labels_dir = find_labels(root)
    seqmap = find_seqmap(root, labels_dir, split)
    if seqmap is not None:
        lengths = read_seqmap(seqmap)
    else:
        lengths = {p.stem: 0 for p in sorted(labels_dir.glob("*.txt"))}
    names = [f"{seq}-{cls}" for seq in lengths for cls in wanted_classes]
    chosen = _select(names, sequences)
    det_name = (detector or DEFAULT_DETECTOR).lower()
    folders = {cls: detection_folder(root, det_name, cls) for cls in wanted_classes}
    if detector and not all(folders.values()):
        missing = [c for c, f in folders.items() if f is None]
        raise DatasetNotFound(f"--detections {detector}: no {det_name}_<Class>_val folder for "
                              f"{', '.join(missing)} under {root}/detections")
    out: list[Sequence] = []
    cache: dict[str, Labels] = {}
    for name in chosen:
        seq, cls = name.rsplit("-", 1)
        out.append(_load_one(root, labels_dir, seq, cls, lengths[seq], folders[cls], cache, seqmap))
    return out


def _select(names: list[str], wanted: list[str] | None) -> list[str]:
    """Names equal to a wanted item or starting with it (``0001`` → ``0001-car``, ``0001-pedestrian``)."""
    if not wanted:
        return names
    missing = [w for w in wanted if not any(n == w or n.startswith(f"{w}-") for n in names)]
    if missing:
        raise DatasetNotFound(f"sequence(s) {', '.join(missing)} not found; available: {', '.join(names)}")
    return [n for n in names if any(n == w or n.startswith(f"{w}-") for w in wanted)]


def _load_one(root: Path, labels_dir: Path, seq: str, cls: str, length: int, det_folder: Path | None,
              cache: dict[str, Labels], seqmap: Path | None) -> Sequence:
    label_path = labels_dir / f"{seq}.txt"
    if not label_path.is_file():
        raise DatasetNotFound(f"KITTI sequence {seq}: {label_path} is missing (listed in {seqmap})")
    if seq not in cache:
        cache[seq] = read_labels(label_path)
    labels = cache[seq]
    last = int(labels.frames.max()) if len(labels.frames) else 0
    if length and last > length:
        row = int(np.flatnonzero(labels.frames > length)[0])
        raise at(label_path, _line_of_row(label_path, row),
                 f"frame {last - 1} is past the {length} frames the seqmap {seqmap} gives sequence {seq}")
    length = length or last
    gt, regions = class_ground_truth(labels, cls)
    if det_folder is not None:
        det_path = det_folder / f"{seq}.txt"
        if not det_path.is_file():
            raise DatasetNotFound(f"KITTI sequence {seq}: no detection file {det_path}")
        dets = read_detections(det_path, cls)
        if dets.last_frame > length:
            raise DataFileError(f"{det_path}: frame {dets.last_frame - 1} is past the {length} frames of sequence {seq}")
    else:
        det_path, dets = None, FrameTable.empty()
    (width, height), source = _images(root, seq, length)
    spec = EvalSpec(distractor_classes=(DISTRACTOR,), eval_classes=(TARGET,), ignore_regions=regions,
                    min_height=MIN_HEIGHT, object_class=cls,
                    notes=(f"KITTI {cls}: truncated/occluded and {CLASSES[cls][1]} gt are distractors, DontCare "
                           f"regions and boxes <= {MIN_HEIGHT:g} px ignored when unmatched (TrackEval's rules)",))
    info = SequenceInfo(name=f"{seq}-{cls}", dataset=DATASET, length=length, fps=FPS, width=width, height=height)
    return Sequence(info=info, detections=dets, ground_truth=gt, source=source, eval_spec=spec,
                    det_path=str(det_path) if det_path else None, gt_path=str(label_path))


def _line_of_row(path: Path, row: int) -> int:
    seen = -1
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return lineno
    return row + 1

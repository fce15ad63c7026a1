"""BDD100K box tracking (MOT 2020 labels) in Scalabel JSON, ground truth and tracker predictions.

A Scalabel file is a JSON list of frames ``{"name", "videoName", "frameIndex",
"labels": [{"id", "category", "attributes", "box2d": {"x1", "y1", "x2", "y2"}, ["score"]}]}``.
The download holds one file per video under ``labels/box_track_20/<split>/``;
a folder of such files, or one file holding several videos, loads too.

Mapped to the one :class:`Sequence` model:

- ``frameIndex`` is 0-based and becomes ``frameIndex + 1``; a video's frames
  must be 0..N-1 without gaps (its length is N, as TrackEval takes it);
- string ids become integers (1, 2, … in order of first appearance);
- BDD100K scores eight classes separately (pedestrian, rider, car, truck, bus,
  train, motorcycle, bicycle), one tracker per class, so each (video, class)
  is a :class:`Sequence` named ``<video>-<class>``;
- as TrackEval's ``BDD100K`` class: gt labels of the distractor categories
  (other person, other vehicle, trailer) or with the ``crowd`` attribute are
  not gt but ignore regions, of every class; a tracker box matched to no gt
  box that lies more than half inside one is not counted; nothing else is
  removed.

BDD100K ships no public detections: run it with ``--detections gt`` or a
folder of per-sequence detection files.  :func:`read_predictions` reads a
predictions file as per-sequence result tables, to be scored against these
sequences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.datasets.errors import DataFileError, at
from trackbench.datasets.mot import DatasetNotFound
from trackbench.datasets.sequence import EvalSpec, FrameTable, Sequence, SequenceInfo

DATASET = "bdd100k"
CLASSES = ("pedestrian", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle")
IGNORED_CATEGORIES = ("other person", "other vehicle", "trailer")
FPS = 5.0  # BDD100K MOT videos are annotated at 5 fps
SIZE = (1280, 720)
#: Largest Scalabel JSON file read, in bytes.  JSON is one long line by design, so the line limit of the text
#: readers cannot apply; ``json.load`` holds the whole text and every parsed object (several times the file's
#: size) at once, so the file's size is what bounds memory.  BDD100K's per-video label files are a few MB and a
#: whole split's predictions in one file a few hundred MB: only a corrupt or hostile file comes near 2 GiB.
MAX_JSON_BYTES = 2 << 30
DOWNLOAD_HINT = ("Download BDD100K's MOT 2020 labels (box_track_20) from https://bdd-data.berkeley.edu/ so that "
                 "<root>/labels/box_track_20/val/<video>.json exist; then pass --data-root <root> or set "
                 "TRACKBENCH_DATA to the folder holding bdd100k/.")


@dataclass
class Boxes:
    """Every label of one video: 1-based frames, tlbr boxes, category, raw string id, crowd flag, score."""

    frames: np.ndarray
    boxes: np.ndarray
    categories: np.ndarray  # str
    ids: np.ndarray  # str
    crowd: np.ndarray  # bool
    scores: np.ndarray
    length: int


def _too_large(path: Path, size: int | None) -> DataFileError:
    """The one-line refusal of a file over :data:`MAX_JSON_BYTES` (``size`` None: a pipe or device, size unknown)."""
    held = f"{size:,} bytes, " if size is not None else ""
    return at(path, None, f"{held}over the {MAX_JSON_BYTES:,}-byte ceiling on a Scalabel JSON file "
                          f"(BDD100K's label files are a few MB per video): not read")


def _read_text(path: Path) -> str:
    """The file's text, refused by size before it is read whole (see :data:`MAX_JSON_BYTES`).

    The size is checked twice: from ``stat`` before anything is read (the
    message gives it), and by reading at most one byte past the ceiling, for
    what ``stat`` gives no size of (a pipe, a device) or a file that grows.
    """
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise _too_large(path, size)
    with open(path, "rb") as fh:
        data = fh.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise _too_large(path, None)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise at(path, None, f"not UTF-8 text (byte {exc.start:,})") from None


def _load_json(path: Path) -> list[dict[str, Any]]:
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise at(path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if isinstance(data, dict) and isinstance(data.get("frames"), list):
        data = data["frames"]  # Scalabel's dataset form {"frames": [...], "config": ...}
    if not isinstance(data, list) or not all(isinstance(f, dict) for f in data):
        raise at(path, None, "expected a Scalabel list of frames [{\"videoName\", \"frameIndex\", \"labels\"}, ...]")
    return data


def _label_box(path: Path, video: str, index: int, label: dict[str, Any]) -> list[float]:
    box = label.get("box2d")
    where = f"video {video}, frameIndex {index}, label {label.get('id')!r}"
    if not isinstance(box, dict):
        raise at(path, None, f"{where}: no box2d")
    try:
        values = [float(box[k]) for k in ("x1", "y1", "x2", "y2")]
    except (KeyError, TypeError, ValueError):
        raise at(path, None, f"{where}: box2d needs numbers x1, y1, x2, y2, got {box}") from None
    if not all(np.isfinite(values)) or values[2] < values[0] or values[3] < values[1]:
        raise at(path, None, f"{where}: box2d {box} is not finite with x2 >= x1, y2 >= y1")
    return values


def read_videos(path: str | Path, predictions: bool = False) -> dict[str, Boxes]:
    """Every video of a Scalabel file; errors name the file, video, frame and label at fault."""
    path = Path(path)
    by_video: dict[str, list[dict[str, Any]]] = {}
    for frame in _load_json(path):
        by_video.setdefault(str(frame.get("videoName", path.stem)), []).append(frame)
    return {video: _video_boxes(path, video, frames, predictions) for video, frames in by_video.items()}


def _video_boxes(path: Path, video: str, frames: list[dict[str, Any]], predictions: bool) -> Boxes:
    indices = []
    for frame in frames:
        index = frame.get("frameIndex", frame.get("index"))
        if not isinstance(index, int) or index < 0:
            raise at(path, None, f"video {video}: frameIndex must be a whole number >= 0, got {index!r}")
        indices.append(index)
    if sorted(indices) != list(range(len(indices))):
        raise at(path, None, f"video {video}: frameIndex values must be 0..{len(indices) - 1}, each once "
                             f"(got {len(indices)} frames from {min(indices)} to {max(indices)})")
    rows: list[tuple[int, list[float], str, str, bool, float]] = []
    for frame, index in zip(frames, indices):
        for label in frame.get("labels") or []:
            attributes = label.get("attributes") or {}
            crowd = bool(attributes.get("crowd", attributes.get("Crowd", False)))
            score = float(label.get("score", 1.0)) if predictions else 1.0
            rows.append((index + 1, _label_box(path, video, index, label), str(label.get("category", "")),
                         str(label.get("id", "")), crowd, score))
    n = len(rows)
    return Boxes(frames=np.asarray([r[0] for r in rows], np.int64), boxes=np.asarray([r[1] for r in rows]).reshape(n, 4),
                 categories=np.asarray([r[2] for r in rows], dtype=object), ids=np.asarray([r[3] for r in rows], dtype=object),
                 crowd=np.asarray([r[4] for r in rows], bool), scores=np.asarray([r[5] for r in rows], float),
                 length=len(indices))


def integer_ids(ids: np.ndarray) -> np.ndarray:
    """String ids as 1, 2, … in order of first appearance."""
    mapping: dict[str, int] = {}
    return np.asarray([mapping.setdefault(i, len(mapping) + 1) for i in ids], np.int64)


def _table(mask: np.ndarray, boxes: Boxes, ids: np.ndarray) -> FrameTable:
    n = int(mask.sum())
    return FrameTable(frames=boxes.frames[mask], ids=ids[mask], boxes=boxes.boxes[mask], scores=boxes.scores[mask],
                      classes=np.full(n, -1, np.int64), visibility=np.ones(n))


def class_tables(boxes: Boxes, cls: str) -> tuple[FrameTable, FrameTable]:
    """(gt of class ``cls``, ignore regions of every class) of one video."""
    ignored = boxes.crowd | np.isin(boxes.categories, IGNORED_CATEGORIES)
    ids = integer_ids(boxes.ids)
    return _table(~ignored & (boxes.categories == cls), boxes, ids), _table(ignored, boxes, ids)


def read_predictions(path: str | Path, classes: list[str] | None = None) -> dict[str, FrameTable]:
    """A predictions file as result tables named ``<video>-<class>`` (ids as integers, scores kept)."""
    out: dict[str, FrameTable] = {}
    for video, boxes in read_videos(path, predictions=True).items():
        ids = integer_ids(boxes.ids)
        for cls in classes or CLASSES:
            out[f"{video}-{cls}"] = _table(boxes.categories == cls, boxes, ids)
    return out


def gt_files(root: Path, split: str | None) -> list[Path]:
    """The gt JSON files: a file given as root, else the split folder's files (predictions files left out)."""
    if root.is_file():
        return [root]
    split = split or "val"
    for folder in (root / "labels" / "box_track_20" / split, root / "box_track_20" / split, root / split, root):
        files = sorted(p for p in folder.glob("*.json") if "pred" not in p.name.lower()) if folder.is_dir() else []
        if files:
            return files
    raise DatasetNotFound(f"no BDD100K box-tracking labels (Scalabel JSON) under {root}.\n{DOWNLOAD_HINT}")


def load_bdd100k(root: str | Path, sequences: list[str] | None = None, classes: list[str] | None = None,
                 split: str | None = None) -> list[Sequence]:
    """One :class:`Sequence` per (video, class) that has gt boxes (see the module docstring)."""
    root = Path(root).expanduser()
    if not root.exists():
        raise DatasetNotFound(f"BDD100K data not found: {root} does not exist.\n{DOWNLOAD_HINT}")
    wanted = [c.strip().lower() for c in classes] if classes else list(CLASSES)
    unknown = [c for c in wanted if c not in CLASSES]
    if unknown:
        raise ValueError(f"--classes {','.join(unknown)}: BDD100K scores {', '.join(CLASSES)}")
    out: list[Sequence] = []
    seen: dict[str, Path] = {}
    for path in gt_files(root, split):
        for video, boxes in read_videos(path).items():
            if video in seen:
                raise DataFileError(f"{path}: video {video} is also in {seen[video]}")
            seen[video] = path
            for cls in wanted:
                gt, regions = class_tables(boxes, cls)
                if classes is None and not len(gt):
                    continue  # every class by default: only those the video has
                out.append(_sequence(video, cls, boxes.length, gt, regions, path))
    return select_sequences(out, sequences)


def _sequence(video: str, cls: str, length: int, gt: FrameTable, regions: FrameTable, path: Path) -> Sequence:
    spec = EvalSpec(ignore_regions=regions, object_class=cls,
                    notes=("BDD100K: crowd and other person/vehicle/trailer labels are ignore regions "
                           "for unmatched tracker boxes (TrackEval's rule); classes scored separately",))
    info = SequenceInfo(name=f"{video}-{cls}", dataset=DATASET, length=length, fps=FPS, width=SIZE[0], height=SIZE[1])
    return Sequence(info=info, detections=FrameTable.empty(), ground_truth=gt, eval_spec=spec, gt_path=str(path))


def select_sequences(found: list[Sequence], wanted: list[str] | None) -> list[Sequence]:
    """The sequences named by ``wanted`` (a name or a prefix of one: ``--sequences``); all without it."""
    if not wanted:
        return found
    missing = [w for w in wanted if not any(s.name == w or s.name.startswith(w) for s in found)]
    if missing:
        raise DatasetNotFound(f"sequence(s) {', '.join(missing)} not found; available: "
                              f"{', '.join(s.name for s in found)}")
    return [s for s in found if any(s.name == w or s.name.startswith(w) for w in wanted)]

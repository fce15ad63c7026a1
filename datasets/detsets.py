"""Which detections the trackers see: the ``--detections`` option.

A tracker benchmark compares association, but the detector sets the ceiling,
so the detection set is chosen apart from the dataset:

- **nothing** (the default): what the loader reads, e.g. every MOT17
  ``<SEQ>-<DETECTOR>/det/det.txt`` folder, AI City's ``det_yolo3.txt``;
- **a dataset's own variant**: MOT17's ``DPM``, ``FRCNN``, ``SDP`` (keeps the
  sequence folders with that suffix), AI City's ``yolo3``, ``ssd512``,
  ``mask_rcnn`` (what ``--detector`` chose, still accepted as its alias), or any
  name a loader declares in :data:`LOADER_VARIANTS`;
- **a folder** of per-sequence MOT files ``<folder>/<sequence>.txt`` from any
  detector, matched by the sequence's name or its name without the MOT17
  detector suffix (``MOT17-05.txt`` serves ``MOT17-05-FRCNN``).  Column 2 of
  such files is often a per-frame index (YOLOX exports), never an identity, so
  it is discarded: trackers see ids of -1, as with every detection file;
- **``gt``**: the scored ground-truth boxes as detections, score 1 (the oracle
  protocol that isolates association from detection), optionally degraded by
  seeded simulation: each box dropped with probability ``gt_drop``, each corner
  moved by Gaussian noise of ``gt_jitter`` × the box's width (x) or height (y).

With a folder or ``gt`` the three MOT17 copies of one video would be the same
input three times, so one copy per video is kept (FRCNN when present): its gt
is what every copy shares.  A sequence without a file in the folder, or
without gt for the oracle, is an error naming it, raised while loading, before
any unit runs.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.datasets.errors import DataFileError
from trackbench.datasets.limits import check_rows_within
from trackbench.datasets.mot import DatasetNotFound
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import FrameTable, Sequence, considered

ORACLE = "gt"
#: MOT17 ships every video three times, once per public detector, as ``<video>-<DETECTOR>``.
MOT17_DETECTORS = ("DPM", "FRCNN", "SDP")
_MOT17_SUFFIX = re.compile(r"^(?P<video>.+)-(?P<detector>DPM|FRCNN|SDP)$", re.IGNORECASE)
#: Detection sets a loader selects itself (passed to it as ``detector=``), by dataset name.
LOADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "aicity": ("yolo3", "ssd512", "mask_rcnn"),
    "kitti": ("pointrcnn",),  # any <name>_<Class>_val folder under detections/ is a set
}
#: Detection sets chosen after loading by the sequences' names, by dataset name.
NAME_VARIANTS: dict[str, tuple[str, ...]] = {"mot17": MOT17_DETECTORS}


@dataclass(frozen=True)
class DetectionChoice:
    """A parsed ``--detections`` value with its oracle-simulation settings."""

    value: str | None = None  # None: the dataset's default detections
    gt_drop: float = 0.0
    gt_jitter: float = 0.0
    seed: int = 0

    @property
    def kind(self) -> str:
        """``default``, ``gt``, ``folder`` or ``variant``."""
        if self.value is None:
            return "default"
        if self.value.lower() == ORACLE:
            return "gt"
        if _looks_like_path(self.value):
            return "folder"
        return "variant"

    @property
    def folder(self) -> Path:
        return Path(self.value or "").expanduser()

    def label(self, default: str = "the dataset's own") -> str:
        """How tables, titles and the manifest name this detection set."""
        kind = self.kind
        if kind == "default":
            return default
        if kind == "gt":
            if not (self.gt_drop or self.gt_jitter):
                return "gt (oracle)"
            return f"gt (oracle; drop {self.gt_drop:g}, jitter {self.gt_jitter:g}, seed {self.seed})"
        if kind == "folder":
            return f"{self.folder.name or self.value} (folder {self.folder})"
        return str(self.value)

    def record(self, default: str = "the dataset's own") -> dict[str, object]:
        """The manifest entry: what was asked, how it reads, and the oracle settings where they apply."""
        out: dict[str, object] = {"option": self.value, "kind": self.kind, "label": self.label(default)}
        if self.kind == "gt":
            out.update(gt_drop=self.gt_drop, gt_jitter=self.gt_jitter, seed=self.seed)
        if self.kind == "folder":
            out["folder"] = str(self.folder.resolve())
        return out


def _looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.startswith((".", "~")) or Path(value).expanduser().is_dir()


def parse_choice(value: str | None, gt_drop: float = 0.0, gt_jitter: float = 0.0, seed: int = 0) -> DetectionChoice:
    """Check the option values together; raises ValueError with the option's name."""
    choice = DetectionChoice(value.strip() if value and value.strip() else None, float(gt_drop), float(gt_jitter),
                             int(seed))
    if not 0.0 <= choice.gt_drop < 1.0:
        raise ValueError(f"--gt-drop must lie in [0, 1), got {gt_drop:g}")
    if not (np.isfinite(choice.gt_jitter) and choice.gt_jitter >= 0.0):
        raise ValueError(f"--gt-jitter must be a finite number >= 0, got {gt_jitter:g}")
    if choice.kind != "gt" and (choice.gt_drop or choice.gt_jitter):
        raise ValueError("--gt-drop and --gt-jitter apply to --detections gt only")
    if choice.kind == "folder" and not choice.folder.is_dir():
        raise DatasetNotFound(f"--detections {value}: no such folder (expected <folder>/<sequence>.txt files)")
    return choice


def loader_options(choice: DetectionChoice, dataset: str) -> dict[str, str]:
    """What the loader of ``dataset`` must be told (its ``detector=``) for a variant it selects itself."""
    key = dataset.lower()
    if choice.kind == "variant" and key in LOADER_VARIANTS:
        return {"detector": str(choice.value)}
    return {}


def video_name(name: str) -> str:
    """A sequence's name without MOT17's detector suffix (``MOT17-05-FRCNN`` → ``MOT17-05``)."""
    match = _MOT17_SUFFIX.match(name)
    return match.group("video") if match else name


def _detector_suffix(name: str) -> str | None:
    match = _MOT17_SUFFIX.match(name)
    return match.group("detector").upper() if match else None


def apply_choice(sequences: list[Sequence], choice: DetectionChoice, dataset: str) -> list[Sequence]:
    """The sequences with the chosen detections (see the module docstring); raises on a mismatch."""
    kind = choice.kind
    if kind == "default":
        bare = [s.name for s in sequences if s.det_path is None and not len(s.detections)]
        if sequences and len(bare) == len(sequences):
            raise DatasetNotFound(f"{dataset} has no detection files for {', '.join(bare[:3])}"
                                  f"{' …' if len(bare) > 3 else ''}: choose a detection set with --detections "
                                  "gt (oracle) or --detections <folder of <sequence>.txt files>")
        return sequences
    if kind == "variant":
        return _by_variant(sequences, str(choice.value), dataset)
    sequences = one_copy_per_video(sequences)
    if kind == "folder":
        return [with_folder_detections(seq, choice.folder) for seq in _all_have_files(sequences, choice.folder)]
    return [with_oracle_detections(seq, choice) for seq in sequences]


def _by_variant(sequences: list[Sequence], value: str, dataset: str) -> list[Sequence]:
    key = dataset.lower()
    if key in LOADER_VARIANTS:
        return sequences  # the loader read this variant already
    names = NAME_VARIANTS.get(key) or NAME_VARIANTS.get(sequences[0].info.dataset if sequences else "", ())
    if not names:
        known = sorted(set(LOADER_VARIANTS) | set(NAME_VARIANTS))
        raise ValueError(f"--detections {value}: {dataset} has no named detection sets (datasets with some: "
                         f"{', '.join(known)}); give a folder of <sequence>.txt files or gt")
    wanted = value.upper()
    if wanted not in names:
        raise ValueError(f"--detections {value}: {dataset}'s detection sets are {', '.join(names)}, gt, "
                         "or a folder of <sequence>.txt files")
    kept = [s for s in sequences if _detector_suffix(s.name) == wanted]
    if not kept:
        raise DatasetNotFound(f"--detections {value}: none of the selected sequences ({', '.join(s.name for s in sequences)}) "
                              f"has {wanted} detections (folders named <video>-{wanted})")
    return kept


def one_copy_per_video(sequences: list[Sequence]) -> list[Sequence]:
    """One sequence per MOT17 video (FRCNN's copy when there, else the first), in the original order."""
    chosen: dict[str, Sequence] = {}
    for seq in sequences:
        video = video_name(seq.name)
        if video not in chosen or (_detector_suffix(seq.name) == "FRCNN"
                                   and _detector_suffix(chosen[video].name) != "FRCNN"):
            chosen[video] = seq
    keep = {id(s) for s in chosen.values()}
    return [s for s in sequences if id(s) in keep]


def detection_file(folder: Path, name: str) -> Path | None:
    """``<folder>/<name>.txt``, else ``<folder>/<name without detector suffix>.txt``, else None."""
    for candidate in dict.fromkeys((name, video_name(name))):
        path = folder / f"{candidate}.txt"
        if path.is_file():
            return path
    return None


def _all_have_files(sequences: list[Sequence], folder: Path) -> list[Sequence]:
    missing = [s.name for s in sequences if detection_file(folder, s.name) is None]
    if missing:
        tried = ", ".join(sorted({f"{n}.txt" if video_name(n) == n else f"{n}.txt or {video_name(n)}.txt"
                                  for n in missing}))
        raise DatasetNotFound(f"--detections {folder}: no detection file for sequence(s) {', '.join(missing)} "
                              f"(looked for {tried} in {folder})")
    return sequences


def with_folder_detections(seq: Sequence, folder: Path) -> Sequence:
    """``seq`` with the detections of its file in ``folder`` (ids dropped, rows checked against its length)."""
    path = detection_file(folder, seq.name)
    assert path is not None  # checked for every sequence first
    table = read_mot_file(path, "det")
    check_rows_within(table, path, seq.info.length, f"the length of sequence {seq.name}")
    table = dataclasses.replace(table, ids=np.full(len(table), -1, np.int64))
    return dataclasses.replace(seq, detections=table, det_path=str(path))


def scored_gt(seq: Sequence) -> FrameTable:
    """The gt rows a tracker is scored on: considered (conf not 0 after truncation, as TrackEval) and of a scored class."""
    gt = seq.ground_truth
    if gt is None:
        raise DataFileError(f"sequence {seq.name} has no ground truth, so --detections gt cannot use it "
                            "(leave it out with --sequences)")
    keep = considered(gt.scores)
    classes = seq.eval_spec.eval_classes
    if classes is not None and bool((gt.classes != -1).any()):
        keep &= np.isin(gt.classes, classes)
    return gt.select(keep)


def _rng(choice: DetectionChoice, name: str, stream: int) -> np.random.Generator:
    """One generator per (seed, sequence, purpose): a box's fate does not depend on the other sequences
    selected, and changing the jitter does not change which boxes are dropped."""
    return np.random.default_rng([choice.seed, zlib.crc32(name.encode("utf-8")), stream])


def oracle_table(seq: Sequence, choice: DetectionChoice) -> FrameTable:
    """The scored gt boxes as detections (score 1, no ids), dropped and jittered as ``choice`` says."""
    gt = scored_gt(seq)
    keep = _rng(choice, seq.name, 0).random(len(gt)) >= choice.gt_drop
    boxes = gt.boxes.copy()
    if choice.gt_jitter:
        size = np.column_stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]] * 2)
        boxes = boxes + _rng(choice, seq.name, 1).normal(size=boxes.shape) * choice.gt_jitter * size
        boxes = _at_least_one_pixel(boxes)
    n = int(keep.sum())
    return FrameTable(frames=gt.frames[keep].copy(), ids=np.full(n, -1, np.int64), boxes=boxes[keep],
                      scores=np.ones(n), classes=np.full(n, -1, np.int64), visibility=np.ones(n))


def _at_least_one_pixel(boxes: np.ndarray) -> np.ndarray:
    """Corners put back in order with sides of at least one pixel (noise may cross them)."""
    x1, x2 = np.minimum(boxes[:, 0], boxes[:, 2]), np.maximum(boxes[:, 0], boxes[:, 2])
    y1, y2 = np.minimum(boxes[:, 1], boxes[:, 3]), np.maximum(boxes[:, 1], boxes[:, 3])
    out = np.column_stack([x1, y1, x2, y2])
    for lo, hi in ((0, 2), (1, 3)):
        thin = out[:, hi] - out[:, lo] < 1.0
        centre = (out[thin, lo] + out[thin, hi]) / 2
        out[thin, lo], out[thin, hi] = centre - 0.5, centre + 0.5
    return out


def with_oracle_detections(seq: Sequence, choice: DetectionChoice) -> Sequence:
    return dataclasses.replace(seq, detections=oracle_table(seq, choice), det_path=seq.gt_path)

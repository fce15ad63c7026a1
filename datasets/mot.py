"""MOTChallenge loader: MOT15, MOT16, MOT17 and MOT20 as users download them.

A sequence folder holds ``det/det.txt`` and, for training sequences,
``gt/gt.txt``, optionally ``img1/`` frames and (MOT16/17/20) ``seqinfo.ini``.
MOT15 has no seqinfo.ini: length and image size come from ``img1/``, else from a
table of the official MOT15 sequences, else from the boxes themselves.

Scoring follows MOTChallenge: gt rows with conf 0 are not scored; for
MOT16/17/20-layout gt only pedestrians are scored and tracker boxes matched to
distractor classes are removed first.  The rule lives in
:mod:`trackbench.datasets.mot_scoring`, which ``bench eval`` uses too.
"""

from __future__ import annotations

import configparser
import math
from pathlib import Path

from trackbench.datasets.frames import ImageFolderSource, image_size
from trackbench.datasets.mot_scoring import eval_spec_for
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import FrameTable, Sequence, SequenceInfo

# The official MOT15 sequences: (width, height, fps, length).  MOT15 ships no seqinfo.ini.
MOT15_INFO: dict[str, tuple[int, int, float, int]] = {
    "ADL-Rundle-6": (1920, 1080, 30, 525),
    "ADL-Rundle-8": (1920, 1080, 30, 654),
    "ETH-Bahnhof": (640, 480, 14, 1000),
    "ETH-Pedcross2": (640, 480, 14, 837),
    "ETH-Sunnyday": (640, 480, 14, 354),
    "KITTI-13": (1242, 375, 10, 340),
    "KITTI-17": (1224, 370, 10, 145),
    "PETS09-S2L1": (768, 576, 7, 795),
    "TUD-Campus": (640, 480, 25, 71),
    "TUD-Stadtmitte": (640, 480, 25, 179),
    "Venice-2": (1920, 1080, 30, 600),
}

DOWNLOAD_HINT = {
    "mot15": "https://motchallenge.net/data/MOT15/ (2DMOT2015)",
    "mot16": "https://motchallenge.net/data/MOT16/",
    "mot17": "https://motchallenge.net/data/MOT17/",
    "mot20": "https://motchallenge.net/data/MOT20/",
}


class DatasetNotFound(FileNotFoundError):
    """The data is not where we looked; the message says how to get it."""


def is_sequence_dir(path: Path) -> bool:
    return (path / "det" / "det.txt").is_file() or (path / "gt" / "gt.txt").is_file() or (path / "img1").is_dir()


def find_sequence_dirs(root: Path) -> list[Path]:
    """Sequence folders directly under ``root`` or under its ``train/`` and ``test/``."""
    if is_sequence_dir(root):
        return [root]
    found: list[Path] = []
    for base in (root, root / "train", root / "test"):
        if base.is_dir():
            found.extend(p for p in sorted(base.iterdir()) if p.is_dir() and is_sequence_dir(p))
    return found


def _read_seqinfo(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(path)
    if "Sequence" not in parser:
        raise ValueError(f"{path}: no [Sequence] section")
    return dict(parser["Sequence"])


def _images(seq_dir: Path, im_dir: str, ext: str) -> list[Path]:
    folder = seq_dir / im_dir
    return sorted(folder.glob(f"*{ext}")) if folder.is_dir() else []


def _sequence_info(seq_dir: Path, dataset: str, tables: list[FrameTable]) -> tuple[SequenceInfo, ImageFolderSource | None]:
    """Metadata from seqinfo.ini, else img1/, else the MOT15 table, else the boxes."""
    name = seq_dir.name
    ini = seq_dir / "seqinfo.ini"
    meta = _read_seqinfo(ini) if ini.is_file() else {}
    im_dir, ext = meta.get("imdir", "img1"), meta.get("imext", ".jpg")
    images = _images(seq_dir, im_dir, ext)
    known = MOT15_INFO.get(name)
    last_box_frame = max((t.last_frame for t in tables), default=0)
    if "seqlength" in meta:
        length = int(meta["seqlength"])
    elif known:
        length = known[3]
    elif images:
        length = len(images)
    else:
        length = last_box_frame
    if "imwidth" in meta:
        width, height = int(meta["imwidth"]), int(meta["imheight"])
    elif images:
        width, height = image_size(images[0])
    elif known:
        width, height = known[0], known[1]
    else:
        right = max((t.boxes[:, 2].max() for t in tables if len(t)), default=1.0)
        bottom = max((t.boxes[:, 3].max() for t in tables if len(t)), default=1.0)
        width, height = math.ceil(right), math.ceil(bottom)
    fps = float(meta.get("framerate", known[2] if known else 30.0))
    source = None
    if images:
        digits = len(images[0].stem)
        source = ImageFolderSource(seq_dir / im_dir, min(length, len(images)) if images else length, ext, digits)
        if len(images) < length:
            length = len(images)
    info = SequenceInfo(name=meta.get("name", name), dataset=dataset, length=length, fps=fps, width=width, height=height)
    return info, source


def load_sequence(seq_dir: Path, dataset: str) -> Sequence:
    """One MOTChallenge sequence folder as a :class:`Sequence`."""
    det_path = seq_dir / "det" / "det.txt"
    gt_path = seq_dir / "gt" / "gt.txt"
    dets = read_mot_file(det_path, "det") if det_path.is_file() else FrameTable.empty()
    gt = read_mot_file(gt_path, "gt") if gt_path.is_file() else None
    info, source = _sequence_info(seq_dir, dataset, [dets] + ([gt] if gt is not None else []))
    return Sequence(
        info=info,
        detections=dets,
        ground_truth=gt,
        source=source,
        eval_spec=eval_spec_for(info.name, gt, dataset),
        det_path=str(det_path) if det_path.is_file() else None,
        gt_path=str(gt_path) if gt is not None else None,
    )


def guess_dataset(seq_dirs: list[Path]) -> str:
    """Name a folder of sequences by its sequence names (MOT17-02-FRCNN → mot17)."""
    for p in seq_dirs:
        for tag in ("MOT16", "MOT17", "MOT20"):
            if p.name.upper().startswith(tag):
                return tag.lower()
    return "mot15"


def select(names: list[str], wanted: list[str] | None) -> list[str]:
    """Names matching ``wanted`` exactly or by prefix (``MOT17-05`` → ``MOT17-05-FRCNN``)."""
    if not wanted:
        return names
    chosen = [n for n in names if any(n == w or n.startswith(w) for w in wanted)]
    missing = [w for w in wanted if not any(n == w or n.startswith(w) for n in names)]
    if missing:
        raise DatasetNotFound(
            f"sequence(s) {', '.join(missing)} not found; available: {', '.join(names) or 'none'}"
        )
    return chosen


def load_mot(root: Path, dataset: str | None = None, sequences: list[str] | None = None) -> list[Sequence]:
    """All sequences of a MOTChallenge download (or folder of sequences) under ``root``."""
    root = Path(root)
    label = dataset or "mot"
    if not root.is_dir():
        raise DatasetNotFound(_missing_message(label, root))
    seq_dirs = find_sequence_dirs(root)
    if not seq_dirs:
        raise DatasetNotFound(_missing_message(label, root))
    dataset = dataset or guess_dataset(seq_dirs)
    by_name = {p.name: p for p in seq_dirs}
    return [load_sequence(by_name[n], dataset) for n in select(list(by_name), sequences)]


def _missing_message(dataset: str, root: Path) -> str:
    hint = DOWNLOAD_HINT.get(dataset, "the MOTChallenge website, https://motchallenge.net/data/")
    return (
        f"no {dataset.upper()} sequences found under {root}.\n"
        f"Download them from {hint} and unzip so that "
        f"{root}/train/<SEQUENCE>/det/det.txt (and gt/gt.txt) exist, then pass "
        f"--data-root {root} or set TRACKBENCH_DATA to the folder that holds it."
    )

"""MOTChallenge loader: MOT15, MOT16, MOT17 and MOT20 as users download them.

A sequence folder holds ``det/det.txt`` and, for training sequences,
``gt/gt.txt``, optionally ``img1/`` frames and (MOT16/17/20) ``seqinfo.ini``.
MOT15 has no seqinfo.ini: length and image size come from ``img1/``, else from a
table of the official MOT15 sequences, else from the boxes themselves.

Everything is checked against the files' own content (issue 12): seqinfo.ini
values (:mod:`~trackbench.datasets.seqinfo`), box rows past ``seqLength`` (an
error at the row's file:line), a length the content cannot span
(:mod:`~trackbench.datasets.limits`), ``imWidth``/``imHeight`` against the first
image, gaps in the image numbering, every image's size while decoding, an
empty gt.txt, and sequence names that are not safe file names or that two
folders share.  When ``img1/`` holds fewer images than ``seqLength`` (e.g. the
first frames only), the sequence is cut to the images.

Scoring follows MOTChallenge: gt rows with conf 0 are not scored; for
MOT16/17/20-layout gt only pedestrians are scored and tracker boxes matched to
distractor classes are removed first.  The rule lives in
:mod:`trackbench.datasets.mot_scoring`, which ``bench eval`` uses too.
"""

from __future__ import annotations

import math
from pathlib import Path

from trackbench.datasets.errors import DataFileError
from trackbench.datasets.frames import ImageFolderSource, image_size
from trackbench.datasets.limits import check_rows_within, check_span, max_span, span_reason
from trackbench.datasets.mot_scoring import eval_spec_for
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.seqinfo import MAX_IMAGE_SIDE, read_seqinfo
from trackbench.datasets.sequence import FrameTable, Sequence, SequenceInfo
from trackbench.io.contained import present, readable_file
from trackbench.io.names import why_unsafe

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
    """A folder with anything at det/det.txt or gt/gt.txt (even a broken link: loading then says what is wrong),
    or with img1/."""
    return present(path / "det" / "det.txt") or present(path / "gt" / "gt.txt") or (path / "img1").is_dir()


def find_sequence_dirs(root: Path) -> list[Path]:
    """Sequence folders directly under ``root`` or under its ``train/`` and ``test/``."""
    if is_sequence_dir(root):
        return [root]
    found: list[Path] = []
    for base in (root, root / "train", root / "test"):
        if base.is_dir():
            found.extend(p for p in sorted(base.iterdir()) if p.is_dir() and is_sequence_dir(p))
    return found


def _images(seq_dir: Path, im_dir: str, ext: str) -> list[Path]:
    folder = seq_dir / im_dir
    return sorted(folder.glob(f"*{ext}")) if folder.is_dir() else []


def _image_source(seq_dir: Path, im_dir: str, ext: str, images: list[Path], length: int,
                  size: tuple[int, int]) -> ImageFolderSource:
    """The frames 1..min(length, images); a gap in the numbering is an error naming the missing file."""
    digits = len(images[0].stem)
    source = ImageFolderSource(seq_dir / im_dir, min(length, len(images)), ext, digits, size=size)
    present = {p.name for p in images}
    for frame in range(1, len(source) + 1):
        expected = source.path(frame)
        if expected.name not in present:
            raise DataFileError(
                f"{expected}: image missing ({im_dir}/ holds {len(images)} images, so frames "
                f"1..{len(source)} are expected, numbered like {images[0].name})"
            )
    return source


def _sequence_info(seq_dir: Path, dataset: str, tables: dict[Path, FrameTable]) -> tuple[SequenceInfo, ImageFolderSource | None]:
    """Metadata from seqinfo.ini, else img1/, else the MOT15 table, else the boxes; checked against the files."""
    name = seq_dir.name
    reason = why_unsafe(name)
    if reason:
        raise DataFileError(f"{seq_dir}: the sequence folder's name cannot be used for result files: {reason}")
    ini_path = seq_dir / "seqinfo.ini"
    ini = read_seqinfo(ini_path) if ini_path.is_file() else None
    im_dir, ext = (ini.im_dir, ini.im_ext) if ini else ("img1", ".jpg")
    images = _images(seq_dir, im_dir, ext)
    known = MOT15_INFO.get(name)
    rows = sum(len(t) for t in tables.values())
    last_box_frame = max((t.last_frame for t in tables.values()), default=0)

    declared, source_text = None, ""
    if ini and ini.length is not None:
        declared, source_text = ini.length, f"seqLength in {ini.where('seqlength')}"
    elif known:
        declared, source_text = known[3], f"the official MOT15 length of {name}"
    if declared is not None:
        for path, table in tables.items():
            check_rows_within(table, path, declared, source_text)
        if declared > max_span(rows, len(images)):
            raise DataFileError(f"{ini.where('seqlength') if ini and ini.length else seq_dir}: "
                                f"seqLength={declared} is implausible: "
                                f"{span_reason(rows, len(images), last_box_frame)}")
        length = declared
    elif images:
        length = len(images)
    else:
        for path, table in tables.items():
            check_span(path, table, rows, len(images))
        length = last_box_frame

    first_size = image_size(images[0]) if images else None
    if ini and ini.width is not None:
        width, height = ini.width, ini.height
        if first_size is not None and first_size != (width, height):
            raise DataFileError(f"{ini.where('imwidth')}: imWidth x imHeight is {width}x{height}, but "
                                f"{images[0]} is {first_size[0]}x{first_size[1]}")
    elif first_size is not None:
        width, height = first_size
    elif known:
        width, height = known[0], known[1]
    else:  # a guess from the boxes, kept within the bounds seqinfo.ini values must meet
        right = max((t.boxes[:, 2].max() for t in tables.values() if len(t)), default=1.0)
        bottom = max((t.boxes[:, 3].max() for t in tables.values() if len(t)), default=1.0)
        width = min(max(math.ceil(right), 1), MAX_IMAGE_SIDE)
        height = min(max(math.ceil(bottom), 1), MAX_IMAGE_SIDE)
    fps = ini.fps if ini and ini.fps is not None else float(known[2] if known else 30.0)
    source = None
    if images:
        source = _image_source(seq_dir, im_dir, ext, images, length, (width, height))
        if len(images) < length:
            length = len(images)
    info = SequenceInfo(name=(ini.name if ini and ini.name else name), dataset=dataset, length=length, fps=fps,
                        width=width, height=height)
    return info, source


def load_sequence(seq_dir: Path, dataset: str, root: Path | None = None, require_detections: bool = True) -> Sequence:
    """One MOTChallenge sequence folder as a :class:`Sequence`.

    ``det/det.txt`` is required: without it every tracker gets no detections and
    every metric is 0, which must never pass as a result.  It, ``gt/gt.txt``
    (when present: test sequences have none) and ``seqinfo.ini`` are read only
    as regular files inside the sequence's folder or the dataset folder ``root``
    (:mod:`trackbench.io.contained`).  ``require_detections=False`` is for datasets that ship
    none (SportsMOT, DanceTrack): the sequence then has no detections until ``--detections``
    gives some (:mod:`trackbench.datasets.detsets` refuses to run it otherwise).
    """
    det_path = seq_dir / "det" / "det.txt"
    gt_path = seq_dir / "gt" / "gt.txt"
    roots = (seq_dir, root or seq_dir)
    if not present(det_path) and not require_detections:
        det_path = None
    elif not present(det_path):
        raise DataFileError(f"{det_path}: missing; every tracker needs the sequence's detections "
                            "(MOTChallenge layout: <sequence>/det/det.txt)")
    for path in (det_path, gt_path, seq_dir / "seqinfo.ini"):
        if path is not None and present(path):
            readable_file(path, *roots, what=path.name)
    dets = read_mot_file(det_path, "det") if det_path is not None else FrameTable.empty()
    gt = read_mot_file(gt_path, "gt") if present(gt_path) else None
    if gt is not None and len(gt) == 0:
        raise DataFileError(f"{gt_path}: no ground-truth rows (a sequence without ground truth has no gt/gt.txt)")
    tables = {det_path: dets} if det_path is not None else {}
    if gt is not None:
        tables[gt_path] = gt
    info, source = _sequence_info(seq_dir, dataset, tables)
    return Sequence(
        info=info,
        detections=dets,
        ground_truth=gt,
        source=source,
        eval_spec=eval_spec_for(info.name, gt, dataset),
        det_path=str(det_path) if det_path is not None else None,
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
    loaded = [load_sequence(by_name[n], dataset, root) for n in select(list(by_name), sequences)]
    seen: dict[str, Path] = {}
    for n, seq in zip(select(list(by_name), sequences), loaded):
        if seq.name in seen:
            raise DataFileError(f"{by_name[n] / 'seqinfo.ini'}: sequence name {seq.name!r} is also the name of "
                                f"{seen[seq.name]}; their result files would overwrite each other")
        seen[seq.name] = by_name[n]
    return loaded


def _missing_message(dataset: str, root: Path) -> str:
    hint = DOWNLOAD_HINT.get(dataset, "the MOTChallenge website, https://motchallenge.net/data/")
    return (
        f"no {dataset.upper()} sequences found under {root}.\n"
        f"Download them from {hint} and unzip so that "
        f"{root}/train/<SEQUENCE>/det/det.txt (and gt/gt.txt) exist, then pass "
        f"--data-root {root} or set TRACKBENCH_DATA to the folder that holds it."
    )

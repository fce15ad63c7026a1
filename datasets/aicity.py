"""NVIDIA AI City Challenge (CityFlow) loader: one :class:`Sequence` per camera.

The CityFlow layout, as the challenge distributes it::

    <root>/{train,validation,test}/S<xx>/c<yyy>/
        vdo.avi              the camera's video (10 fps)
        roi.jpg              region of interest: white = scored area
        gt/gt.txt            frame,id,left,top,width,height,1,-1,-1,-1 (not in test)
        det/det_yolo3.txt    frame,-1,left,top,width,height,conf,-1,-1,-1
        det/det_ssd512.txt
        det/det_mask_rcnn.txt
        calibration.txt      camera homography (not used here)

``--data-root`` may name any level: the dataset root holding the splits, one
split folder (holding ``S01/``...), one scenario (holding ``c001/``...) or one
camera.  A folder that is not in the exact layout also loads as one camera when
it holds ``det_<detector>.txt`` (or ``det/det_<detector>.txt``), optionally with
``roi.jpg`` and ``gt/gt.txt`` beside it: this is how detections published
without their video (e.g. ``../shared/data/aicity-dets``) are benchmarked.

Sequences are named ``S<xx>_c<yyy>`` (valid file names: the runner writes
``<sequence>.txt``); a folder outside the layout is named after itself.
``--sequences`` accepts ``S01/c001``, ``S01_c001``, a whole scenario ``S01``, a
camera id ``c001``, optionally after a split (``train/S01``).

Frames are decoded lazily and in order from ``vdo.avi``
(:class:`~trackbench.datasets.frames.VideoSource`); length, fps and size come from the
video, else from the last frame of the box files, CityFlow's 10 fps, and the
size of ``roi.jpg``.  A camera without video is box-only (source None).

ROI: with ``use_roi`` (default) detections whose box bottom-centre lies outside
the white area of ``roi.jpg`` are dropped, and the mask goes into
``EvalSpec.roi`` so scoring drops tracker boxes and gt outside it too.  AI City
gt labels only vehicles seen by two or more cameras; the leaderboard says so
(``EvalSpec.notes``) and puts IDF1, the challenge's ranking metric, first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from trackbench.datasets.boxes import clip_to_image
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.limits import check_span
from trackbench.datasets.seqinfo import MAX_IMAGE_SIDE
from trackbench.datasets.frames import VideoSource
from trackbench.datasets.image_header import check_pixels
from trackbench.datasets.mot import DatasetNotFound
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import EvalSpec, FrameTable, Sequence, SequenceInfo

DATASET = "aicity"
SPLITS = ("train", "validation", "test")
DETECTORS = ("yolo3", "ssd512", "mask_rcnn")
DEFAULT_DETECTOR = "yolo3"
CITYFLOW_FPS = 10.0

_DETECTOR_ALIASES = {
    "yolo3": "yolo3", "yolov3": "yolo3", "yolo": "yolo3",
    "ssd512": "ssd512", "ssd": "ssd512",
    "mask_rcnn": "mask_rcnn", "maskrcnn": "mask_rcnn", "mask-rcnn": "mask_rcnn",
}
_SCENARIO = re.compile(r"^S\d+$", re.IGNORECASE)

#: Shown on the leaderboard of every scored AI City run.
GT_NOTE = (
    "AI City gt labels only vehicles seen by two or more cameras: vehicles seen by one camera are "
    "unlabelled, so FP is inflated (and MOTA, precision lowered) for every tracker; "
    "IDF1, the challenge's ranking metric, comes first."
)
NO_ROI_NOTE = "AI City ROI off (--no-roi): detections are not filtered and the whole image is scored."

#: How to get the data; also used when no root was given at all.
ACCESS_HINT = (
    "The AI City Challenge data (CityFlow) is not a public download: register for the challenge at "
    "https://www.aicitychallenge.org/ and request the dataset through the challenge's data access form.\n"
    "Expected layout (--data-root may name any level of it):\n"
    "  <root>/{train,validation,test}/S<xx>/c<yyy>/vdo.avi, roi.jpg, calibration.txt,\n"
    "      gt/gt.txt (train and validation only), det/det_yolo3.txt, det/det_ssd512.txt, det/det_mask_rcnn.txt\n"
    "A folder holding det_<detector>.txt (or det/det_<detector>.txt) and roi.jpg also loads, as one box-only camera.\n"
    "Pass --data-root <folder>, or set TRACKBENCH_DATA to a folder holding aicity/ (or AICity/, CityFlow/)."
)


@dataclass(frozen=True)
class Camera:
    """One camera folder found under the root."""

    path: Path
    split: str | None  # train / validation / test, when known
    name: str  # sequence name, e.g. S01_c001


# --- ROI ---------------------------------------------------------------------


def load_roi(path: str | Path) -> np.ndarray:
    """``roi.jpg`` as a bool mask (H, W): True where the image is white (> 127, JPEG noise tolerated)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ROI mask not found: {path}")
    check_pixels(path)
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise DataFileError(f"{path}: not a readable image (expected a black/white ROI mask)")
    return image > 127


def roi_filter(boxes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which tlbr boxes to keep: bottom-centre pixel inside ``mask`` (bool array, one per box).

    The point is clamped into the image, so a box touching the border is judged
    by the border pixel: the same rule scoring applies to ``EvalSpec.roi``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"ROI mask must be 2-D (H, W), got shape {mask.shape}")
    if mask.dtype != bool:  # 0/1 or 0/255: inside at >= half the maximum, as scoring decides
        top = float(mask.max()) if mask.size else 0.0
        mask = mask >= 0.5 * top if top > 0 else np.zeros(mask.shape, bool)
    height, width = mask.shape
    ix = np.clip(np.floor((boxes[:, 0] + boxes[:, 2]) / 2.0), 0, width - 1).astype(np.intp)
    iy = np.clip(np.floor(boxes[:, 3]), 0, height - 1).astype(np.intp)
    return mask[iy, ix]


# --- finding cameras -----------------------------------------------------------


def normalise_detector(detector: str | None) -> str:
    """``yolo3`` / ``ssd512`` / ``mask_rcnn`` (a few spellings accepted)."""
    key = (detector or DEFAULT_DETECTOR).strip().lower()
    if key not in _DETECTOR_ALIASES:
        raise ValueError(f"unknown AI City detector {detector!r}: use one of {', '.join(DETECTORS)}")
    return _DETECTOR_ALIASES[key]


def det_files(folder: Path) -> list[Path]:
    """Detection files of a camera folder: ``det/det_*.txt``, else ``det_*.txt`` beside the video."""
    folder = Path(folder)
    inside = sorted((folder / "det").glob("det_*.txt")) if (folder / "det").is_dir() else []
    return inside or sorted(folder.glob("det_*.txt"))


def is_camera_dir(path: Path) -> bool:
    return path.is_dir() and (
        (path / "vdo.avi").is_file() or (path / "gt" / "gt.txt").is_file() or bool(det_files(path))
    )


def _subdirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []


def _camera_name(path: Path) -> str:
    scenario = path.parent.name
    return f"{scenario}_{path.name}" if _SCENARIO.match(scenario) else path.name


def _cameras_under(base: Path, split: str | None) -> list[Camera]:
    """Cameras in ``base`` (a scenario) or one level further down (a split holding scenarios)."""
    found = []
    for child in _subdirs(base):
        if is_camera_dir(child):
            found.append(Camera(child, split, _camera_name(child)))
        else:
            found.extend(Camera(c, split, _camera_name(c)) for c in _subdirs(child) if is_camera_dir(c))
    return found


def find_cameras(root: Path, split: str | None = None) -> list[Camera]:
    """Every camera under ``root`` (dataset root, split, scenario or camera folder)."""
    root = Path(root)
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown AI City split {split!r}: use one of {', '.join(SPLITS)}")
    if is_camera_dir(root):
        own = root.parent.parent.name if _SCENARIO.match(root.parent.name) else None
        return [Camera(root, own if own in SPLITS else None, _camera_name(root))]
    candidates = [root] + _subdirs(root)  # the release zip may add one wrapper folder
    for top in candidates:
        splits = [s for s in SPLITS if (top / s).is_dir()]
        if splits:
            chosen = [s for s in splits if split in (None, s)]
            cams = [c for s in chosen for c in _cameras_under(top / s, s)]
            if cams or top is root:
                break
    else:
        own = root.name.lower() if root.name.lower() in SPLITS else None
        if split is not None and own is not None and own != split:
            return []
        cams = _cameras_under(root, own)
    names = [c.name for c in cams]
    if len(set(names)) < len(names):  # same scenario in two splits: keep names unique
        cams = [Camera(c.path, c.split, f"{c.split}_{c.name}" if c.split else c.name) for c in cams]
    return sorted(cams, key=lambda c: c.name)


def _matches(camera: Camera, token: str) -> bool:
    parts = [p for p in token.replace("\\", "/").strip().split("/") if p]
    if parts and parts[0].lower() in SPLITS:
        if camera.split != parts[0].lower():
            return False
        parts = parts[1:]
        if not parts:
            return True
    key = "_".join(parts).lower()
    name = camera.name.lower()
    if camera.split and name.startswith(camera.split + "_"):
        name = name[len(camera.split) + 1:]
    return bool(key) and (name.startswith(key) or name.endswith("_" + key))


def select_cameras(cameras: list[Camera], wanted: list[str] | None) -> list[Camera]:
    """Cameras matching any of ``wanted`` (``S01/c001``, ``S01_c001``, ``S01``, ``c001``, ``train/S01``)."""
    if not wanted:
        return cameras
    missing = [w for w in wanted if not any(_matches(c, w) for c in cameras)]
    if missing:
        raise DatasetNotFound(
            f"AI City sequence(s) {', '.join(missing)} not found; available: "
            f"{', '.join(c.name for c in cameras) or 'none'}"
        )
    return [c for c in cameras if any(_matches(c, w) for w in wanted)]


# --- one camera ------------------------------------------------------------------


def _det_path(camera: Camera, detector: str) -> Path:
    for path in (camera.path / "det" / f"det_{detector}.txt", camera.path / f"det_{detector}.txt"):
        if path.is_file():
            return path
    have = ", ".join(p.name for p in det_files(camera.path)) or "none"
    raise FileNotFoundError(
        f"camera {camera.name} ({camera.path}) has no det/det_{detector}.txt "
        f"(detection files there: {have}); pick another with --detector"
    )


def load_camera(camera: Camera, detector: str = DEFAULT_DETECTOR, use_roi: bool = True) -> Sequence:
    """One camera folder as a :class:`Sequence` (see the module docstring for every rule)."""
    detector = normalise_detector(detector)
    det_path = _det_path(camera, detector)
    dets = read_mot_file(det_path, "det")
    gt_path = camera.path / "gt" / "gt.txt"
    gt = read_mot_file(gt_path, "gt") if gt_path.is_file() else None
    roi_path = camera.path / "roi.jpg"
    mask = load_roi(roi_path) if roi_path.is_file() else None
    last_box = max(dets.last_frame, gt.last_frame if gt is not None else 0)
    tables = {det_path: dets, **({gt_path: gt} if gt is not None else {})}
    rows = sum(len(t) for t in tables.values())

    video = camera.path / "vdo.avi"
    source: VideoSource | None = None
    if video.is_file():
        source = VideoSource(video)
        counted = len(source)
        for path, table in tables.items():  # boxes may outrun a wrong header count, within limits
            check_span(path, table, rows, max(counted, 0))
        # A wrong or missing frame count in the container header must not cut boxes off:
        # the sequence spans the boxes too, and decoding simply stops where the video does.
        length = max(counted, last_box)
        if counted <= 0:
            source = VideoSource(video, length=length)
        fps, width, height = source.fps, source.width, source.height
        if mask is not None and mask.shape != (height, width):
            raise DataFileError(
                f"{roi_path}: ROI mask is {mask.shape[1]}x{mask.shape[0]} but {video} is {width}x{height}"
            )
    else:
        for path, table in tables.items():
            check_span(path, table, rows, 0)
        length, fps = last_box, CITYFLOW_FPS
        if mask is not None:
            height, width = mask.shape
        else:
            tables = [t for t in (dets, gt) if t is not None and len(t)]
            width = min(max(int(np.ceil(max((t.boxes[:, 2].max() for t in tables), default=1.0))), 1), MAX_IMAGE_SIDE)
            height = min(max(int(np.ceil(max((t.boxes[:, 3].max() for t in tables), default=1.0))), 1), MAX_IMAGE_SIDE)

    notes: list[str] = []
    roi = None
    if use_roi and mask is not None:
        dets = dets.select(roi_filter(dets.boxes, mask))
        roi = mask
    elif not use_roi:
        notes.append(NO_ROI_NOTE)
    if gt is not None:
        notes.append(GT_NOTE)
    info = SequenceInfo(name=camera.name, dataset=DATASET, length=length, fps=fps, width=width, height=height)
    return Sequence(
        info=info,
        detections=dets,
        ground_truth=gt,
        source=source,
        eval_spec=EvalSpec(roi=roi, notes=tuple(notes)),
        det_path=str(det_path),
        gt_path=str(gt_path) if gt is not None else None,
    )


def load_aicity(root: str | Path, sequences: list[str] | None = None, detector: str | None = DEFAULT_DETECTOR,
                split: str | None = None, use_roi: bool = True) -> list[Sequence]:
    """Every selected camera under ``root`` as a :class:`Sequence`, sorted by name.

    ``detector`` picks ``det_<detector>.txt`` (yolo3, ssd512, mask_rcnn);
    ``split`` keeps one of train / validation / test; ``use_roi`` filters
    detections by ``roi.jpg`` and scores inside it.
    """
    root = Path(root).expanduser()
    detector = normalise_detector(detector)
    if not root.is_dir():
        raise DatasetNotFound(missing_message(root, "does not exist"))
    cameras = find_cameras(root, split)
    if not cameras:
        raise DatasetNotFound(missing_message(root, "holds no AI City camera folders"))
    return [load_camera(c, detector, use_roi) for c in select_cameras(cameras, sequences)]


def missing_message(root: Path, why: str) -> str:
    return f"AI City data not found: {root} {why}.\n{ACCESS_HINT}"


# --- crops for vehicle re-identification -------------------------------------------


def iter_gt_crops(sequence: Sequence, every: int = 1, min_size: int = 8) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(frame, vehicle id, BGR crop)`` for the scored gt boxes of every ``every``-th frame.

    Frames are decoded once, in order; boxes are clipped to the image and those
    under ``min_size`` pixels on a side are skipped.  With ``EvalSpec.roi`` set,
    only vehicles whose bottom-centre is inside the ROI are cut.
    """
    if sequence.ground_truth is None:
        raise ValueError(f"sequence {sequence.name} has no ground truth to cut crops from")
    if every < 1:
        raise ValueError("every must be >= 1")
    gt: FrameTable = sequence.ground_truth
    roi = sequence.eval_spec.roi
    for frame_no, image in enumerate(sequence.images(), start=1):
        if frame_no > gt.last_frame:
            return
        if (frame_no - 1) % every:
            continue
        rows = gt.rows(frame_no)
        boxes, ids, conf = gt.boxes[rows], gt.ids[rows], gt.scores[rows]
        keep = conf != 0
        if roi is not None and len(boxes):
            keep &= roi_filter(boxes, roi)
        h, w = image.shape[:2]
        clipped = np.round(clip_to_image(boxes[keep], w, h)).astype(int)
        for vid, (x1, y1, x2, y2) in zip(ids[keep], clipped):
            if x2 - x1 >= min_size and y2 - y1 >= min_size:
                yield frame_no, int(vid), image[y1:y2, x1:x2].copy()

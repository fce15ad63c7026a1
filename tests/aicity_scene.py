"""A small rendered CityFlow scenario for tests and benchmarks (not real data).

:func:`write_camera` writes one camera folder in the AI City (CityFlow) layout::

    <camera>/vdo.avi             MJPG video, vehicles driving along lanes of a road
    <camera>/roi.jpg             white road, black band at the top (a car park)
    <camera>/gt/gt.txt           frame,id,left,top,width,height,1,-1,-1,-1 (vehicles on the road)
    <camera>/det/det_{yolo3,ssd512,mask_rcnn}.txt   noisy detections, misses, false alarms
    <camera>/calibration.txt     a homography line as CityFlow writes it

The car park outside the ROI holds parked vehicles that are not in gt (as in
AI City, where gt only covers the ROI) but are detected on most frames: these
false detections are what ROI filtering removes.  :func:`write_cityflow`
writes several cameras in the ``<root>/<split>/S<xx>/c<yyy>/`` tree.

Everything scales with the image size, so the same scene renders at 320x180
for tests and at 1920x1080 for the memory benchmark.  Frames are rendered and
written one at a time, so writing a long 1080p video needs little memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

DETECTOR_NOISE = {  # detector: (box jitter as a fraction of size, miss rate, false alarms per frame on the road)
    "yolo3": (0.03, 0.05, 0.05),
    "ssd512": (0.05, 0.10, 0.10),
    "mask_rcnn": (0.02, 0.03, 0.05),
}


@dataclass(frozen=True)
class SceneConfig:
    width: int = 320
    height: int = 180
    frames: int = 40
    fps: float = 10.0
    seed: int = 0
    lanes: int = 3
    spawn_every: int = 30  # frames between vehicles entering one lane
    speed: float = 0.012  # lane speed, fraction of the width per frame (lanes vary around it)
    roi_top: float = 0.28  # rows above this fraction of the height are outside the ROI
    parked: int = 2  # parked vehicles in the car park (outside the ROI, detected, no gt)
    parked_detect_rate: float = 0.9
    detectors: tuple[str, ...] = tuple(DETECTOR_NOISE)
    video: bool = True
    gt: bool = True
    fourcc: str = "MJPG"


@dataclass
class Vehicle:
    vid: int
    lane: int
    x: float  # left edge
    y: float  # top edge
    w: float
    h: float
    vx: float
    colour: tuple[int, int, int] = field(default=(0, 0, 255))

    def box(self) -> np.ndarray:
        return np.array([self.x, self.y, self.x + self.w, self.y + self.h])


def _lane_geometry(cfg: SceneConfig) -> list[tuple[float, float]]:
    """(top y of the lane, height of the lane) for each lane of the road."""
    top = (cfg.roi_top + 0.08) * cfg.height
    lane_h = (0.96 * cfg.height - top) / cfg.lanes
    return [(top + i * lane_h, lane_h) for i in range(cfg.lanes)]


def _background(cfg: SceneConfig) -> np.ndarray:
    w, h = cfg.width, cfg.height
    image = np.empty((h, w, 3), np.uint8)
    image[:] = (70, 110, 60)  # verge
    image[: int(cfg.roi_top * h)] = (95, 95, 105)  # car park
    for top, lane_h in _lane_geometry(cfg):
        cv2.rectangle(image, (0, int(top)), (w - 1, int(top + lane_h)), (80, 80, 80), -1)
    for top, lane_h in _lane_geometry(cfg)[:-1]:
        y = int(top + lane_h)
        for x in range(0, w, max(4, w // 16)):
            cv2.line(image, (x, y), (x + max(2, w // 40), y), (220, 220, 220), max(1, h // 180))
    return image


def _draw_vehicle(image: np.ndarray, box: np.ndarray, colour: tuple[int, int, int], facing: int) -> None:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    cv2.rectangle(image, (x1, y1), (x2, y2), colour, -1)
    cv2.rectangle(image, (x1, y1), (x2, y2), (20, 20, 20), max(1, (y2 - y1) // 12))
    wx = x2 - (x2 - x1) // 3 if facing > 0 else x1 + (x2 - x1) // 8  # windscreen
    cv2.rectangle(image, (wx, y1 + (y2 - y1) // 5), (wx + (x2 - x1) // 5, y2 - (y2 - y1) // 5), (200, 160, 120), -1)


def simulate(cfg: SceneConfig) -> tuple[list[list[Vehicle]], list[np.ndarray]]:
    """Vehicles on the road per frame (frame t at index t-1) and the parked boxes."""
    rng = np.random.default_rng(cfg.seed)
    lanes = _lane_geometry(cfg)
    speeds = [cfg.speed * cfg.width * (0.8 + 0.4 * rng.random()) * (1 if i % 2 == 0 else -1) for i in range(cfg.lanes)]
    offsets = rng.integers(0, cfg.spawn_every, size=cfg.lanes)
    active: list[Vehicle] = []
    per_frame: list[list[Vehicle]] = []
    next_id = 1
    warmup = int(np.ceil(1.0 / (0.8 * cfg.speed)))  # frames to fill the road before frame 1
    for t in range(-warmup, cfg.frames):
        for lane, (top, lane_h) in enumerate(lanes):
            if (t + offsets[lane]) % cfg.spawn_every == 0:
                vh = lane_h * (0.6 + 0.2 * rng.random())
                vw = vh * (1.6 + 0.6 * rng.random())
                x = -vw * 0.5 if speeds[lane] > 0 else cfg.width - vw * 0.5
                colour = tuple(int(c) for c in rng.integers(30, 255, size=3))
                active.append(Vehicle(next_id, lane, x, top + (lane_h - vh) / 2, vw, vh, speeds[lane], colour))
                next_id += 1
        if t >= 0:
            per_frame.append([replace(v) for v in active])
        for v in active:
            v.x += v.vx
        active = [v for v in active if -v.w < v.x < cfg.width]
    parked = []
    for i in range(cfg.parked):
        ph = cfg.roi_top * cfg.height * 0.45
        pw = ph * 1.8
        px = cfg.width * (0.15 + 0.5 * i)
        py = cfg.roi_top * cfg.height * 0.3
        parked.append(np.array([px, py, px + pw, py + ph]))
    return per_frame, parked


def _clip(box: np.ndarray, cfg: SceneConfig) -> np.ndarray:
    return np.array([max(box[0], 0), max(box[1], 0), min(box[2], cfg.width - 1), min(box[3], cfg.height - 1)])


def _row(frame: int, ident: int, box: np.ndarray, conf: float) -> str:
    return f"{frame},{ident},{box[0]:.3f},{box[1]:.3f},{box[2] - box[0]:.3f},{box[3] - box[1]:.3f},{conf:.3f},-1,-1,-1"


def write_camera(folder: str | Path, cfg: SceneConfig = SceneConfig()) -> Path:
    """Render one camera folder (see the module docstring); returns ``folder``."""
    folder = Path(folder)
    (folder / "det").mkdir(parents=True, exist_ok=True)
    per_frame, parked = simulate(cfg)
    rng = np.random.default_rng(cfg.seed + 1000)
    gt_lines: list[str] = []
    det_lines: dict[str, list[str]] = {d: [] for d in cfg.detectors}
    background = _background(cfg)
    parked_colours = [(40, 40, 160), (160, 120, 40), (40, 140, 140)]
    for i, pbox in enumerate(parked):
        _draw_vehicle(background, pbox, parked_colours[i % len(parked_colours)], 1)
    writer = None
    if cfg.video:
        writer = cv2.VideoWriter(str(folder / "vdo.avi"), cv2.VideoWriter_fourcc(*cfg.fourcc), cfg.fps,
                                 (cfg.width, cfg.height))
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {cfg.fourcc} video to {folder / 'vdo.avi'}")
    try:
        for t, vehicles in enumerate(per_frame, start=1):
            image = background.copy() if writer is not None else None
            visible = []
            for v in vehicles:
                box = _clip(v.box(), cfg)
                if box[2] - box[0] < 0.4 * v.w:  # mostly off screen: not labelled
                    continue
                visible.append((v, box))
                if image is not None:
                    _draw_vehicle(image, v.box(), v.colour, 1 if v.vx > 0 else -1)
                gt_lines.append(_row(t, v.vid, box, 1.0))
            for det in cfg.detectors:
                jitter, miss, false_rate = DETECTOR_NOISE[det]
                for _, box in visible:
                    if rng.random() < miss:
                        continue
                    size = np.array([box[2] - box[0], box[3] - box[1]] * 2)
                    noisy = _clip(box + rng.normal(0, jitter, 4) * size, cfg)
                    det_lines[det].append(_row(t, -1, noisy, 0.5 + 0.5 * rng.random()))
                for pbox in parked:
                    if rng.random() < cfg.parked_detect_rate:
                        size = np.array([pbox[2] - pbox[0], pbox[3] - pbox[1]] * 2)
                        noisy = _clip(pbox + rng.normal(0, jitter, 4) * size, cfg)
                        det_lines[det].append(_row(t, -1, noisy, 0.6 + 0.4 * rng.random()))
                if rng.random() < false_rate:  # a short-lived false alarm on the road
                    fw, fh = cfg.width * 0.06, cfg.height * 0.08
                    fx = rng.uniform(0, cfg.width - fw)
                    fy = rng.uniform((cfg.roi_top + 0.1) * cfg.height, cfg.height - fh - 1)
                    det_lines[det].append(_row(t, -1, np.array([fx, fy, fx + fw, fy + fh]), 0.3 * rng.random() + 0.2))
            if writer is not None:
                writer.write(image)
    finally:
        if writer is not None:
            writer.release()
    if cfg.gt:
        (folder / "gt").mkdir(exist_ok=True)
        (folder / "gt" / "gt.txt").write_text("\n".join(gt_lines) + "\n")
    for det, lines in det_lines.items():
        (folder / "det" / f"det_{det}.txt").write_text("\n".join(lines) + "\n")
    roi = np.full((cfg.height, cfg.width), 255, np.uint8)
    roi[: int(cfg.roi_top * cfg.height)] = 0
    cv2.imwrite(str(folder / "roi.jpg"), roi)
    (folder / "calibration.txt").write_text(
        "Homography matrix: 1.0 0.0 0.0;0.0 1.0 0.0;0.0 0.0 1.0\n"
        "Reprojection error: 0.0\n"
    )
    return folder


def write_cityflow(root: str | Path, layout: dict[str, dict[str, list[str]]] | None = None,
                   cfg: SceneConfig = SceneConfig()) -> list[Path]:
    """Cameras ``<root>/<split>/<scenario>/<camera>``; the test split gets no gt (as in AI City).

    ``layout`` maps split → scenario → camera ids (default: ``train/S01/c001``).
    Each camera gets its own seed, so their vehicles differ.
    """
    layout = layout or {"train": {"S01": ["c001"]}}
    made = []
    for split, scenarios in layout.items():
        for scenario, cameras in scenarios.items():
            for cam in cameras:
                seed = cfg.seed + int("".join(ch for ch in cam if ch.isdigit()) or 0)
                made.append(write_camera(Path(root) / split / scenario / cam,
                                         replace(cfg, seed=seed, gt=cfg.gt and split != "test")))
    return made


if __name__ == "__main__":  # python tests/aicity_scene.py <folder> [width height frames]
    import sys

    args = sys.argv[1:]
    size = dict(zip(("width", "height", "frames"), map(int, args[1:4])))
    print(write_cityflow(args[0] if args else "aicity-scene", cfg=SceneConfig(**size)))

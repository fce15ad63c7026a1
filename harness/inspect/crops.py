"""Image crops that show an event: the object before and after it, gt and tracker boxes drawn.

A crop covers the event's boxes in both frames (plus a margin), so the eye
can follow the object across the event; it is scaled to a small fixed height
and embedded as a JPEG ``data:`` URI (the page stays one file).  Only a
bounded number of events get crops (switches, merges and fragmentations
first, then the longest runs): every event is still listed and counted.
"""

from __future__ import annotations

import base64
from typing import Callable

import cv2
import numpy as np

from trackbench.harness.inspect.events import Event
from trackbench.harness.inspect.matching import SequenceMatch

#: Height of each crop in pixels.
CROP_HEIGHT = 150
#: Most events given crops per tracker (each event has two crops, ~5-10 kB each).
MAX_CROPPED = 60
GT_COLOUR = (60, 200, 60)  # BGR green
TRACK_COLOUR = (40, 80, 240)  # BGR red-orange
_PRIORITY = {"switch": 0, "merge": 1, "fragmentation": 2, "missed": 3, "false_positive": 4}

ReadFrame = Callable[[int], np.ndarray]


def chosen_events(events: list[Event], limit: int = MAX_CROPPED) -> list[int]:
    """Indices of the events that get crops: identity errors first, then the longest runs."""
    order = sorted(range(len(events)), key=lambda i: (_PRIORITY[events[i].kind], -events[i].size, events[i].first))
    return sorted(order[:limit])


def event_crops(event: Event, match: SequenceMatch, read: ReadFrame) -> list[dict[str, object]]:
    """``[{"frame": f, "src": data URI}, ...]`` for the event's before and after frames (one when they coincide)."""
    frames = [event.before] if event.before == event.after else [event.before, event.after]
    gt_boxes = {f: _boxes(match.gt_box, match.gt_frame, match.gt_id, f, event.gt) for f in frames}
    trk_boxes = {f: _boxes(match.trk_box, match.trk_frame, match.trk_id, f, event.tracks) for f in frames}
    every = [b for f in frames for b, _ in gt_boxes[f] + trk_boxes[f]]
    if not every:
        return []
    region = _region(np.array(every))
    out = []
    for frame in frames:
        try:
            image = read(frame)
        except (IndexError, OSError, ValueError):
            continue
        if image is None:
            continue
        out.append({"frame": frame, "src": _encode(_draw(image, region, gt_boxes[frame], trk_boxes[frame]))})
    return out


def _boxes(boxes: np.ndarray, frames: np.ndarray, ids: np.ndarray, frame: int,
           wanted: tuple[int, ...]) -> list[tuple[np.ndarray, int]]:
    rows = np.flatnonzero((frames == frame) & np.isin(ids, wanted))
    return [(boxes[r], int(ids[r])) for r in rows]


def _region(boxes: np.ndarray, margin: float = 0.6) -> np.ndarray:
    """tlbr covering ``boxes`` plus ``margin`` of its size on each side (at least 40 px)."""
    x1, y1 = boxes[:, 0].min(), boxes[:, 1].min()
    x2, y2 = boxes[:, 2].max(), boxes[:, 3].max()
    pad_x, pad_y = max(40.0, margin * (x2 - x1)), max(40.0, margin * (y2 - y1))
    # at least as wide as 0.9x its height: a standing person alone would give a sliver, without context
    pad_x = max(pad_x, (0.9 * (y2 - y1 + 2 * pad_y) - (x2 - x1)) / 2)
    return np.array([x1 - pad_x, y1 - pad_y, x2 + pad_x, y2 + pad_y])


def _draw(image: np.ndarray, region: np.ndarray, gt: list[tuple[np.ndarray, int]],
          tracks: list[tuple[np.ndarray, int]]) -> np.ndarray:
    height, width = image.shape[:2]
    x1, y1 = int(max(0, np.floor(region[0]))), int(max(0, np.floor(region[1])))
    x2, y2 = int(min(width, np.ceil(region[2]))), int(min(height, np.ceil(region[3])))
    if x2 - x1 < 2 or y2 - y1 < 2:
        x1, y1, x2, y2 = 0, 0, width, height
    scale = CROP_HEIGHT / (y2 - y1)
    crop = cv2.resize(image[y1:y2, x1:x2], (max(1, round((x2 - x1) * scale)), CROP_HEIGHT),
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    for boxes, colour, dy in ((gt, GT_COLOUR, -4), (tracks, TRACK_COLOUR, 14)):
        for box, ident in boxes:
            p1 = (round((box[0] - x1) * scale), round((box[1] - y1) * scale))
            p2 = (round((box[2] - x1) * scale), round((box[3] - y1) * scale))
            cv2.rectangle(crop, p1, p2, colour, 2)
            label = ("gt " if colour == GT_COLOUR else "trk ") + str(ident)
            cv2.putText(crop, label, (p1[0] + 2, p1[1] + dy), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv2.LINE_AA)
    return crop


def _encode(image: np.ndarray) -> str:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise ValueError("could not encode a crop as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(data.tobytes()).decode("ascii")

"""Reading and writing MOTChallenge text files (det.txt, gt.txt, tracker results).

Rows are ``frame,id,left,top,width,height,conf[,...]`` with 1-based frames.  The
tail varies in the wild: 7 columns (MOT17 det), 9 (MOT16/17/20 gt: class and
visibility), 10 (MOT15 and results: world x, y, z, usually -1).  Rows may come in
any order.  Bad input raises :class:`MotFileError` naming the file and line.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from trackbench.io.atomic import atomic_path
from trackbench.datasets.boxes import tlbr_to_tlwh, tlwh_to_tlbr
from trackbench.datasets.sequence import FrameTable


class MotFileError(ValueError):
    """Malformed MOT text: the message names the file and the 1-based line."""


def _delimiter(path: Path) -> str | None:
    with open(path, "r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return "," if "," in line else None
    return ","


def _locate_error(path: Path, delimiter: str | None) -> MotFileError:
    """Find the first offending line after the fast parser failed."""
    width = None
    with open(path, "r", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            parts = [p for p in (text.split(delimiter) if delimiter else text.split())]
            parts = [p.strip() for p in parts]
            if parts and parts[-1] == "":
                parts = parts[:-1]
            try:
                [float(p) for p in parts]
            except ValueError:
                return MotFileError(f"{path}:{lineno}: not a number in {text!r}")
            if len(parts) < 6:
                return MotFileError(
                    f"{path}:{lineno}: expected at least 6 columns "
                    f"(frame,id,left,top,width,height), got {len(parts)}"
                )
            if width is not None and len(parts) != width:
                return MotFileError(
                    f"{path}:{lineno}: {len(parts)} columns where earlier lines have {width}"
                )
            width = len(parts)
    return MotFileError(f"{path}: could not be parsed as MOT text")


def _load_array(path: Path) -> np.ndarray:
    delimiter = _delimiter(path)
    if path.stat().st_size == 0:
        return np.zeros((0, 7))
    try:
        data = np.loadtxt(path, delimiter=delimiter, ndmin=2, dtype=np.float64)
    except ValueError:
        raise _locate_error(path, delimiter) from None
    if data.size == 0:
        return np.zeros((0, 7))
    if data.shape[1] < 6:
        raise _locate_error(path, delimiter)
    return data


def _check_rows(path: Path, data: np.ndarray) -> None:
    bad_frame = (data[:, 0] < 1) | (data[:, 0] != np.round(data[:, 0]))
    bad_box = ~np.isfinite(data[:, 2:6]).all(axis=1) | (data[:, 4] < 0) | (data[:, 5] < 0)
    for mask, what in ((bad_frame, "frame must be an integer >= 1"), (bad_box, "box must be finite with width, height >= 0")):
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise MotFileError(f"{path}:{_line_of_row(path, row)}: {what}")


def _line_of_row(path: Path, row: int) -> int:
    """1-based line number of the row-th non-empty line (for error messages)."""
    seen = -1
    with open(path, "r", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return lineno
    return row + 1


def read_mot_file(path: str | os.PathLike, kind: str = "det") -> FrameTable:
    """Parse a MOT text file into a :class:`FrameTable` (boxes converted to tlbr).

    ``kind`` is ``"det"``, ``"gt"`` or ``"result"``.  For gt files with exactly 9
    columns, columns 8-9 are class and visibility (MOT16/17/20); otherwise the
    class is -1 and visibility 1.  Detection and result files without a conf
    column get conf 1.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MOT file not found: {path}")
    data = _load_array(path)
    if len(data):
        _check_rows(path, data)
    n = len(data)
    has_class = kind == "gt" and data.shape[1] == 9
    conf = data[:, 6] if data.shape[1] >= 7 else np.ones(n)
    return FrameTable(
        frames=data[:, 0].astype(np.int64),
        ids=data[:, 1].astype(np.int64),
        boxes=tlwh_to_tlbr(data[:, 2:6]),
        scores=conf.astype(np.float64),
        classes=data[:, 7].astype(np.int64) if has_class else np.full(n, -1, np.int64),
        visibility=data[:, 8].astype(np.float64) if has_class else np.ones(n),
    )


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically (see :mod:`trackbench.io.atomic`), flushed to disk before the rename."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def format_results(frames: np.ndarray, ids: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None) -> str:
    """MOTChallenge result text ``frame,id,left,top,width,height,conf,-1,-1,-1``."""
    if len(frames) == 0:
        return ""
    tlwh = tlbr_to_tlwh(boxes)
    conf = np.ones(len(frames)) if scores is None else np.asarray(scores, dtype=np.float64)
    table = np.column_stack([frames, ids, tlwh, conf])
    lines = [
        f"{int(f)},{int(i)},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{c:.4g},-1,-1,-1"
        for f, i, x, y, w, h, c in table
    ]
    return "\n".join(lines) + "\n"


def write_results(path: str | os.PathLike, frames: np.ndarray, ids: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None) -> None:
    """Write tracker output atomically as a MOTChallenge result file."""
    atomic_write_text(path, format_results(frames, ids, boxes, scores))

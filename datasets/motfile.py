"""Reading and writing MOTChallenge text files (det.txt, gt.txt, tracker results).

Rows are ``frame,id,left,top,width,height,conf[,...]`` with 1-based frames.  The
tail varies in the wild: 7 columns (MOT17 det), 9 (MOT16/17/20 gt: class and
visibility), 10 (MOT15 and results: world x, y, z, usually -1).  Rows may come in
any order.  Bad input raises :class:`MotFileError` naming the file and line:
a value that is not a number, fewer than 6 columns, a row with another column
count than the rows before it, a frame that is not a whole number in
1..2**31-1, an id that is not a whole number (1.5, NaN), a box that is not
finite or has a negative side, a conf that is not finite.  Lines that are
empty or hold only white space, ``#`` comments and one trailing delimiter per
line (``1,-1,...,0.9,``) are accepted.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from trackbench.io.atomic import atomic_path
from trackbench.datasets.boxes import tlbr_to_tlwh, tlwh_to_tlbr
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.line_limit import check_line_lengths
from trackbench.datasets.sequence import FrameTable


class MotFileError(DataFileError):
    """Malformed MOT text: the message names the file and the 1-based line."""


#: Largest frame number accepted (frames are stored as int64; anything near 2**31 is a corrupt value,
#: and whether a frame fits its sequence is checked by the loader against seqLength and the images).
MAX_FRAME = 2**31 - 1


def _delimiter(path: Path) -> str | None:
    """"," or None (white space), guessed from the first line with data: comments and a BOM do not count."""
    with open(path, "r", encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            text = line.split("#", 1)[0]
            if text.strip():
                return "," if "," in text else None
    return ","


def _fields(text: str, delimiter: str | None) -> list[str]:
    """The fields of one stripped line; one trailing delimiter (``1,2,3,``) is allowed."""
    parts = [p.strip() for p in (text.split(delimiter) if delimiter else text.split())]
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]
    return parts


def _parse_lines(path: Path, delimiter: str | None) -> np.ndarray:
    """The careful parser, used when numpy's fast one refuses the file: it accepts what the fast one
    does plus white-space-only lines and a trailing delimiter, and names the line of anything else."""
    rows: list[list[float]] = []
    width = None
    with open(path, "r", encoding="utf-8-sig", errors="replace", newline=None) as fh:  # -sig: a leading BOM is no data
        for lineno, line in enumerate(fh, start=1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = _fields(text, delimiter)
            try:
                values = [float(p) for p in parts]
            except ValueError:
                raise MotFileError(f"{path}:{lineno}: not a number in {text[:80]!r}") from None
            if len(values) < 6:
                raise MotFileError(
                    f"{path}:{lineno}: expected at least 6 columns (frame,id,left,top,width,height), got {len(values)}"
                )
            if width is not None and len(values) != width:
                raise MotFileError(f"{path}:{lineno}: {len(values)} columns where earlier lines have {width}")
            width = len(values)
            rows.append(values)
    return np.array(rows, dtype=np.float64) if rows else np.zeros((0, 7))


def _load_array(path: Path) -> np.ndarray:
    if path.stat().st_size == 0:
        return np.zeros((0, 7))
    check_line_lengths(path, error=MotFileError)  # before any parser holds a whole line in memory
    delimiter = _delimiter(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": handled below
            data = np.loadtxt(path, delimiter=delimiter, ndmin=2, dtype=np.float64)
    except ValueError:
        return _parse_lines(path, delimiter)
    if data.size == 0:
        return np.zeros((0, 7))
    if data.shape[1] < 6:
        return _parse_lines(path, delimiter)
    return data


def _is_whole(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values == np.round(values))


def _check_rows(path: Path, data: np.ndarray, kind: str) -> None:
    frames, ids = data[:, 0], data[:, 1]
    checks = [
        (~_is_whole(frames) | (frames < 1) | (frames > MAX_FRAME), f"frame must be a whole number from 1 to {MAX_FRAME}"),
        (~_is_whole(ids), "id must be a whole number (-1 for detections)"),
        (np.abs(ids) > MAX_FRAME, f"id must be at most {MAX_FRAME} (-1 for detections)"),
        (~np.isfinite(data[:, 2:6]).all(axis=1) | (data[:, 4] < 0) | (data[:, 5] < 0),
         "box must be finite with width, height >= 0"),
    ]
    if data.shape[1] >= 7:
        checks.append((~np.isfinite(data[:, 6]), "conf must be a finite number"))
    if kind == "gt" and data.shape[1] == 9:
        checks.append((~_is_whole(data[:, 7]) | (np.abs(data[:, 7]) > MAX_FRAME), "class must be a whole number"))
        checks.append((~np.isfinite(data[:, 8]), "visibility must be a finite number"))
    for mask, what in checks:
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise MotFileError(f"{path}:{_line_of_row(path, row)}: {what}, got {_row_text(data[row])}")
    if kind == "gt":
        _check_unique_ids(path, data)


def _check_unique_ids(path: Path, data: np.ndarray) -> None:
    """A gt id names one object: twice in one frame is an error at the second row's line (scoring would
    otherwise fail later without saying where)."""
    if len(data) < 2:
        return
    pairs = data[:, :2]
    order = np.lexsort((np.arange(len(pairs)), pairs[:, 1], pairs[:, 0]))
    same = (np.diff(pairs[order], axis=0) == 0).all(axis=1)
    if same.any():
        row = int(order[1:][same].min())
        raise MotFileError(f"{path}:{_line_of_row(path, row)}: id {int(data[row, 1])} appears more than once in "
                           f"frame {int(data[row, 0])}, got {_row_text(data[row])}")


def _row_text(row: np.ndarray) -> str:
    return ",".join(f"{v:g}" for v in row[:7])


def _line_of_row(path: Path, row: int) -> int:
    """1-based line number of the row-th data line (for error messages)."""
    seen = -1
    with open(path, "r", encoding="utf-8-sig", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.split("#", 1)[0].strip():
                seen += 1
                if seen == row:
                    return lineno
    return row + 1


def line_of_frame(path: str | os.PathLike, frame: int) -> int | None:
    """1-based line of the first row of ``frame`` in a MOT file (for messages about a row's frame)."""
    with open(path, "r", encoding="utf-8-sig", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            head = line.split("#", 1)[0].strip().replace(",", " ").split()
            try:
                if head and float(head[0]) == frame:
                    return lineno
            except ValueError:
                continue
    return None


def result_file_note(path: str | os.PathLike) -> str | None:
    """A note for a result file that parses but looks damaged: empty, or its last line cut (no newline)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        return f"{path} is empty: scored as a tracker that reported no boxes on this sequence"
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) not in (b"\n", b"\r"):
            return f"{path}: the last line has no line end; the file may have been cut off while being written"
    return None


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
        _check_rows(path, data, kind)
    return _frame_table(data, kind)


def _frame_table(data: np.ndarray, kind: str) -> FrameTable:
    """A checked (rows, columns) array as a :class:`FrameTable` (see :func:`read_mot_file`)."""
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
    """MOTChallenge result text ``frame,id,left,top,width,height,conf,-1,-1,-1``.

    %-formatting of plain Python numbers (``tolist``) is about twice as fast as an f-string per row of
    NumPy scalars, and a tune trial writes ~100,000 rows; the text is the same.
    """
    if len(frames) == 0:
        return ""
    tlwh = tlbr_to_tlwh(np.asarray(boxes, dtype=np.float64))
    conf = np.ones(len(frames)) if scores is None else np.asarray(scores, dtype=np.float64)
    columns = (np.asarray(frames).astype(np.int64).tolist(), np.asarray(ids).astype(np.int64).tolist(),
               *tlwh.T.tolist(), conf.tolist())
    row = "%d,%d,%.2f,%.2f,%.2f,%.2f,%.4g,-1,-1,-1"
    return "\n".join([row % values for values in zip(*columns)]) + "\n"


def parse_results(text: str) -> FrameTable:
    """The table a reader of ``text`` (as :func:`format_results` writes it) gets: ``read_mot_file(path,
    "result")`` of a file holding it, without the file (and without its row checks: the rows come from a
    unit's output, which passed the harness's output check before it was formatted).

    Why: work that scores what it has just written (a tune trial) needs the values *as written* (boxes to
    two decimals), and pandas' C parser reads them ~3x faster than ``np.loadtxt``.  The values are short
    decimals (at most ~10 significant digits), which its default parser converts to the same correctly
    rounded doubles as ``np.loadtxt`` (tests/test_boxes_motfile.py checks equality with :func:`read_mot_file`).
    """
    if not text:
        return _frame_table(np.zeros((0, 10)), "result")
    import io

    import pandas as pd

    data = pd.read_csv(io.StringIO(text), header=None, dtype=np.float64).to_numpy()
    return _frame_table(data, "result")


def write_results(path: str | os.PathLike, frames: np.ndarray, ids: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None) -> None:
    """Write tracker output atomically as a MOTChallenge result file."""
    atomic_write_text(path, format_results(frames, ids, boxes, scores))

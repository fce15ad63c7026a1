"""How far a sequence may reach, derived from its own files, so that one field cannot exhaust the machine.

The runner loops over every frame of a sequence and the metrics index frames
by number, so a sequence's length sets time and memory.  A length is taken
from ``seqLength``, the number of images, or the boxes themselves; here it is
checked against what the files hold:

- box rows must not lie past the declared length (``seqLength`` or the official
  MOT15 length): an error naming the row's file and line;
- a length (declared or read off the last box) may exceed the content by a
  bounded amount only: at most :data:`MAX_FRAMES_PER_ROW` frames per box row
  plus :data:`SPAN_ALLOWANCE`, or the number of images when that is larger.
  MOT17's sequences hold 5-90 rows per frame; a sequence with one box row in
  frame 1 000 000 000 is corrupt, not long.
"""

from __future__ import annotations

import os

import numpy as np

from trackbench.datasets.errors import DataFileError
from trackbench.datasets.motfile import line_of_frame
from trackbench.datasets.sequence import FrameTable

MAX_FRAMES_PER_ROW = 10
SPAN_ALLOWANCE = 100_000


def max_span(rows: int, images: int = 0) -> int:
    """The most frames a sequence with ``rows`` box rows and ``images`` images may span."""
    return max(int(images), MAX_FRAMES_PER_ROW * int(rows) + SPAN_ALLOWANCE)


def span_reason(rows: int, images: int, last_frame: int) -> str:
    return (f"the sequence's files hold {images} image(s) and {rows} box row(s) up to frame {last_frame}, "
            f"which can span at most {max_span(rows, images)} frames "
            f"({MAX_FRAMES_PER_ROW} per box row + {SPAN_ALLOWANCE}, or the number of images)")


def check_rows_within(table: FrameTable, path: str | os.PathLike, length: int, source: str) -> None:
    """Error at the first row of ``path`` whose frame is past ``length`` (declared by ``source``)."""
    if table.last_frame <= length:
        return
    frame = int(table.frames[np.searchsorted(table.frames, length, side="right")])
    line = line_of_frame(path, frame)
    where = f"{path}:{line}" if line else str(path)
    raise DataFileError(f"{where}: frame {frame} is past the sequence's length {length} ({source})")


def check_span(path: str | os.PathLike, table: FrameTable, rows: int, images: int) -> None:
    """Error when ``table``'s last frame lies further than the sequence's content can span."""
    if table.last_frame <= max_span(rows, images):
        return
    line = line_of_frame(path, table.last_frame)
    where = f"{path}:{line}" if line else str(path)
    raise DataFileError(f"{where}: frame {table.last_frame} is implausible: {span_reason(rows, images, table.last_frame)}")

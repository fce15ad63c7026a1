"""A length limit on the lines of text inputs, checked in bounded memory before a parser reads them.

numpy's ``loadtxt`` and Python's line iteration hold a whole line (and its
decoded copy, and its split fields) at once: one 1 GiB line in a det file
took 6.4 GB.  A MOT row is 30-100 bytes; :data:`MAX_LINE_BYTES` (64 KiB) is
hundreds of times any real row, so no honest file is refused, and a file that
breaks it is named with the line before anything is parsed.

Every line-oriented reader of data checks it first: MOT det/gt/result files
(:mod:`.motfile`), ``seqinfo.ini`` (:mod:`.seqinfo`), GMC camera-motion files
(:mod:`.camera_motion`), seqmaps (:mod:`.seqmap_mot`, :mod:`.kitti`) and KITTI
label and detection files (:mod:`.kitti`).  Scalabel JSON is one long line by
design and has a file size ceiling instead (:data:`.bdd100k.MAX_JSON_BYTES`).

The scan reads the file in 1 MiB blocks and finds newlines with NumPy, so it
costs a fraction of parsing and never more than one block of memory.
"""

from __future__ import annotations

import os

import numpy as np

from trackbench.datasets.errors import DataFileError, at

#: Longest line accepted in a text input (bytes, line break excluded).
MAX_LINE_BYTES = 64 * 1024
_BLOCK = 1 << 20


def check_line_lengths(path: str | os.PathLike, limit: int | None = None,
                       error: type[DataFileError] = DataFileError) -> None:
    """Raise ``error("<path>:<line>: ...")`` at the first line longer than ``limit`` bytes (default
    :data:`MAX_LINE_BYTES`)."""
    limit = MAX_LINE_BYTES if limit is None else limit
    line, current = 1, 0  # 1-based number of the line being read, its bytes so far
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            breaks = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
            if len(breaks):
                lengths = np.diff(breaks, prepend=-1) - 1  # bytes before each line break
                lengths[0] += current
                over = np.flatnonzero(lengths > limit)
                if len(over):
                    raise _too_long(path, line + int(over[0]), limit, error)
                line += len(breaks)
                current = len(block) - int(breaks[-1]) - 1
            else:
                current += len(block)
            if current > limit:
                raise _too_long(path, line, limit, error)


def _too_long(path: str | os.PathLike, line: int, limit: int, error: type[DataFileError]) -> DataFileError:
    message = at(path, line, f"line longer than {limit:,} bytes (real rows are under 200): not a text table")
    return error(str(message))

"""Camera motion of a sequence: one 2x3 affine warp per frame, from GMC files or estimated from frames.

A moving camera shifts every object in the image between two frames; a
constant-velocity Kalman filter does not know that.  BoT-SORT (Aharon et al.
2022) therefore warps each track's state by the camera's frame-to-frame motion
before association.  The warp of frame ``f`` maps image coordinates of frame
``f - 1`` to those of frame ``f``: ``p_f = A p_{f-1} + t`` with ``[A | t]`` a
2x3 matrix.  Frame 1 has no previous frame: its warp is the identity.

BoT-SORT's authors publish the motion of every MOT17/MOT20 frame as GMC files,
one tab-separated line per frame::

    frame_index(0-based) <tab> a11 <tab> a12 <tab> a13 <tab> a21 <tab> a22 <tab> a23 [<tab>]

(their reader takes line ``i`` for the ``i``-th frame it tracks, so line 0 is
frame 1).  This module reads those files, checking every line so that a bad
one stops the run with ``<file>:<line>: <what is wrong>``, and matches files to
sequences by name (``GMC-MOT17-05.txt`` serves ``MOT17-05-FRCNN``, ``-DPM`` and
``-SDP`` as well).  Estimating the motion from the frames is
:mod:`trackbench.datasets.camera_motion_estimate`.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.datasets.errors import DataFileError, at
from trackbench.datasets.line_limit import check_line_lengths

#: Detector suffixes of MOT17 sequence names that share one camera motion file.
_DETECTOR_SUFFIX = re.compile(r"-(FRCNN|DPM|SDP)$")
#: Entries of a warp's linear part further than this from the identity are not a frame-to-frame camera
#: motion (a 2x zoom or a 60° turn between two frames): the file is wrong, not the camera.
_MAX_LINEAR_DEVIATION = 1.0


def identity(frames: int) -> np.ndarray:
    """``frames`` identity warps, (frames, 2, 3)."""
    out = np.zeros((frames, 2, 3))
    out[:, 0, 0] = out[:, 1, 1] = 1.0
    return out


@dataclass(frozen=True)
class CameraMotion:
    """Per-frame warps of one sequence: ``warps[f - 1]`` maps frame ``f - 1`` into frame ``f`` (1-based ``f``)."""

    warps: np.ndarray  # (F, 2, 3) float64
    source: str  # where it came from: a file path, or "sparse"/"ecc"/"orb" (estimated)
    note: str | None = None  # something the user should hear, e.g. a damaged cache file that was recomputed

    def __len__(self) -> int:
        return len(self.warps)

    def warp(self, frame: int) -> np.ndarray:
        """The 2x3 warp into 1-based ``frame``; the identity past the known frames."""
        if 1 <= frame <= len(self.warps):
            return self.warps[frame - 1]
        return identity(1)[0]

    def moving(self, atol: float = 1e-9) -> np.ndarray:
        """(F,) bool: frames whose warp is not the identity (within ``atol``)."""
        return ~np.all(np.abs(self.warps - identity(len(self.warps))) <= atol, axis=(1, 2))


def camera_name(sequence: str) -> str:
    """The name a GMC file uses for a sequence: MOT17's detector suffix dropped (``MOT17-05-FRCNN`` → ``MOT17-05``)."""
    return _DETECTOR_SUFFIX.sub("", sequence)


def gmc_file_for(folder: str | os.PathLike, sequence: str) -> Path:
    """``<folder>/GMC-<camera name>.txt`` for ``sequence``; FileNotFoundError naming what was looked for."""
    folder = Path(folder)
    candidates = [folder / f"GMC-{sequence}.txt", folder / f"GMC-{camera_name(sequence)}.txt"]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(f"{folder}: no camera motion file for sequence {sequence} "
                            f"(looked for {', '.join(p.name for p in dict.fromkeys(candidates))})")


def _parse_line(path: Path, number: int, line: str, expected_index: int) -> np.ndarray:
    """One GMC line's 2x3 warp; DataFileError naming ``path:number`` for anything malformed."""
    tokens = [t for t in line.strip().split("\t") if t.strip() != ""] if "\t" in line else line.split()
    if len(tokens) != 7:
        raise at(path, number, f"expected 7 tab-separated values (frame index and a 2x3 warp), got {len(tokens)}")
    try:
        index = int(tokens[0])
    except ValueError:
        raise at(path, number, f"frame index {tokens[0]!r} is not a whole number") from None
    if index != expected_index:
        raise at(path, number, f"frame index {index} out of order (expected {expected_index}: one line per frame "
                               f"from 0)")
    try:
        values = [float(t) for t in tokens[1:]]
    except ValueError:
        bad = next(t for t in tokens[1:] if not _is_float(t))
        raise at(path, number, f"warp entry {bad!r} is not a number") from None
    if not all(math.isfinite(v) for v in values):
        raise at(path, number, "warp entry is not finite")
    warp = np.array(values).reshape(2, 3)
    if np.abs(warp[:, :2] - np.eye(2)).max() > _MAX_LINEAR_DEVIATION:
        raise at(path, number, f"warp {values} is implausible for one frame's camera motion "
                               f"(linear part too far from the identity)")
    return warp


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_gmc_file(path: str | os.PathLike, frames: int | None = None) -> CameraMotion:
    """The warps of a GMC file (blank lines ignored); with ``frames``, exactly that many.

    A file shorter than the sequence is an error (the motion of its last frames
    would silently be taken as still); a longer one is cut to ``frames``.
    """
    path = Path(path)
    check_line_lengths(path)  # a GMC line is under 200 bytes; read_text would hold a 1 GiB one whole
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise at(path, None, "not a text file") from None
    warps = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        warps.append(_parse_line(path, number, line, len(warps)))
    if not warps:
        raise at(path, None, "no camera motion lines")
    if frames is not None:
        if len(warps) < frames:
            raise at(path, None, f"has {len(warps)} frames of camera motion, the sequence has {frames}")
        warps = warps[:frames]
    return CameraMotion(np.stack(warps), str(path))


def load_gmc(folder: str | os.PathLike, sequence: str, frames: int | None = None) -> CameraMotion:
    """The camera motion of ``sequence`` from a folder of GMC files (see :func:`gmc_file_for`)."""
    return read_gmc_file(gmc_file_for(folder, sequence), frames)


__all__ = ["CameraMotion", "DataFileError", "camera_name", "gmc_file_for", "identity", "load_gmc", "read_gmc_file"]

"""``seqinfo.ini`` (MOT16/17/20): read with configparser, every value checked, every error at file:line.

The file is an INI file with one ``[Sequence]`` section::

    [Sequence]
    name=MOT17-05-FRCNN
    imDir=img1
    frameRate=14
    seqLength=837
    imWidth=640
    imHeight=480
    imExt=.jpg

configparser does the parsing (keys are case-insensitive; a missing section
header or a duplicate key is an error it reports with a line number); this
module turns its errors and every bad value into
:class:`~trackbench.datasets.errors.DataFileError` naming the file and the line
of the key.  The numbers are checked for type and sign here; whether they are
plausible for the sequence's files is the loader's job (``datasets/mot.py``).
"""

from __future__ import annotations

import configparser
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from trackbench.datasets.errors import DataFileError, at
from trackbench.datasets.line_limit import check_line_lengths
from trackbench.io.names import why_unsafe

SECTION = "Sequence"
#: Image sides above this are refused (the largest MOTChallenge frames are 1920x1080).
MAX_IMAGE_SIDE = 100_000
#: Frame rates above this are refused: video datasets run at 1-60 fps, high-speed cameras at a few hundred.
#: Refused rather than clamped: trackers scale their memory by it (ByteTrack keeps lost tracks
#: ``track_buffer * fps / 30`` frames), so a silently clamped value would change results without a word;
#: 1e308 overflowed that product.
MAX_FRAME_RATE = 1000.0


@dataclass
class SeqInfo:
    """The checked values of one seqinfo.ini; None where the key is absent."""

    path: Path
    name: str | None = None
    im_dir: str = "img1"
    im_ext: str = ".jpg"
    length: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    lines: dict[str, int] = field(default_factory=dict)  # lower-case key -> 1-based line

    def where(self, key: str) -> str:
        """``<path>:<line>`` of ``key`` (just the path when the key is absent)."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else str(self.path)


def _key_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*([^=:\s\[;#][^=:]*?)\s*[=:]", line)
        if match:
            lines.setdefault(match.group(1).strip().lower(), number)
    return lines


def _parse(path: Path, text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as exc:
        raise at(path, exc.lineno, f"no [{SECTION}] section header before {exc.line.strip()!r}") from None
    except (configparser.DuplicateOptionError, configparser.DuplicateSectionError) as exc:
        what = f"key {exc.option!r}" if isinstance(exc, configparser.DuplicateOptionError) else f"section [{exc.section}]"
        raise at(path, exc.lineno, f"{what} appears twice") from None
    except configparser.ParsingError as exc:
        lineno, line = exc.errors[0] if exc.errors else (None, "")
        raise at(path, lineno, f"not a key=value line: {str(line).strip()!r}") from None
    except configparser.Error as exc:
        raise at(path, None, f"not a valid INI file ({exc.message if hasattr(exc, 'message') else exc})") from None
    if not parser.has_section(SECTION):
        raise at(path, None, f"no [{SECTION}] section")
    return dict(parser[SECTION])


def _int(info: SeqInfo, values: dict[str, str], key: str, low: int, high: int | None = None) -> int | None:
    if key not in values:
        return None
    raw = values[key].strip()
    try:
        number = int(raw)
    except ValueError:
        raise DataFileError(f"{info.where(key)}: {key} must be a whole number, got {raw!r}") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise DataFileError(f"{info.where(key)}: {key} must be {bound}, got {number}")
    return number


def read_seqinfo(path: str | Path) -> SeqInfo:
    """The checked contents of a seqinfo.ini (see the module docstring)."""
    path = Path(path)
    check_line_lengths(path)  # a seqinfo.ini line is under 100 bytes; a 1 GiB one is refused unread
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise at(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    info = SeqInfo(path=path, lines=_key_lines(text))
    values = _parse(path, text)
    info.length = _int(info, values, "seqlength", 1)
    info.width = _int(info, values, "imwidth", 1, MAX_IMAGE_SIDE)
    info.height = _int(info, values, "imheight", 1, MAX_IMAGE_SIDE)
    if (info.width is None) != (info.height is None):
        given, missing = ("imwidth", "imheight") if info.width is not None else ("imheight", "imwidth")
        raise DataFileError(f"{info.where(given)}: {given} is given without {missing}; give both or neither")
    if "framerate" in values:
        raw = values["framerate"].strip()
        try:
            fps = float(raw)
        except ValueError:
            fps = math.nan
        if not math.isfinite(fps) or fps <= 0:
            raise DataFileError(f"{info.where('framerate')}: frameRate must be a number > 0, got {raw!r}")
        if fps > MAX_FRAME_RATE:
            raise DataFileError(f"{info.where('framerate')}: frameRate {raw} is implausible (at most "
                                f"{MAX_FRAME_RATE:g} frames per second)")
        info.fps = fps
    for key, attr in (("name", "name"), ("imdir", "im_dir")):
        if key in values:
            value = values[key].strip()
            if key == "imdir":
                value = value.rstrip("/") or value  # "img1/" names the same folder
            reason = why_unsafe(value)
            if reason:
                raise DataFileError(f"{info.where(key)}: {key} {value!r} cannot be used as a file or folder name: {reason}")
            setattr(info, attr, value)
    if "imext" in values:
        ext = values["imext"].strip()
        if why_unsafe("x" + ext) or not ext.startswith("."):
            raise DataFileError(f"{info.where('imext')}: imExt must look like .jpg, got {ext!r}")
        info.im_ext = ext
    return info

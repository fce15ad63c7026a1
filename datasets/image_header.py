"""An image's size read from its file header, so that a huge image is refused before it is decoded.

A 30000x30000 PNG of zeros is 2.6 MB on disk and 2.7 GB once OpenCV decodes
it to BGR; two such frames took 8.1 GB.  OpenCV's own guard
(``OPENCV_IO_MAX_IMAGE_PIXELS``, default 2**30 pixels) lets it through, and
the variable is read once per process at the first decode, so a library
cannot lower it reliably after ``cv2`` is imported.

:func:`check_pixels` reads the first bytes of the file (PNG ``IHDR``, JPEG
``SOFn``, BMP, GIF, WebP) and refuses more than :data:`MAX_PIXELS` pixels
(100 megapixels: 48 times a 1920x1080 frame, 3x the largest 8K camera frame)
with the file name; it goes by the content, not the extension (OpenCV decodes
a PNG named ``.jpg``).  Formats it cannot read pass to OpenCV, whose own limit
then applies.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from trackbench.datasets.errors import DataFileError

#: Largest image (width x height) decoded.
MAX_PIXELS = 100_000_000
#: Bytes scanned for a JPEG's frame header (EXIF thumbnails and ICC profiles come first, up to 64 KiB each).
_JPEG_SCAN = 1 << 20

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def header_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """(width, height) from the file's header, or None when the format is not one read here."""
    with open(path, "rb") as fh:
        head = fh.read(32)
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            return struct.unpack(">II", head[16:24])
        if head.startswith(b"BM") and len(head) >= 26:
            width, height = struct.unpack("<ii", head[18:26])
            return abs(width), abs(height)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", head[6:10])
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return _webp_size(head)
        if head.startswith(b"\xff\xd8"):
            fh.seek(2)
            return _jpeg_size(fh.read(_JPEG_SCAN))
    return None


def check_pixels(path: str | os.PathLike, limit: int | None = None) -> None:
    """Refuse an image above ``limit`` pixels (default :data:`MAX_PIXELS`), from its header, naming the file."""
    limit = MAX_PIXELS if limit is None else limit
    try:
        size = header_size(path)
    except OSError:
        return  # unreadable: the decoder says so in its own words
    if size is not None and size[0] * size[1] > limit:
        raise DataFileError(f"{Path(path)}: image is {size[0]}x{size[1]} = {size[0] * size[1] / 1e6:.0f} megapixels, "
                            f"above the limit of {limit / 1e6:.0f} megapixels (read from the file header, not decoded)")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments (after SOI) to the first frame header: (width, height)."""
    i = 0
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(head[24:27], "little")
        height = 1 + int.from_bytes(head[27:30], "little")
        return width, height
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None

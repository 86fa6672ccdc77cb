"""Read an upload's dimensions from its header only (its format comes from file_format.py).

The dimensions come from the header, so a decompression bomb is refused without being decoded.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import imagesize


class UnreadableHeader(ValueError):
    """The header does not give the image's dimensions (damaged or truncated file)."""


def read_dimensions(stream: BinaryIO | io.RawIOBase) -> tuple[int, int]:
    """(width, height) as stored, from the header; the stream is read lazily, never decoded."""
    try:
        width, height = imagesize.get(stream, exif_rotation=False)
    except (OSError, ValueError, IndexError) as exc:  # imagesize raises on malformed headers
        raise UnreadableHeader(str(exc)) from exc
    if width <= 0 or height <= 0:
        raise UnreadableHeader("no image dimensions in the header")
    return width, height

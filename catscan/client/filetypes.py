"""What a local file is, from its first bytes, judged by the scanner's own magic-byte check
(scan_image.file_format) and size limit: the scanner stays the judge, this only saves an upload that
would be refused anyway, and says why in the scanner's words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scan_image.file_format import ACCEPTED, SNIFF_BYTES, rejection_for_format, sniff_format
from scan_image.scan_logic import (
    EMPTY_FILE,
    MAX_IMAGE_BYTES,  # Rekognition's limit; the web UI refuses larger files too
)


@dataclass(frozen=True)
class Sniffed:
    """content_type is set for JPEG/PNG; reason says why the file would be refused (another format, or a
    JPEG/PNG over MAX_IMAGE_BYTES: then content_type is set too)."""

    content_type: str | None
    reason: str | None = None


def format_bytes(size: int) -> str:
    """As the web UI writes sizes (frontend/src/lib/format.ts formatBytes), so both give one reason."""
    if size < 1024:
        return f"{size} B"
    kb = size / 1024
    if kb < 1024:
        return f"{kb:.1f} KB" if kb < 10 else f"{round(kb)} KB"
    mb = kb / 1024
    return f"{int(mb)} MB" if mb.is_integer() else f"{mb:.1f} MB"


def size_rejection(name: str, size: int) -> str | None:
    """The web UI's reason for a file too large to scan (frontend/src/lib/validation.ts), or None."""
    if size <= MAX_IMAGE_BYTES:
        return None
    return f"{name} is {format_bytes(size)}: images up to {format_bytes(MAX_IMAGE_BYTES)} can be scanned."


def sniff_file(path: Path) -> Sniffed:
    """Reads the first bytes of the file; OSError (missing, unreadable) propagates."""
    with open(path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
        size = os.fstat(stream.fileno()).st_size
    if not head:
        return Sniffed(None, EMPTY_FILE)  # the scanner's words
    kind = sniff_format(head)
    if kind:
        return Sniffed(ACCEPTED[kind], size_rejection(path.name, size))
    return Sniffed(None, rejection_for_format(head))

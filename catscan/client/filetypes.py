"""What a local file is, from its first bytes: the client-side twin of the scanner's magic-byte check.

The scanner Lambda must stay self-contained (functions/scan_image/image_header.py), so the few
signatures live here too; tests/cli/test_help.py keeps both copies in agreement. The scanner
stays the judge: this only saves an upload that would be refused anyway.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ACCEPTED = {"jpeg": "image/jpeg", "png": "image/png"}

# The scanner's limit (Rekognition's for an S3 object); the web UI refuses larger files before upload too.
MAX_IMAGE_BYTES = 15 * 1024 * 1024

# Enough of the start of a file to tell every format below apart.
SNIFF_BYTES = 512

_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"WEBP", 8, "WebP"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"%PDF", 0, "PDF"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
    (b"PK\x03\x04", 0, "ZIP archive"),
    (b"\x00\x00\x01\x00", 0, "ICO"),
]


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


def sniff_format(head: bytes) -> str | None:
    """'jpeg' or 'png' for accepted images, otherwise None (see describe_format)."""
    kind = _match(head)
    return kind if kind in ACCEPTED else None


def describe_format(head: bytes) -> str:
    """A person's name for what the bytes are, worded as the scanner words it."""
    kind = _match(head)
    if kind:
        return kind
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "SVG"
    if text.startswith((b"<!doctype html", b"<html")):
        return "HTML document"
    if text.startswith(b"<?xml"):
        return "XML document"
    if head and _looks_like_text(head):
        return "text file"
    return "file of an unknown type"


def rejection_for_format(head: bytes) -> str | None:
    """The scanner's reject reason for these first bytes, or None for a JPEG/PNG."""
    if sniff_format(head):
        return None
    kind = describe_format(head)
    article = "an" if kind[0] in "AEFHILMNORSX" or kind[0].lower() in "aeiou" else "a"  # an HTML, an SVG
    return f"This is {article} {kind}, not a JPEG or PNG image: only JPEG and PNG can be scanned."


def sniff_file(path: Path) -> Sniffed:
    """Reads the first bytes of the file; OSError (missing, unreadable) propagates."""
    with open(path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
        size = os.fstat(stream.fileno()).st_size
    if not head:
        return Sniffed(None, "The file is empty: only JPEG and PNG images can be scanned.")
    kind = sniff_format(head)
    if kind:
        return Sniffed(ACCEPTED[kind], size_rejection(path.name, size))
    return Sniffed(None, rejection_for_format(head))


def _match(head: bytes) -> str | None:
    for magic, offset, kind in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if kind == "WebP" and not head.startswith(b"RIFF"):
                continue
            return kind
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sniffed bytes is still text.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return b"\x00" not in head

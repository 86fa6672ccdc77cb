"""What a file is, from its first bytes (magic bytes, never the name or the declared content type).

The one table of signatures: the scanner judges an upload with it (scan_service.py), and the CLI uses the
same module (catscan/client/filetypes.py) to refuse a file before uploading it, with the scanner's words.
Standard library only, so the CLI can import it without the scanner's dependencies.
"""

from __future__ import annotations

ACCEPTED = {"jpeg": "image/jpeg", "png": "image/png"}

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


def sniff_format(head: bytes) -> str | None:
    """'jpeg' or 'png' for accepted images, otherwise None (see describe_format)."""
    kind = _match(head)
    return kind if kind in ACCEPTED else None


def describe_format(head: bytes) -> str:
    """A person's name for what the bytes are, for a reject reason."""
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


def _match(head: bytes) -> str | None:
    for magic, offset, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
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

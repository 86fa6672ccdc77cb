"""The bad-input corpus, generated at test time (nothing binary is committed).

Each case is a file name, a way to make its bytes and what the pipeline must answer: a reject reason
that names the problem, a DONE cat, or (for damaged data) "DONE or REJECTED, never FAILED".
Valid-but-odd images are derived from chelsea.png (a cat), so their verdict must be a cat.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from tests.support.images import photo

MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    id: str  # pytest id
    file_name: str
    make: Callable[[], bytes]
    expect: str  # "REJECTED" | "DONE_CAT" | "DONE_NO_CAT" | "DONE_OR_REJECTED"
    reason_words: tuple[str, ...] = ()  # every one must appear in the reason (case-insensitive)


# --- hand-made PNG (for what PIL will not write: bad CRCs, 16-bit RGB, bombs) ---------------------


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    if crc is None:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_from_idat(
    width: int, height: int, bit_depth: int, color_type: int, idat: bytes, ihdr_crc: int | None = None
) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr, ihdr_crc)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def bomb_png(side: int = 30_000) -> bytes:
    """side x side, 1-bit grey, all zeros: ~110 MB of pixel rows (3.4 GB as RGB) in a ~110 KB file.

    The rows are fed to zlib in slices, so building it never holds the raw image in memory.
    """
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    rows_per_slice = 1000
    slab = row * rows_per_slice
    compressor = zlib.compressobj(9)
    parts = []
    for start in range(0, side, rows_per_slice):
        n = min(rows_per_slice, side - start)
        parts.append(compressor.compress(slab if n == rows_per_slice else row * n))
    parts.append(compressor.flush())
    return png_from_idat(side, side, 1, 0, b"".join(parts))


@cache
def chelsea() -> Image.Image:
    return Image.open(photo("chelsea.png")).convert("RGB")


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def chelsea_png() -> bytes:
    return photo("chelsea.png").read_bytes()


def chelsea_jpeg() -> bytes:
    return encode(chelsea(), "JPEG", quality=90)


def truncated_jpeg() -> bytes:
    data = chelsea_jpeg()
    return data[: len(data) // 2]


def png_bad_ihdr_crc() -> bytes:
    """chelsea.png with a wrong CRC on its IHDR chunk (a decoder that checks CRCs refuses it)."""
    data = bytearray(chelsea_png())
    assert data[12:16] == b"IHDR"
    data[29:33] = bytes(b ^ 0xFF for b in data[29:33])  # the CRC after the 13 IHDR data bytes
    return bytes(data)


def png_bad_idat_crc() -> bytes:
    """chelsea.png with a wrong CRC on its first IDAT chunk."""
    data = bytearray(chelsea_png())
    at = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[at : at + 4])[0]
    crc_at = at + 8 + length
    data[crc_at : crc_at + 4] = bytes(b ^ 0xFF for b in data[crc_at : crc_at + 4])
    return bytes(data)


def png_solid(width: int, height: int) -> bytes:
    return encode(Image.new("RGB", (width, height), (200, 120, 40)), "PNG")


def png_wide_grey(width: int, height: int) -> bytes:
    """A large-but-cheap grey PNG (mode L compresses a uniform image to almost nothing)."""
    return encode(Image.new("L", (width, height), 128), "PNG", optimize=False)


def sixteen_mb() -> bytes:
    """A real PNG header followed by padding: 16 MB, over the 15 MB limit."""
    head = chelsea_png()
    return head + b"\0" * (16 * MB - len(head))


def gif() -> bytes:
    return encode(chelsea().convert("P"), "GIF")


def webp() -> bytes:
    return encode(chelsea(), "WEBP", quality=80)


def svg() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
        b'<rect width="400" height="300" fill="orange"/><text x="20" y="150">a cat</text></svg>\n'
    )


def html() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html><head><title>My cat</title></head>"
        b'<body><img src="cat.jpg" alt="a cat"></body></html>\n'
    )


def text() -> bytes:
    return "Shopping list: cat food, litter, a toy mouse. Ça va 🐈\n".encode() * 20


def cmyk_jpeg() -> bytes:
    return encode(chelsea().convert("CMYK"), "JPEG", quality=90)


def rgb16_png() -> bytes:
    """16 bits per sample RGB (PIL reads it; it cannot write it): rows of big-endian uint16."""
    pixels = np.asarray(chelsea(), dtype=np.uint16) * 257  # 0..255 -> 0..65535
    height, width, _ = pixels.shape
    rows = pixels.astype(">u2").reshape(height, width * 3).tobytes()
    stride = width * 3 * 2
    raw = b"".join(b"\x00" + rows[y * stride : (y + 1) * stride] for y in range(height))
    return png_from_idat(width, height, 16, 2, zlib.compress(raw, 6))


def grey16_png() -> bytes:
    grey = np.asarray(chelsea().convert("L"), dtype=np.uint16) * 257
    return encode(Image.fromarray(grey.astype(np.uint16)), "PNG")  # mode I;16


def rgba_png() -> bytes:
    """chelsea with an alpha channel: opaque cat, a transparent border fading in."""
    image = chelsea().convert("RGBA")
    width, height = image.size
    alpha = np.full((height, width), 255, dtype=np.uint8)
    for i in range(20):
        value = int(255 * i / 20)
        alpha[i, :] = np.minimum(alpha[i, :], value)
        alpha[height - 1 - i, :] = np.minimum(alpha[height - 1 - i, :], value)
        alpha[:, i] = np.minimum(alpha[:, i], value)
        alpha[:, width - 1 - i] = np.minimum(alpha[:, width - 1 - i], value)
    image.putalpha(Image.fromarray(alpha, mode="L"))
    return encode(image, "PNG")


def exif_rotated_jpeg() -> bytes:
    """Stored on its side (rotated 90° counter-clockwise) with EXIF orientation 6 ("rotate 90° CW to
    view"), as phones write portrait shots: upright once the orientation is applied."""
    stored = chelsea().transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", quality=90, exif=exif.tobytes())


LONG_NAME = ("a-very-long-file-name-of-my-cat-" * 7)[:196] + ".png"
assert len(LONG_NAME) == 200

CASES: list[Case] = [
    # not an image we accept: the reason names what it is
    Case("text-named-jpg", "holiday.jpg", text, "REJECTED", ("text", "JPEG or PNG")),
    Case("html", "cat.html.png", html, "REJECTED", ("HTML",)),
    Case("svg", "cat.svg", svg, "REJECTED", ("SVG",)),
    Case("gif", "cat.gif", gif, "REJECTED", ("GIF",)),
    Case("webp", "cat.webp", webp, "REJECTED", ("WebP",)),
    Case("empty", "empty.jpg", lambda: b"", "REJECTED", ("empty",)),
    # sizes outside Rekognition's limits: refused from the header, never decoded
    Case("png-1x1", "dot.png", lambda: png_solid(1, 1), "REJECTED", ("1x1", "pixels")),
    Case("png-79x79", "small.png", lambda: png_solid(79, 79), "REJECTED", ("79x79", "pixels", "80")),
    Case("png-10001x10", "strip.png", lambda: png_wide_grey(10_001, 10), "REJECTED", ("10001x10", "pixels")),
    Case(
        "png-10001x100",
        "banner.png",
        lambda: png_wide_grey(10_001, 100),
        "REJECTED",
        ("10001x100", "pixels", "10000"),
    ),
    Case("16-MB", "huge.png", sixteen_mb, "REJECTED", ("16.0 MB", "15 MB")),
    Case("bomb-30000x30000", "bomb.png", bomb_png, "REJECTED", ("30000x30000", "pixels")),
    # the largest legal size, 12 KB on disk: decoded by the detector (300 MB as RGB), still answered
    Case("png-10000x10000-zeros", "black.png", lambda: bomb_png(10_000), "DONE_NO_CAT"),
    # damaged data: whatever the detector makes of it, a terminal answer a person understands
    Case("truncated-jpeg", "cut.jpg", truncated_jpeg, "DONE_OR_REJECTED", ("damaged",)),
    Case("png-bad-ihdr-crc", "bad-crc-header.png", png_bad_ihdr_crc, "DONE_OR_REJECTED", ("damaged",)),
    Case("png-bad-idat-crc", "bad-crc-data.png", png_bad_idat_crc, "DONE_OR_REJECTED", ("damaged",)),
    # valid but odd images of a cat: a cat
    Case("cmyk-jpeg", "cmyk.jpg", cmyk_jpeg, "DONE_CAT"),
    Case("16-bit-rgb-png", "deep.png", rgb16_png, "DONE_CAT"),
    Case("16-bit-grey-png", "deep-grey.png", grey16_png, "DONE_CAT"),
    Case("png-alpha", "alpha.png", rgba_png, "DONE_CAT"),
    Case("exif-orientation-6", "portrait.jpg", exif_rotated_jpeg, "DONE_CAT"),
    Case("wrong-extension", "chelsea.gif", chelsea_png, "DONE_CAT"),
    # file names S3 keys and event encodings get wrong
    Case("name-spaces", "my cat  photo (1).png", chelsea_png, "DONE_CAT"),
    Case("name-plus", "cat+dog+1.png", chelsea_png, "DONE_CAT"),
    Case("name-percent", "100% cat %2B %41.png", chelsea_png, "DONE_CAT"),
    Case("name-unicode", "chat café 猫 😺.png", chelsea_png, "DONE_CAT"),
    Case("name-200-chars", LONG_NAME, chelsea_png, "DONE_CAT"),
    Case("name-symbols", "cat&dog=1;#2?[x]~'!@$,.png", chelsea_png, "DONE_CAT"),
]

"""Image checks and decoding with Rekognition's rules (JPEG/PNG, 80..10000 px a side).

The dimensions are read from the header (PIL opens lazily) and checked *before* any pixel is
decoded, so a small file that claims a huge image (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageTooLargeError, InvalidImageFormatError, InvalidParameterError

MAX_BYTES = 5 * 1024 * 1024  # Image.Bytes
MAX_S3_BYTES = 15 * 1024 * 1024  # Image.S3Object
MIN_SIDE = 80
MAX_SIDE = 10_000

# Never let PIL decode more than Rekognition's largest legal image; PIL raises
# DecompressionBombError at open() above twice this, which we turn into InvalidParameter.
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sniff_format(data: bytes) -> str | None:
    """'JPEG', 'PNG' or None, from the magic bytes."""
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    return None


def check_size(data: bytes, limit: int = MAX_BYTES) -> None:
    if len(data) > limit:
        raise ImageTooLargeError(
            f"Image size {len(data)} bytes exceeds the maximum of {limit} bytes"
        )


def _dimension_error(width: int | None = None, height: int | None = None) -> InvalidParameterError:
    if width is None or height is None:
        return InvalidParameterError(
            f"Image dimensions exceed the maximum of {MAX_SIDE} pixels per side"
        )
    return InvalidParameterError(
        f"Image dimensions {width}x{height} are outside the allowed range: "
        f"each side must be between {MIN_SIDE} and {MAX_SIDE} pixels"
    )


def _check_dimensions(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise _dimension_error(width, height)


def open_image(data: bytes) -> Image.Image:
    """Opens (without decoding) a JPEG/PNG and checks its dimensions from the header."""
    fmt = sniff_format(data)
    if fmt is None:
        raise InvalidImageFormatError("Request has unsupported image format: only JPEG and PNG are supported")
    if fmt == "PNG" and len(data) >= 24 and data[12:16] == b"IHDR":
        # the PNG size sits at a fixed offset: refuse before PIL even parses the file
        _check_dimensions(int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _dimension_error() from None
    except UnidentifiedImageError:
        # PIL's message carries the repr of our BytesIO ("<_io.BytesIO object at 0x...>"), which would end
        # up in the reason shown to the user: say what Rekognition says instead.
        raise InvalidImageFormatError("Request has invalid image format") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImageFormatError(f"Request has invalid image format: {exc}") from None
    try:
        _check_dimensions(*image.size)
    except InvalidParameterError:
        image.close()
        raise
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I", "F") or mode.startswith("I;16"):
        arr = np.asarray(image, dtype=np.float32)
        if mode != "F" and arr.size and float(arr.max()) > 255.0:
            arr = arr / 257.0  # 16-bit samples
        arr = np.clip(arr, 0.0, 255.0).astype(np.uint8)
        return Image.fromarray(arr, mode="L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in image.info
    ) or (mode in ("L", "RGB") and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def decode_rgb(image: Image.Image, min_side: int | None = None) -> Image.Image:
    """Decodes an image from :func:`open_image`: EXIF orientation applied, RGB, 8-bit.

    ``min_side``: for JPEG, let the decoder downscale (DCT scaling) as long as the shorter
    side stays at least this large; much faster for big photos.
    """
    try:
        if min_side and image.format == "JPEG":
            width, height = image.size
            scale = min_side / min(width, height)
            if scale < 1:
                image.draft("RGB", (max(1, int(width * scale + 0.5)), max(1, int(height * scale + 0.5))))
        image.load()
        oriented = ImageOps.exif_transpose(image)
        return _to_rgb(oriented)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _dimension_error() from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImageFormatError(f"Request has invalid image format: {exc}") from None


def load_image(data: bytes, limit: int = MAX_BYTES, min_side: int | None = None) -> Image.Image:
    """All the checks, then the decode: bytes -> RGB image."""
    check_size(data, limit)
    return decode_rgb(open_image(data), min_side=min_side)

"""Image checks and decoding with Rekognition's rules (JPEG/PNG, 80..10000 px a side).

The dimensions are read from the header (PIL opens lazily) and checked *before* any pixel is
decoded, so a small file that claims a huge image (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import io
import math

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

# PNGs with more pixels than this are decoded shrunk by libvips (below): Pillow would hold the whole
# image (4 bytes a pixel: 400 MB for 10000x10000) and has no reduced decode for PNG.
LARGE_PNG_PIXELS = 4096 * 2048

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
        raise ImageTooLargeError(f"Image size {len(data)} bytes exceeds the maximum of {limit} bytes")


def _dimension_error(width: int | None = None, height: int | None = None) -> InvalidParameterError:
    if width is None or height is None:
        return InvalidParameterError(f"Image dimensions exceed the maximum of {MAX_SIDE} pixels per side")
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
    has_alpha = (
        mode in ("RGBA", "LA", "PA", "RGBa", "La")
        or (mode == "P" and "transparency" in image.info)
        or (mode in ("L", "RGB") and "transparency" in image.info)
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _decode_png_shrunk(data: bytes, size: tuple[int, int], min_side: int) -> Image.Image:
    """A large PNG decoded straight to a shorter side of about ``min_side`` px with bounded memory.

    libvips (pyvips) streams the rows through its shrink, so the full-size image never exists in
    memory; writing that by hand would mean our own PNG decoder.
    """
    import pyvips

    pyvips.cache_set_max(0)  # keep no decoded buffers between calls
    width, height = size
    scale = min_side / min(width, height)
    try:
        image = pyvips.Image.thumbnail_buffer(
            data,
            math.ceil(width * scale),
            height=math.ceil(height * scale),
            size="down",
            option_string="fail_on=error",  # a damaged PNG is an error, as with Pillow, not a half image
        )
        if image.hasalpha():
            image = image.flatten(background=[255.0])  # as _to_rgb: transparency over white
        if image.interpretation != "srgb":
            image = image.colourspace("srgb")  # grey, 16-bit, ... -> 8-bit sRGB
        if image.format != "uchar":
            image = image.cast("uchar")
        if image.bands == 4:
            image = image.extract_band(0, n=3)
        pixels = np.ndarray(
            buffer=image.write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, image.bands)
        )
    except pyvips.Error as exc:
        raise InvalidImageFormatError(f"Request has invalid image format: {str(exc).strip()[:200]}") from None
    return Image.fromarray(pixels, mode="RGB")


def decode_rgb(image: Image.Image, min_side: int | None = None, data: bytes | None = None) -> Image.Image:
    """Decodes an image from :func:`open_image`: EXIF orientation applied, RGB, 8-bit.

    ``min_side``: decode large images at reduced size as long as the shorter side stays at least
    this large: JPEG by the decoder's DCT scaling (Pillow's draft mode), a PNG of more than
    :data:`LARGE_PNG_PIXELS` through libvips (``data``: its bytes). Faster and bounded in memory.
    """
    width, height = image.size
    if min_side and data is not None and image.format == "PNG" and width * height > LARGE_PNG_PIXELS:
        image.close()
        return _decode_png_shrunk(data, (width, height), min_side)
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
    return decode_rgb(open_image(data), min_side=min_side, data=data)

"""Test images: real photos that ship inside the scikit-image wheel, and generated bad input."""

from __future__ import annotations

import io
from pathlib import Path

import skimage.data
from PIL import Image

SKIMAGE_DATA = Path(skimage.data.__file__).parent


def photo(name: str) -> Path:
    """chelsea.png is a cat; astronaut.png, coffee.png and rocket.jpg are not."""
    return SKIMAGE_DATA / name


def png_bytes(width: int, height: int, color=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_of(path: Path, max_side: int | None = None, quality: int = 90) -> bytes:
    image = Image.open(path).convert("RGB")
    if max_side:
        image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()

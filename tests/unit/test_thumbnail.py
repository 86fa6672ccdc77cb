"""functions/scan_image/thumbnail.py: size, orientation, transparency, and the decode bound for PNG."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from scan_image import thumbnail
from tests.support.images import photo


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def test_a_large_jpeg_becomes_a_small_jpeg_with_its_aspect():
    source = Image.open(photo("chelsea.png")).convert("RGB").resize((3000, 2000))
    data = encode(source, "JPEG", quality=90)
    result = Image.open(io.BytesIO(thumbnail.render(data, 3000, 2000)))
    assert result.format == "JPEG" and result.size == (320, 213)


def test_exif_orientation_is_applied():
    landscape = Image.new("RGB", (400, 200), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": a camera held upright
    data = encode(landscape, "JPEG", exif=exif.tobytes())
    result = Image.open(io.BytesIO(thumbnail.render(data, 400, 200)))
    assert result.size == (160, 320)


def test_a_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    result = Image.open(io.BytesIO(thumbnail.render(encode(image, "PNG"), 200, 100))).convert("RGB")
    assert result.size == (200, 100)  # never enlarged
    assert result.getpixel((5, 5)) == (255, 255, 255)


def test_a_16_bit_grayscale_png_keeps_its_tones():
    """A 16-bit PNG ("I;16"): Pillow's own conversion to 8 bits clips it to white."""
    gray = Image.open(photo("chelsea.png")).convert("L")
    sixteen = Image.frombytes("I;16", gray.size, bytes(b for v in gray.tobytes() for b in (v, v)))  # v * 257
    result = Image.open(io.BytesIO(thumbnail.render(encode(sixteen, "PNG"), *gray.size))).convert("L")
    expected = gray.resize(result.size)
    assert abs(ImageStat.Stat(result).mean[0] - ImageStat.Stat(expected).mean[0]) < 3
    low, high = result.getextrema()
    assert high - low > 100  # a picture, not a white box


def test_a_png_too_large_to_decode_gets_none_before_decoding():
    small = encode(Image.new("RGB", (100, 100), "blue"), "PNG")
    with pytest.raises(thumbnail.NoThumbnail, match="must be decoded whole"):
        thumbnail.render(small, 10_000, 9_000)  # the header's dimensions decide, nothing is decoded


def test_small_images_are_not_enlarged_and_keys_follow_the_contract():
    result = Image.open(io.BytesIO(thumbnail.render(encode(Image.new("RGB", (120, 90)), "PNG"), 120, 90)))
    assert result.size == (120, 90)
    assert thumbnail.thumbnail_key("us-east-1:abc", "s-1") == "thumbnails/us-east-1:abc/s-1.jpg"

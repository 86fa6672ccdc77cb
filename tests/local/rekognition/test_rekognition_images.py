"""images.py: Rekognition's image rules, decoding of odd modes, EXIF orientation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from catscan.local.rekognition import images
from catscan.local.rekognition.errors import (
    ImageTooLargeError,
    InvalidImageFormatError,
    InvalidParameterError,
)


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose SOF0 header is patched to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (100, 100), "red"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_sniff_format() -> None:
    assert images.sniff_format(encode(Image.new("RGB", (1, 1)), "PNG")) == "PNG"
    assert images.sniff_format(encode(Image.new("RGB", (1, 1)), "JPEG")) == "JPEG"
    assert images.sniff_format(encode(Image.new("RGB", (1, 1)), "GIF")) is None
    assert images.sniff_format(encode(Image.new("RGB", (1, 1)), "WEBP")) is None
    assert images.sniff_format(b"") is None


def test_size_limit() -> None:
    images.check_size(b"x" * images.MAX_BYTES)
    with pytest.raises(ImageTooLargeError):
        images.check_size(b"x" * (images.MAX_BYTES + 1))
    images.check_size(b"x" * (images.MAX_BYTES + 1), images.MAX_S3_BYTES)


def test_jpeg_bomb_refused_from_the_header() -> None:
    with pytest.raises(InvalidParameterError, match="10000"):
        images.open_image(jpeg_claiming(30000, 30000))


@pytest.mark.parametrize("size", [(12000, 100), (100, 12000), (79, 100), (100, 60)])
def test_jpeg_dimensions_checked_before_decoding(size) -> None:
    with pytest.raises(InvalidParameterError):
        images.open_image(jpeg_claiming(*size))


def test_jpeg_within_limits_opens_lazily() -> None:
    image = images.open_image(jpeg_claiming(9000, 80))
    assert image.size == (9000, 80)
    assert image.tile  # still lazy: tiles are cleared once decoded


def test_rgba_composited_on_white() -> None:
    image = Image.new("RGBA", (100, 100), (255, 0, 0, 0))  # fully transparent red
    rgb = images.load_image(encode(image))
    assert rgb.mode == "RGB" and rgb.getpixel((50, 50)) == (255, 255, 255)


def test_la_and_palette_with_transparency() -> None:
    la = Image.new("LA", (100, 100), (0, 255))
    assert images.load_image(encode(la)).getpixel((0, 0)) == (0, 0, 0)
    p = Image.new("P", (100, 100), 0)
    p.putpalette([0, 0, 255] * 256)
    data = encode(p, transparency=0)
    assert images.load_image(data).getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_grayscale_scaled_to_8_bit() -> None:
    arr = np.full((100, 100), 65535, dtype=np.uint16)
    arr[:, :50] = 32896  # ~ mid grey
    data = encode(Image.fromarray(arr))
    rgb = images.load_image(data)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((99, 0)) == (255, 255, 255)
    assert rgb.getpixel((0, 0)) == (128, 128, 128)


def test_cmyk_jpeg() -> None:
    data = encode(Image.new("CMYK", (100, 100), (0, 255, 255, 0)), "JPEG", quality=95)  # red
    r, g, b = images.load_image(data).getpixel((50, 50))
    assert r > 200 and g < 60 and b < 60


def test_grayscale_and_bilevel() -> None:
    assert images.load_image(encode(Image.new("L", (100, 100), 200))).getpixel((1, 1)) == (200, 200, 200)
    assert images.load_image(encode(Image.new("1", (100, 100), 1))).getpixel((1, 1)) == (255, 255, 255)


def test_exif_orientation_applied() -> None:
    image = Image.new("RGB", (200, 100), "blue")
    image.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    data = encode(image, "JPEG", exif=exif.tobytes(), quality=95)
    rgb = images.load_image(data)
    assert rgb.size == (100, 200)
    r, _, b = rgb.getpixel((50, 20))  # the left (red) half is now on top
    assert r > 200 and b < 60


def test_jpeg_draft_decodes_big_photos_small() -> None:
    data = encode(Image.new("RGB", (4000, 3000), "green"), "JPEG")
    image = images.decode_rgb(images.open_image(data), min_side=256)
    assert min(image.size) >= 256 and image.size[0] <= 1000


def test_truncated_png() -> None:
    data = encode(Image.effect_noise((300, 300), 64).convert("RGB"))
    with pytest.raises(InvalidImageFormatError):
        images.load_image(data[: len(data) // 2])


# -- large PNGs: decoded shrunk by libvips ---------------------------------------------------------

BIG = (4200, 2100)  # 8.8 MP: over images.LARGE_PNG_PIXELS


def test_large_png_is_decoded_shrunk_with_the_same_colours() -> None:
    image = Image.new("RGB", BIG, (200, 30, 40))
    image.paste((10, 220, 90), (0, 0, BIG[0] // 2, BIG[1]))
    decoded = images.decode_rgb(images.open_image(data := encode(image)), min_side=256, data=data)
    assert decoded.mode == "RGB"
    assert min(decoded.size) >= 256 and min(decoded.size) <= 260
    assert decoded.size[0] / decoded.size[1] == pytest.approx(2.0, rel=0.01)
    pixels = np.asarray(decoded).astype(int)
    assert np.abs(pixels[10, 10] - (10, 220, 90)).max() <= 2
    assert np.abs(pixels[10, -10] - (200, 30, 40)).max() <= 2


def test_large_png_transparency_is_white_and_16_bit_grey_is_8_bit() -> None:
    rgba = Image.new("RGBA", BIG, (0, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 100, BIG[1]))
    decoded = images.decode_rgb(images.open_image(data := encode(rgba)), min_side=256, data=data)
    assert np.asarray(decoded)[128, -5].tolist() == [255, 255, 255]  # transparent -> white, as small PNGs
    grey = Image.fromarray(np.full(BIG[::-1], 40000, dtype=np.uint16))
    decoded = images.decode_rgb(images.open_image(data := encode(grey)), min_side=256, data=data)
    assert decoded.mode == "RGB"
    assert abs(int(np.asarray(decoded)[5, 5, 0]) - 40000 // 257) <= 2


def test_damaged_large_png_is_invalid_image_format() -> None:
    data = encode(Image.effect_noise(BIG, 64).convert("RGB"))
    with pytest.raises(InvalidImageFormatError):
        images.decode_rgb(
            images.open_image(data[: len(data) // 2]), min_side=256, data=data[: len(data) // 2]
        )


def test_largest_legal_png_is_a_cat_with_a_box(detector, photo) -> None:
    cat = (
        Image.open(io.BytesIO(photo("chelsea.png")))
        .convert("RGB")
        .resize((10_000, 10_000), Image.Resampling.NEAREST)
    )
    data = encode(cat, compress_level=1)
    del cat
    analysis = detector.analyse_bytes(data)
    assert analysis.probs[281:286].sum() > 0.5
    assert len(analysis.cat_boxes) == 1

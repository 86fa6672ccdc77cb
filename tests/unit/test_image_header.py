import io
import struct
import zlib

import pytest

from scan_image import file_format, image_header


def png_header(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


def jpeg_with_big_exif(width, height, exif_size=60000):
    app1 = b"\xff\xe1" + struct.pack(">H", exif_size + 2) + b"Exif\x00\x00" + b"\x00" * (exif_size - 6)
    sof = (
        b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    return b"\xff\xd8" + app1 + sof + b"\xff\xd9"


@pytest.mark.parametrize(
    "data,expected",
    [
        (png_header(1, 1), "png"),
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"GIF89a....", None),
        (b"hello world", None),
        (b"", None),
    ],
)
def test_sniff_format(data, expected):
    assert file_format.sniff_format(data) == expected


@pytest.mark.parametrize(
    "data,name",
    [
        (b"GIF89a\x01\x00", "GIF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"<!DOCTYPE html><html></html>", "HTML document"),
        (b"just some notes\n", "text file"),
        ("caf\u00e9".encode()[:-1], "text file"),
        (b"\x00\x01\x02\xfe", "file of an unknown type"),
        (b"%PDF-1.7", "PDF"),
        (b"GIF87a", "GIF"),
        (b"BM\0\0", "BMP"),
        (b"II*\x00", "TIFF"),
        (b"MM\x00*", "TIFF"),
        (b"\0\0\0\x18ftypheic", "HEIC"),
        (b"\0\0\0\x18ftypavif", "AVIF"),
        (b"PK\x03\x04", "ZIP archive"),
        (b"\x00\x00\x01\x00", "ICO"),
        (b"<?xml version='1.0'?><a/>", "XML document"),
    ],
)
def test_describe_format_names_what_was_uploaded(data, name):
    assert file_format.describe_format(data) == name
    assert name in file_format.rejection_for_format(data)


def test_png_dimensions_from_header_only():
    # A 30000x30000 "bomb": only the 33-byte header exists, nothing is decoded.
    assert image_header.read_dimensions(io.BytesIO(png_header(30000, 30000))) == (30000, 30000)


def test_jpeg_dimensions_after_large_exif_segment():
    assert image_header.read_dimensions(io.BytesIO(jpeg_with_big_exif(640, 480))) == (640, 480)


def test_truncated_header_is_unreadable():
    with pytest.raises(image_header.UnreadableHeader):
        image_header.read_dimensions(io.BytesIO(b"\xff\xd8\xff\xe0\x00\x10JFIF"))

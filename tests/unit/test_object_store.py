"""The scanner's S3 reads: a small image is read whole by its first GET (so its thumbnail needs no second
GET), a large one only as far as its header."""

from __future__ import annotations

import io
import random
import re
from typing import Any

from PIL import Image

from scan_image.deadline import Deadline
from scan_image.object_store import WHOLE_READ_BYTES, ObjectStore, RangedReader
from scan_image.thumbnail import ThumbnailWriter
from tests.support.images import png_bytes as png


class FakeS3:
    """In-memory S3 GetObject with byte ranges (S3's ContentRange answer), recording each request."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.requests: list[dict[str, Any]] = []
        self.puts: list[dict[str, Any]] = []

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        data = self.objects[kwargs["Key"]]
        if "Range" not in kwargs:
            return {"Body": io.BytesIO(data), "ContentLength": len(data)}
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", kwargs["Range"])
        assert match, kwargs["Range"]
        start, end = int(match[1]), min(int(match[2]), len(data) - 1)
        return {
            "Body": io.BytesIO(data[start : end + 1]),
            "ContentRange": f"bytes {start}-{end}/{len(data)}",
            "ContentType": "image/png",
        }

    def put_object(self, **kwargs: Any) -> None:
        self.puts.append(kwargs)


def deadline() -> Deadline:
    return Deadline(lambda: 30_000, reserve_seconds=1)


def noise_png(width: int, height: int) -> bytes:
    """A PNG that hardly compresses: ~3 bytes a pixel on disk."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def test_a_small_image_is_read_whole_by_one_get_and_its_thumbnail_needs_no_other() -> None:
    image = noise_png(400, 300)
    assert RangedReader.BLOCK < len(image) <= WHOLE_READ_BYTES
    s3 = FakeS3({"k": image})
    store = ObjectStore(s3, attempt_seconds=1)
    info, reader = store.open("b", "k", None, deadline(), size_hint=len(image))
    assert info.size_bytes == len(image)
    assert reader.whole() == image
    whole_blocks = -(-len(image) // RangedReader.BLOCK) * RangedReader.BLOCK
    assert s3.requests == [{"Bucket": "b", "Key": "k", "Range": f"bytes=0-{whole_blocks - 1}"}]

    ThumbnailWriter(store.get_object, s3.put_object).write(
        "b", "k", None, "id", "scan", 400, 300, deadline(), reader.whole()
    )
    assert len(s3.requests) == 1 and len(s3.puts) == 1


def test_a_large_image_is_read_only_as_far_as_its_header() -> None:
    image = png(40, 30) + b"\0" * (WHOLE_READ_BYTES + 1)  # a PNG with trailing bytes: past the limit
    s3 = FakeS3({"k": image})
    info, reader = ObjectStore(s3, attempt_seconds=1).open("b", "k", None, deadline(), size_hint=len(image))
    assert info.size_bytes == len(image)
    assert reader.read(24)[:8] == b"\x89PNG\r\n\x1a\n"
    assert reader.bytes_fetched == RangedReader.BLOCK
    assert reader.whole() is None
    assert s3.requests[0]["Range"] == f"bytes=0-{RangedReader.BLOCK - 1}"


def test_without_a_size_or_with_a_stale_one_the_object_is_read_by_blocks() -> None:
    image = bytes(range(256)) * 1024  # 256 KiB
    for hint in (None, 100, 100_000):  # no size in the event; events older than an overwrite
        s3 = FakeS3({"k": image})
        info, reader = ObjectStore(s3, attempt_seconds=1).open("b", "k", None, deadline(), size_hint=hint)
        assert info.size_bytes == len(image)
        assert reader.whole() is None  # the first GET read one or two blocks of four
        assert reader.read() == image  # the rest by blocks, and then the whole is known
        assert reader.whole() == image
        first = 2 if hint == 100_000 else 1  # the hint rounded up to whole blocks
        block = RangedReader.BLOCK
        assert [r["Range"] for r in s3.requests] == [
            f"bytes=0-{first * block - 1}",
            *(f"bytes={i * block}-{(i + 1) * block - 1}" for i in range(first, 4)),
        ]


def test_a_whole_read_spanning_several_blocks_serves_reads_at_any_offset() -> None:
    image = bytes(range(251)) * 1000  # 251,000 bytes: four blocks, the last one partial
    s3 = FakeS3({"k": image})
    _, reader = ObjectStore(s3, attempt_seconds=1).open("b", "k", None, deadline(), size_hint=len(image))
    reader.seek(RangedReader.BLOCK * 3 - 5)
    assert reader.read(10) == image[RangedReader.BLOCK * 3 - 5 : RangedReader.BLOCK * 3 + 5]
    reader.seek(-3, io.SEEK_END)
    assert reader.read() == image[-3:]
    assert len(s3.requests) == 1

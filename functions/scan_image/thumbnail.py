"""A small JPEG of a DONE scan (long side THUMB_SIDE px) for the UI's cards and Admin rows.

Written after the verdict was pushed, so it never delays it, and any failure only means no thumbnail (the
UI shows a placeholder). Key: thumbnails/{identityId}/{scanId}.jpg (amplify/storage/resource.ts lets that
identity and the Admin group read it, and the owner delete it with the scan).

Memory stays bounded whatever the upload: a JPEG is decoded in draft mode (libjpeg scales it by 1/2..1/8
while decoding, to the smallest scale that still covers the thumbnail, so a 12000x8000 photo never becomes
a 288 MB bitmap); a PNG has no such mode and must be
decoded whole, so one above MAX_DECODE_PIXELS gets no thumbnail. EXIF orientation is applied, as browsers do
when they show the original.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

THUMB_SIDE = 320
JPEG_QUALITY = 80
# Bytes of a full decode stay below ~100 MB (RGBA): far inside the function's memory with the rest of it.
MAX_DECODE_PIXELS = 24_000_000
PREFIX = "thumbnails/"


def thumbnail_key(identity_id: str, scan_id: str) -> str:
    return f"{PREFIX}{identity_id}/{scan_id}.jpg"


class NoThumbnail(Exception):
    """This image gets no thumbnail (too large to decode within the memory bound, or undecodable)."""


def _fitted(width: int, height: int, side: int) -> tuple[int, int]:
    """The size of a width x height image scaled to fit side x side (at least 1x1)."""
    scale = side / max(width, height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def render(data: bytes, width: int, height: int, side: int = THUMB_SIDE) -> bytes:
    """JPEG bytes of the image scaled to fit side x side. `width`/`height`: the header's dimensions,
    checked before anything is decoded."""
    with warnings.catch_warnings():
        # The header's dimensions were checked before (and a PNG above MAX_DECODE_PIXELS is refused below), so
        # Pillow's own decompression-bomb warning for a legal 10000x10000 image is only noise in the logs.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return _render(data, width, height, side)


def _render(data: bytes, width: int, height: int, side: int) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG":
            # Decode at the smallest 1/2^n scale that still covers the thumbnail: libjpeg's DCT scaling
            # is itself a clean downsample, so memory stays ~ side^2 and the resize below has less to
            # filter (the resize was most of a thumbnail's CPU when the decode was 2x larger).
            image.draft("RGB", _fitted(width, height, side))
        elif width * height > MAX_DECODE_PIXELS:
            raise NoThumbnail(
                f"a {width}x{height} {image.format} must be decoded whole: "
                f"more than {MAX_DECODE_PIXELS:,} pixels"
            )
        image.load()
        decoded: Image.Image = image
        if image.mode.startswith("I"):
            # 16-bit grayscale (a PNG's "I;16"): Pillow's conversion to 8 bits clips (all white); scale instead.
            decoded = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
        oriented = ImageOps.exif_transpose(decoded)
        oriented.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
        if oriented.mode not in ("RGB", "L"):
            # Transparent pixels on white, as the cards' background shows them.
            background = Image.new("RGB", oriented.size, "white")
            rgba = oriented.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            oriented = background
        out = io.BytesIO()
        # Baseline, not progressive: at ~15 KB a progressive scan shows nothing sooner, and costs ~4x the
        # encode time; optimize (Huffman tables fitted to the image) is cheap and ~3% smaller.
        oriented.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue()


@dataclass
class ThumbnailWriter:
    """Reads the original through the scanner's S3 client, writes the thumbnail next to the uploads."""

    get_object: Callable[..., dict[str, Any]]  # ObjectStore.get_object(deadline, **kwargs)
    put_object: Callable[..., Any]  # the S3 client's put_object

    def write(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        identity_id: str,
        scan_id: str,
        width: int,
        height: int,
        deadline: Any,
        data: bytes | None = None,
    ) -> str:
        """`data`: the original's bytes if the scan already holds them (a small image); else read here."""
        if data is None:
            extra = {"VersionId": version_id} if version_id else {}
            data = self.get_object(deadline, Bucket=bucket, Key=key, **extra)["Body"]
        try:
            jpeg = render(data, width, height)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:  # undecodable after all
            raise NoThumbnail(f"{type(exc).__name__}: {exc}") from exc
        target = thumbnail_key(identity_id, scan_id)
        self.put_object(
            Bucket=bucket,
            Key=target,
            Body=jpeg,
            ContentType="image/jpeg",
            CacheControl="private, max-age=31536000, immutable",
        )
        return target

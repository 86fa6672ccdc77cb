"""Thumbnails and the uploader's e-mail, written by the scanner through the real local cloud."""

from __future__ import annotations

import io
import time

from PIL import Image

from catscan.client.api import ScanApi
from catscan.local.seed import DEMO_USERS
from tests.support.images import photo, png_bytes
from tests.support.scanning import run, scan_file


def wait_for_thumbnail(session, scan_id: str, timeout: float = 20.0) -> dict:
    async def read() -> dict:
        async with ScanApi(session) as api:
            return await api.get_scan(scan_id)

    deadline = time.monotonic() + timeout
    while True:
        scan = run(read())
        if scan.get("thumbnailKey") or time.monotonic() > deadline:
            return scan
        time.sleep(0.2)


def test_a_done_scan_gets_a_small_jpeg_thumbnail_after_its_verdict(demo, admin, outputs):
    final, own, _ = run(scan_file(demo, photo("chelsea.png")))
    assert final["status"] == "DONE"
    assert final["ownerEmail"] == DEMO_USERS[0][0]  # from Cognito, never from the client
    processing = [e for e in own.events if e["id"] == final["id"] and e["status"] == "PROCESSING"]
    assert processing and processing[0]["ownerEmail"] == DEMO_USERS[0][0]  # named from the first update on
    scan = wait_for_thumbnail(demo, final["id"])
    identity_id, _ = demo.identity()
    assert scan["thumbnailKey"] == f"thumbnails/{identity_id}/{final['id']}.jpg"
    # the verdict was pushed first; the thumbnail's key came with a later update
    verdict_events = [e for e in own.events if e["id"] == final["id"] and e["status"] == "DONE"]
    assert verdict_events and verdict_events[0].get("thumbnailKey") is None

    body = demo.s3().get_object(Bucket=outputs.bucket, Key=scan["thumbnailKey"])["Body"].read()
    image = Image.open(io.BytesIO(body))
    assert image.format == "JPEG" and max(image.size) == 320 and len(body) < 60_000
    original = photo("chelsea.png").stat().st_size
    assert len(body) * 5 < original
    # an Admin reads every user's thumbnails (the admin table's rows)
    assert admin.s3().get_object(Bucket=outputs.bucket, Key=scan["thumbnailKey"])["Body"].read() == body


def test_rejected_scans_get_no_thumbnail(demo, tmp_image):
    final, _, _ = run(scan_file(demo, tmp_image("tiny.png", png_bytes(60, 60))))
    assert final["status"] == "REJECTED"
    time.sleep(1.0)  # a thumbnail would follow the verdict within this
    assert wait_for_thumbnail(demo, final["id"], timeout=0).get("thumbnailKey") is None

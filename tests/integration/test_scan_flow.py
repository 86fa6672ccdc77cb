"""The whole product flow on the local cloud, through real clients only (boto3, gql HTTP + WebSocket)."""

from __future__ import annotations

import json
import uuid

import pytest
from gql.transport.exceptions import TransportQueryError

from catscan.client.api import ScanApi
from tests.support.images import photo, png_bytes
from tests.support.scanning import run, scan_file


def test_a_cat_photo_is_pushed_as_a_cat(demo):
    final, own, _ = run(scan_file(demo, photo("chelsea.png")))
    assert final["status"] == "DONE" and final["isCat"] is True
    assert final["confidence"] >= 30
    assert final["owner"] == demo.owner
    assert final["fileName"] == "chelsea.png"
    [box] = final["catBoxes"]  # from the local detector's class activation map: on the cat's face
    assert (
        0.15 <= box["left"] <= 0.35
        and 0.05 <= box["top"] <= 0.25
        and box["width"] >= 0.3
        and box["height"] >= 0.5
    )
    assert box["confidence"] == pytest.approx(final["confidence"], abs=0.01)
    statuses = [e["status"] for e in own.events if e["id"] == final["id"]]
    assert statuses[-1] == "DONE" and "PENDING" not in statuses


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "rocket.jpg"])
def test_photos_without_a_cat_are_pushed_as_no_cat(demo, name):
    final, _, _ = run(scan_file(demo, photo(name)))
    assert final["status"] == "DONE" and final["isCat"] is False
    assert final["confidence"] < 30
    assert not final["catBoxes"]


def test_debug_is_admin_only(demo, admin):
    final, _, _ = run(scan_file(demo, photo("chelsea.png")))

    async def read():
        async with ScanApi(admin) as api:
            as_admin = await api.get_scan(final["id"], debug=True)
        async with ScanApi(demo) as api:
            with pytest.raises(TransportQueryError) as refused:
                await api.get_scan(final["id"], debug=True)
        return as_admin, refused.value

    as_admin, refused = run(read())
    debug = json.loads(as_admin["debug"])
    assert debug["thresholds"]["targetLabel"] == "Cat"
    assert any(label["Name"] == "Cat" for label in debug["detector"]["labels"])
    assert debug["detector"]["modelVersion"]
    assert debug["timingsMs"]["detect"] > 0 and debug["timingsMs"]["total"] >= debug["timingsMs"]["detect"]
    # The invocation's own request id (a UUID, as Lambda's), not the S3 request's the logs correlate on.
    assert (
        uuid.UUID(debug["requestIds"]["lambda"])
        and debug["requestIds"]["lambda"] != debug["requestIds"]["s3"]
    )
    # The owner gets the scan with debug null and an Unauthorized error for that field only.
    assert refused.data["getScan"]["id"] == final["id"] and refused.data["getScan"]["debug"] is None
    assert refused.errors[0]["errorType"] == "Unauthorized"


def test_other_users_see_nothing_of_mine(demo, other, admin):
    final, _, (seen_by_other, seen_by_admin) = run(
        scan_file(demo, photo("coffee.png"), observers=[other, admin])
    )
    assert all(e["id"] != final["id"] for e in seen_by_other.events)
    assert any(e["id"] == final["id"] and e["status"] == "DONE" for e in seen_by_admin.events)

    async def read():
        async with ScanApi(other) as api:
            listed = await api.list_scans()
            with pytest.raises(TransportQueryError) as refused:
                await api.get_scan(final["id"])
            with pytest.raises(TransportQueryError) as not_deleted:
                await api.delete_scan(final["id"])
        async with ScanApi(admin) as api:
            all_scans = await api.list_scans()
        return listed, refused.value, not_deleted.value, all_scans

    listed, refused, not_deleted, all_scans = run(read())
    assert all(s["owner"] != demo.owner for s in listed)
    assert refused.errors[0]["errorType"] == "Unauthorized"
    assert not_deleted.errors[0]["errorType"] == "Unauthorized"
    assert any(s["id"] == final["id"] for s in all_scans)


def test_owner_cannot_write_the_verdict(demo):
    async def attempt():
        async with ScanApi(demo) as api:
            with pytest.raises(TransportQueryError) as refused:
                await api.execute(
                    "mutation($i: UpdateScanInput!) { updateScan(input: $i) { id } }",
                    {"i": {"id": "anything", "isCat": True}},
                )
        return refused.value

    assert run(attempt()).errors[0]["errorType"] == "Unauthorized"


def test_text_named_jpg_is_rejected_with_a_reason(demo, tmp_image):
    final, _, _ = run(scan_file(demo, tmp_image("notes.jpg", b"these are my shopping notes\n" * 20)))
    assert final["status"] == "REJECTED"
    assert "text file" in final["reason"] and "JPEG or PNG" in final["reason"]


def test_tiny_png_is_rejected(demo, tmp_image):
    final, _, _ = run(scan_file(demo, tmp_image("tiny.png", png_bytes(60, 60))))
    assert final["status"] == "REJECTED" and "60x60" in final["reason"]


def test_16_mb_object_is_rejected_without_detection(demo, tmp_image):
    data = png_bytes(100, 100) + b"\0" * (16 * 1024 * 1024)
    final, _, _ = run(scan_file(demo, tmp_image("huge.png", data)))
    assert final["status"] == "REJECTED" and "16.0 MB" in final["reason"]


def test_deleted_scan_is_gone_for_its_owner(demo):
    final, _, _ = run(scan_file(demo, photo("rocket.jpg")))

    async def delete_and_list():
        async with ScanApi(demo) as api:
            deleted = await api.delete_scan(final["id"])
            return deleted, await api.list_scans()

    deleted, listed = run(delete_and_list())
    assert deleted["id"] == final["id"]
    assert all(s["id"] != final["id"] for s in listed)

"""The web UI at scale in a real browser: pages of the indexes, live scans on top, thumbnails instead of
originals, and the Admin's server-side filters with uploaders named by e-mail.

60 DONE scans (each with its own thumbnail) are written for one user straight into the local DynamoDB
table and S3, in the shape the API and the scanner leave them (benchmarks/bench_scale.py); what the page asks
the API for is read from the GraphQL requests it sends.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from benchmarks.bench_scale import _client, put_items, scan_item, thumbnail_bytes
from catscan.client.api import ScanApi
from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud
from catscan.local.seed import add_user
from scan_image import graphql_documents as documents
from tests.e2e.conftest import ADMIN, DEMO, Made, Screens, User, _in_thread, ensure_scans, sign_in

PAGES = User("pages@catscan.local", "Pages-user-1", False)
SEEDED = 60
PAGE = 24


@pytest.fixture(scope="module")
def seeded(ui_cloud: LocalCloud) -> tuple[UserSession, list[dict[str, Any]]]:
    """PAGES's scans, newest first."""
    add_user(ui_cloud.moto_url, ui_cloud.seeded.user_pool_id, PAGES.email, PAGES.password)
    session = UserSession.sign_in(load_outputs(ui_cloud.outputs_path), PAGES.email, PAGES.password)
    identity_id, _ = session.identity()
    now = datetime.now(UTC) - timedelta(hours=1)  # older than anything the tests create
    items = [
        scan_item(session.owner_key, identity_id, now - timedelta(minutes=i), PAGES.email, True)
        for i in range(SEEDED)
    ]
    put_items(ui_cloud, items)
    s3, body = _client(ui_cloud, "s3"), thumbnail_bytes()
    for item in items:
        s3.put_object(
            Bucket=ui_cloud.seeded.bucket, Key=item["thumbnailKey"], Body=body, ContentType="image/jpeg"
        )
    return session, items


class Traffic:
    """The GraphQL operations (name, variables) and image URLs a page requested."""

    def __init__(self, page: Page) -> None:
        self.operations: list[tuple[str, dict[str, Any]]] = []
        self.images: list[str] = []
        page.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        if request.resource_type == "image":
            self.images.append(request.url)
        elif request.method == "POST" and request.url.endswith("/graphql"):
            body = json.loads(request.post_data or "{}")
            name = re.search(r"(?:query|mutation)\s+(\w+)", body.get("query", ""))
            self.operations.append((name.group(1) if name else "?", body.get("variables") or {}))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [v for n, v in self.operations if n == name]


def card_ids(page: Page) -> list[str]:
    return page.get_by_test_id("scan-row").evaluate_all("rows => rows.map(r => r.dataset.scanId)")


def test_scrolling_loads_more_and_cards_load_thumbnails_not_originals(new_page, shot: Screens, seeded):
    session, items = seeded
    page = new_page()
    traffic = Traffic(page)
    sign_in(page, PAGES)
    cards = page.get_by_test_id("scan-row")
    expect(cards).to_have_count(PAGE)
    assert card_ids(page) == [i["id"] for i in items[:PAGE]]  # the newest first
    expect(page.get_by_test_id("scan-count")).to_have_text(f"Newest first: {PAGE} shown, more below")
    shot(page, "first page")
    # one page of the owner index, no listScans (no Scan of the table)
    assert traffic.named("ListScans") == []
    assert [(v["owner"], v["limit"], v["nextToken"]) for v in traffic.named("ScansByOwner")] == [
        (session.owner_key, PAGE, None)
    ]

    page.mouse.wheel(0, 20_000)  # scrolling near the end reads the next page
    expect(cards).to_have_count(2 * PAGE)
    page.mouse.wheel(0, 20_000)
    expect(cards).to_have_count(SEEDED)
    expect(page.get_by_test_id("load-more")).to_have_count(0)
    expect(page.get_by_test_id("scan-count")).to_have_text(f"{SEEDED} scans, {SEEDED} with a cat")
    assert card_ids(page) == [i["id"] for i in items]
    tokens = [v["nextToken"] for v in traffic.named("ScansByOwner")]
    assert len(tokens) == 3 and tokens[0] is None and all(tokens[1:])
    shot(page, "all pages")

    page.wait_for_load_state("networkidle")
    assert traffic.images and all("/thumbnails/" in url for url in traffic.images), traffic.images[:3]
    assert not [url for url in traffic.images if "/uploads/" in url]
    # the original only when a scan is opened
    first = items[0]
    # The dialog signs the original's URL first (storage credentials), so its request may come after
    # the network was idle once: wait up to 10 s for it.
    with page.expect_request(lambda r: "/uploads/" in r.url and first["id"] in r.url, timeout=10_000):
        page.locator(f'[data-testid=scan-row][data-scan-id="{first["id"]}"]').get_by_role(
            "button", name=re.compile("View .* larger")
        ).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert [url for url in traffic.images if "/uploads/" in url and first["id"] in url]


def test_a_new_scan_appears_at_the_top_while_older_pages_are_unread(new_page, shot: Screens, seeded):
    session, _items = seeded
    page = new_page()
    sign_in(page, PAGES)
    expect(page.get_by_test_id("scan-row")).to_have_count(PAGE)

    async def create() -> dict[str, Any]:  # another client of the same user (e.g. the CLI)
        async with ScanApi(session) as api:
            data = await api.execute(
                documents.CREATE_SCAN,
                {"input": {"imageKey": "uploads/elsewhere/x/new.jpg", "fileName": "new-elsewhere.jpg"}},
            )
            return data["createScan"]

    created = _in_thread(lambda: asyncio.run(create()))
    expect(page.get_by_test_id("scan-row").first).to_have_attribute("data-scan-id", created["id"])
    expect(page.get_by_test_id("scan-row")).to_have_count(PAGE + 1)  # older pages still unread
    expect(page.get_by_test_id("load-more")).to_be_visible()
    shot(page, "new scan on top")


def test_admin_filters_by_uploader_and_status_on_the_server_and_names_uploaders(
    new_page, shot: Screens, made: Made, seeded
):
    demo_ids = ensure_scans(new_page, DEMO, ["chelsea.png"], made)
    page = new_page()
    traffic = Traffic(page)
    sign_in(page, ADMIN, "/#/admin")
    view = page.get_by_test_id("admin-view")
    rows = view.get_by_test_id("admin-scan-row")
    demo_row = rows.and_(page.locator(f'[data-scan-id="{demo_ids["chelsea.png"]}"]'))
    expect(demo_row.get_by_test_id("owner")).to_have_text(DEMO.email)  # written by the scanner
    # all scans: the five status partitions of the byStatus index, one page each, no Scan
    assert sorted(v["status"] for v in traffic.named("ScansByStatus")) == sorted(
        ["PENDING", "PROCESSING", "DONE", "REJECTED", "FAILED"]
    )
    assert traffic.named("ListScans") == []
    shot(page, "all scans with uploaders")

    view.get_by_label("Uploader (e-mail)").fill(PAGES.email)
    with page.expect_request(lambda r: "ScansByOwnerEmail" in (r.post_data or "")):
        view.get_by_label("Uploader (e-mail)").press("Enter")
    expect(rows).to_have_count(PAGE)
    owners = rows.get_by_test_id("owner").all_text_contents()
    assert set(owners) == {PAGES.email}
    assert [v["ownerEmail"] for v in traffic.named("ScansByOwnerEmail")] == [PAGES.email]
    shot(page, "filtered by uploader")

    with page.expect_request(lambda r: "ScansByOwnerEmail" in (r.post_data or "")):
        view.get_by_label("Status").select_option("REJECTED")
    expect(view.get_by_text("No scan matches the filters")).to_be_visible()  # PAGES's scans are all DONE
    last = traffic.named("ScansByOwnerEmail")[-1]
    assert last["ownerEmail"] == PAGES.email and last["filter"] == {"status": {"eq": "REJECTED"}}

    before = len(traffic.operations)
    with page.expect_request(lambda r: "ScansByStatus" in (r.post_data or "")):
        view.get_by_label("Uploader (e-mail)").fill("")
    page.wait_for_load_state("networkidle")
    statuses = [v["status"] for name, v in traffic.operations[before:] if name == "ScansByStatus"]
    assert statuses == ["REJECTED"]  # one partition, read on the server
    for status in rows.evaluate_all("rows => rows.map(r => r.dataset.status)"):
        assert status == "REJECTED"
    shot(page, "filtered by status")


def test_deleting_a_scan_deletes_its_thumbnail(new_page, ui_cloud: LocalCloud, seeded):
    _, items = seeded
    victim = items[5]
    s3 = _client(ui_cloud, "s3")
    assert s3.head_object(Bucket=ui_cloud.seeded.bucket, Key=victim["thumbnailKey"])
    page = new_page()
    sign_in(page, PAGES)
    card = page.locator(f'[data-testid=scan-row][data-scan-id="{victim["id"]}"]')
    card.get_by_role("button", name=re.compile("^Delete ")).click()
    page.get_by_role("dialog").get_by_role("button", name="Delete", exact=True).click()
    expect(card).to_have_count(0)

    def gone() -> bool:
        try:
            s3.head_object(Bucket=ui_cloud.seeded.bucket, Key=victim["thumbnailKey"])
            return False
        except s3.exceptions.ClientError:
            return True

    page.wait_for_function("() => true")  # a turn of the page's loop: the delete requests are sent
    deadline = time.monotonic() + 10
    while not gone():
        assert time.monotonic() < deadline, "the thumbnail of the deleted scan is still stored"
        time.sleep(0.1)

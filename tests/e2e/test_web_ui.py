"""The web UI in a real browser against the whole local cloud: sign in, upload, live verdicts, refusals,
the Admin view and its debug panel, what other users cannot see, delete, and a phone-width layout.

Waits are on what the page shows (data-status, text, counts) with bounded timeouts; nothing sleeps.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    ADMIN,
    DEMO,
    VERDICT_TIMEOUT_MS,
    ApiAs,
    Made,
    Screens,
    User,
    choose_files,
    ensure_scans,
    file_payload,
    new_row,
    photo_file,
    row_ids,
    scan_rows,
    sign_in,
    upload_and_wait,
    wait_list_loaded,
)

PHONE = {"width": 360, "height": 780}


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 120), (90, 160, 220)).save(out, "GIF")
    return out.getvalue()


def assert_no_horizontal_scroll(page: Page, where: str) -> None:
    sizes = page.evaluate(
        "() => ({ scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth, inner: window.innerWidth })"
    )
    assert sizes["scroll"] <= sizes["client"], f"{where} scrolls sideways at {sizes['inner']} px: {sizes}"


def test_upload_shows_cat_and_no_cat_live(
    new_page, shot: Screens, made: Made, api_as: Callable[[User], ApiAs]
):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    shot(page, "sign-in form")
    sign_in(page, DEMO)
    expect(page.get_by_role("heading", name="My scans", level=1)).to_be_visible()
    wait_list_loaded(page)
    shot(page, "signed in")

    wait_list_loaded(page)
    before = row_ids(page)
    choose_files(page, [photo_file("chelsea.png"), photo_file("astronaut.png")])
    cat, astronaut = new_row(page, "chelsea.png", before), new_row(page, "astronaut.png", before)
    shot(page, "uploading")

    # The verdicts arrive by themselves: no reload, no navigation.
    expect(cat).to_have_attribute("data-status", "DONE", timeout=VERDICT_TIMEOUT_MS)
    expect(astronaut).to_have_attribute("data-status", "DONE", timeout=VERDICT_TIMEOUT_MS)
    expect(cat).to_have_attribute("data-verdict", "cat")
    expect(cat.get_by_test_id("verdict")).to_contain_text(re.compile(r"^Cat\s*\d+% confidence"))
    expect(astronaut).to_have_attribute("data-verdict", "no-cat")
    expect(astronaut.get_by_test_id("verdict")).to_contain_text(re.compile(r"^No cat\s*\d+% cat confidence"))
    expect(page.get_by_test_id("live-region")).to_contain_text(
        re.compile(r"(chelsea|astronaut)\.png: (Cat|No cat)")
    )
    # Finished uploads collapse into one summary row (the verdicts stay in view).
    expect(page.get_by_test_id("upload-summary")).to_contain_text("2 photos uploaded")
    expect(page.get_by_test_id("upload-item").filter(has_text="chelsea.png")).to_have_count(0)
    expect(page.get_by_test_id("live-status")).to_have_text("Live")
    expect(page.locator(".section-count")).to_have_text(re.compile(r"\b[1-9]\d* with a cat"))
    shot(page, "verdicts")

    ids = {
        "chelsea.png": cat.get_attribute("data-scan-id"),
        "astronaut.png": astronaut.get_attribute("data-scan-id"),
    }
    for name, scan_id in ids.items():
        made.record(DEMO, name, scan_id)
    # What the page showed is what the API holds.
    stored = {s["id"]: s for s in api_as(DEMO).list_scans()}
    assert stored[ids["chelsea.png"]]["isCat"] is True and stored[ids["chelsea.png"]]["status"] == "DONE"
    assert stored[ids["astronaut.png"]]["isCat"] is False and stored[ids["astronaut.png"]]["status"] == "DONE"


def test_gif_is_refused_in_the_browser(new_page, shot: Screens, api_as: Callable[[User], ApiAs]):
    page = new_page()
    sign_in(page, DEMO)
    wait_list_loaded(page)
    before = row_ids(page)
    gif = gif_bytes()
    # A GIF, and a GIF that pretends to be a PNG by its name and type: the bytes decide.
    choose_files(
        page, [file_payload("party.gif", gif, "image/gif"), file_payload("disguised.png", gif, "image/png")]
    )

    for name in ("party.gif", "disguised.png"):
        item = page.get_by_test_id("upload-item").filter(has_text=name)
        expect(item).to_have_attribute("data-phase", "rejected")
        expect(item.get_by_role("alert")).to_contain_text(
            re.compile(rf"{re.escape(name)} is a GIF.*JPEG and PNG")
        )
    shot(page, "gif refused")
    expect(scan_rows(page, "party.gif")).to_have_count(0)
    expect(scan_rows(page, "disguised.png")).to_have_count(0)
    assert row_ids(page) == before

    # No scan exists for them: not after a reload, not in the API.
    page.reload()
    expect(page.get_by_test_id("live-status")).to_have_text("Live")
    wait_list_loaded(page)
    expect(scan_rows(page, "party.gif")).to_have_count(0)
    expect(scan_rows(page, "disguised.png")).to_have_count(0)
    assert row_ids(page) == before
    shot(page, "after reload")
    names = {s["fileName"] for s in api_as(DEMO).list_scans()}
    assert not names & {"party.gif", "disguised.png"}


def test_admin_sees_all_scans_and_debug(new_page, shot: Screens, made: Made, api_as: Callable[[User], ApiAs]):
    demo_ids = ensure_scans(new_page, DEMO, ["chelsea.png", "astronaut.png"], made)
    page = new_page()
    sign_in(page, ADMIN)
    # The Admin's own scan (a JPEG), through the same My scans page.
    cards = upload_and_wait(page, ADMIN, ["rocket.jpg"], made)
    expect(cards["rocket.jpg"]).to_have_attribute("data-verdict", "no-cat")
    # My scans stays "my" for an Admin: the demo user's scans are not mixed in.
    for scan_id in demo_ids.values():
        expect(page.locator(f'[data-testid=scan-row][data-scan-id="{scan_id}"]')).to_have_count(0)
    shot(page, "admin my scans")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="All scans").click()
    view = page.get_by_test_id("admin-view")
    expect(view).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/admin$"))
    rows = view.get_by_test_id("admin-scan-row")
    for scan_id in [*demo_ids.values(), made.get(ADMIN, "rocket.jpg")]:
        expect(rows.and_(page.locator(f'[data-scan-id="{scan_id}"]'))).to_have_count(1)
    demo_cat = rows.and_(page.locator(f'[data-scan-id="{demo_ids["chelsea.png"]}"]'))
    # The owner column shows the owner as the API returns it (the Cognito username).
    expect(demo_cat.get_by_test_id("owner")).to_have_attribute("title", api_as(DEMO).session.owner)
    expect(demo_cat.get_by_test_id("verdict")).to_contain_text("Cat")
    admin_rocket = rows.and_(page.locator(f'[data-scan-id="{made.get(ADMIN, "rocket.jpg")}"]'))
    expect(admin_rocket.get_by_test_id("owner")).to_have_attribute("title", api_as(ADMIN).session.owner)
    shot(page, "all scans")

    demo_cat.get_by_role("button", name="Debug for chelsea.png").click()
    panel = view.get_by_test_id("debug-panel")
    expect(panel).to_be_visible()
    facts = panel.locator("dl.facts")
    expect(facts).to_contain_text(demo_ids["chelsea.png"])
    expect(facts).to_contain_text("DONE")
    expect(facts).to_contain_text("Model version")
    # Facts named for people; the raw key is each name's tooltip.
    for label, key in (
        ("Cat threshold (minimum confidence)", "thresholds.minConfidence"),
        ("Detector’s minimum label confidence", "thresholds.detectorMinConfidence"),  # noqa: RUF001 - the UI's typography
        ("Detect labels", "detect"),
        ("Total", "total"),
        ("Rekognition request id", "requestIds.rekognition"),
    ):
        expect(facts.locator("dt").get_by_text(label, exact=True)).to_have_attribute("title", key)
    expect(facts).to_contain_text(re.compile(r"\d+(\.\d+)? ms"))
    expect(facts).not_to_contain_text("requestIds.")
    labels = panel.get_by_role("table", name="Detected labels")
    expect(labels).to_be_visible()
    cat_label = labels.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Cat", exact=True))
    expect(cat_label).to_have_count(1)
    expect(cat_label).to_contain_text(re.compile(r"\d+%"))
    panel.get_by_text("Raw debug JSON").click()
    expect(panel.locator("pre")).to_contain_text(re.compile(r'"Name": "Cat"'))
    shot(page, "debug panel")


def test_demo_user_sees_no_admin_data(new_page, shot: Screens, made: Made, api_as: Callable[[User], ApiAs]):
    admin_ids = ensure_scans(new_page, ADMIN, ["rocket.jpg"], made)
    page = new_page()
    sign_in(page, DEMO)
    wait_list_loaded(page)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My scans")).to_be_visible()
    expect(nav.get_by_role("link", name="All scans")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("admin|all scans", re.I))).to_have_count(0)
    expect(page.locator(f'[data-scan-id="{admin_ids["rocket.jpg"]}"]')).to_have_count(0)
    expect(scan_rows(page, "rocket.jpg")).to_have_count(0)
    shot(page, "demo nav")
    assert admin_ids["rocket.jpg"] not in {s["id"] for s in api_as(DEMO).list_scans()}

    # Typing the admin address: "Page not found", and no admin view behind it.
    page.goto("/#/admin")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_test_id("admin-view")).to_have_count(0)
    shot(page, "admin route in app")
    # The same on a fresh load of that address.
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_test_id("admin-view")).to_have_count(0)
    expect(page.get_by_test_id("admin-scan-row")).to_have_count(0)
    expect(page.get_by_test_id("debug-panel")).to_have_count(0)
    shot(page, "admin route reloaded")


def test_delete_scan_with_confirmation(new_page, shot: Screens, made: Made, api_as: Callable[[User], ApiAs]):
    page = new_page()
    sign_in(page, DEMO)
    card = upload_and_wait(page, DEMO, ["coffee.png"], made)["coffee.png"]
    scan_id = card.get_attribute("data-scan-id")
    count = scan_rows(page).count()
    shot(page, "before delete")

    card.get_by_role("button", name="Delete coffee.png").click()
    dialog = page.get_by_role("dialog", name="Delete coffee.png?")
    expect(dialog).to_be_visible()
    shot(page, "confirm dialog")
    dialog.get_by_role("button", name="Cancel").click()  # changing one's mind keeps the scan
    expect(dialog).to_have_count(0)
    expect(card).to_have_count(1)

    card.get_by_role("button", name="Delete coffee.png").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(dialog).to_have_count(0)
    expect(card).to_have_count(0)
    expect(scan_rows(page)).to_have_count(count - 1)
    shot(page, "deleted")

    page.reload()
    expect(page.get_by_test_id("live-status")).to_have_text("Live")
    wait_list_loaded(page)
    expect(page.locator(f'[data-scan-id="{scan_id}"]')).to_have_count(0)
    assert api_as(DEMO).get_scan(scan_id) is None
    shot(page, "after reload")


def test_phone_width_has_no_horizontal_scroll(new_page, shot: Screens, made: Made):
    ensure_scans(new_page, DEMO, ["chelsea.png", "astronaut.png"], made)
    ensure_scans(new_page, ADMIN, ["rocket.jpg"], made)
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}

    page = new_page(**phone)
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page, "the sign-in page")
    shot(page, "sign in")
    sign_in(page, DEMO)
    wait_list_loaded(page)
    expect(scan_rows(page, "chelsea.png").first).to_have_attribute("data-verdict", "cat")
    assert_no_horizontal_scroll(page, "My scans")
    shot(page, "my scans")

    admin = new_page(**phone)
    sign_in(admin, ADMIN, "/#/admin")
    view = admin.get_by_test_id("admin-view")
    expect(view.get_by_test_id("admin-scan-row").first).to_be_visible()
    assert_no_horizontal_scroll(admin, "All scans")
    shot(admin, "all scans")
    view.get_by_role("button", name="Debug for chelsea.png").first.click()
    expect(view.get_by_test_id("debug-panel")).to_be_visible()
    assert_no_horizontal_scroll(admin, "All scans with a debug panel")
    shot(admin, "debug panel")

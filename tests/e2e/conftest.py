"""Browser tests: the built web UI (frontend/dist) driven by Playwright against a whole local cloud.

One local cloud with the UI server (free ports, its own state and amplify_outputs.json) and one headless
Chromium serve the session; every test gets a fresh browser context (its own sign-in). Screenshots of each
step go to test-artifacts/e2e/<test>-<nn>-<step>.png, and a failing test also leaves its last screen and
the browser console there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from catscan.client.api import ScanApi
from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import REPO_ROOT, LocalCloud
from catscan.local.seed import DEMO_USERS
from tests.support.clouds import own_cloud
from tests.support.images import photo

ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("CATSCAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

# Generous but bounded: the machine may be a loaded 2-core box.
UI_TIMEOUT_MS = 20_000  # sign-in, page loads, dialogs
VERDICT_TIMEOUT_MS = 30_000  # upload -> S3 -> runner -> detector -> AppSync -> subscription push
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class User:
    email: str
    password: str
    admin: bool


DEMO = User(*DEMO_USERS[0])
ADMIN = User(*DEMO_USERS[1])


@pytest.fixture(scope="package")
def ui_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    index = REPO_ROOT / "frontend" / "dist" / "index.html"
    if not index.exists():
        pytest.fail("frontend/dist is not built: run `bash scripts/build_frontend.sh` (make test does)")
    yield from own_cloud(
        tmp_path_factory,
        "e2e-cloud",
        timeout=120,
        with_ui=True,
        runner_concurrency=2,
        retry_backoff_base=0.5,
        sweeper_period=None,
    )


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `bash scripts/setup_browser.sh` (make test does)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@dataclass
class Screens:
    """Numbered screenshots of one test; also the pages it opened and their console output."""

    test: str
    pages: list[Page] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    count: int = 0

    def __call__(self, page: Page, step: str, full_page: bool = True) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.test}-{self.count:02d}-{_slug(step)}.png"
        if full_page:  # else a sticky header lands mid-page in the stitched image
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=path, full_page=full_page, animations="disabled")
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screens:
    return Screens(_slug(request.node.name))


def _keep_failure(request: pytest.FixtureRequest, screens: Screens) -> None:
    """A failed test leaves its pages' last screens and the browser console in the artifacts."""
    call = getattr(request.node, "rep_call", None)
    if call is None or not call.failed:
        return
    for n, page in enumerate(screens.pages):
        if not page.is_closed():
            with contextlib.suppress(Exception):  # best effort on the way out
                page.screenshot(path=ARTIFACTS / f"{screens.test}-FAILED-page{n + 1}.png", full_page=True)
    (ARTIFACTS / f"{screens.test}-FAILED-console.log").write_text("\n".join(screens.console) + "\n")


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, ui_cloud: LocalCloud, shot: Screens
) -> Iterator[Callable[..., Page]]:
    """new_page(viewport=...) -> a page in a fresh context (no session shared with other pages)."""
    contexts = []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> Page:
        context = browser.new_context(
            viewport=viewport or DESKTOP, base_url=ui_cloud.ui_url, reduced_motion="reduce", **options
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        tag = f"page{len(contexts)}"
        page.on("console", lambda m: shot.console.append(f"{tag} {m.type}: {m.text}"))
        page.on("pageerror", lambda e: shot.console.append(f"{tag} pageerror: {e}"))
        shot.pages.append(page)
        return page

    yield make
    _keep_failure(request, shot)
    for context in contexts:
        context.close()


# --- what a user does -------------------------------------------------------------------------------------


def sign_in(page: Page, user: User, path: str = "/") -> None:
    """Signs in through the Authenticator form and waits for the signed-in page with live updates on."""
    page.goto(path)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # Subscriptions are registered before the list is read: "Live" means pushes will reach this page.
    expect(page.get_by_test_id("live-status")).to_have_text("Live")


def wait_list_loaded(page: Page) -> None:
    """My scans has read the list from the API (a list or the empty state is shown, no spinner)."""
    expect(page.locator("[data-testid=scan-list], [data-testid=scan-list-empty]")).to_be_visible()


def scan_rows(page: Page, file_name: str | None = None):
    rows = page.get_by_test_id("scan-row")
    if file_name is None:
        return rows
    return rows.filter(has=page.get_by_role("heading", name=file_name, exact=True))


def row_ids(page: Page) -> set[str]:
    return set(scan_rows(page).evaluate_all("rows => rows.map(r => r.dataset.scanId)"))


def file_payload(name: str, data: bytes, mime: str) -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data}


def choose_files(page: Page, files: list[dict[str, Any]]) -> None:
    """Picks several files at once through the page's file input (the "choose files" link)."""
    page.get_by_test_id("file-input").set_input_files(files)


def new_row(page: Page, file_name: str, before: set[str]):
    """The scan card this page just created for `file_name` (not one that existed before)."""
    rows = scan_rows(page, file_name)
    expect(rows).to_have_count(len([i for i in _ids_of(rows) if i in before]) + 1)
    ids = [i for i in _ids_of(rows) if i not in before]
    assert len(ids) == 1, f"expected one new scan for {file_name}, got {ids}"
    return page.locator(f'[data-testid=scan-row][data-scan-id="{ids[0]}"]')


def _ids_of(rows) -> list[str]:
    return rows.evaluate_all("rows => rows.map(r => r.dataset.scanId)")


# --- cross-test state: scans made through the UI, reused instead of made twice ----------------------------


@dataclass
class Made:
    """scan ids by user e-mail and file name, for tests that need another test's data."""

    scans: dict[str, dict[str, str]] = field(default_factory=dict)

    def record(self, user: User, file_name: str, scan_id: str) -> None:
        self.scans.setdefault(user.email, {})[file_name] = scan_id

    def get(self, user: User, file_name: str) -> str | None:
        return self.scans.get(user.email, {}).get(file_name)


@pytest.fixture(scope="package")
def made() -> Made:
    return Made()


# --- the API as the user, to check what the page shows against the source of truth -------------------------


def _in_thread(fn: Callable[[], Any]) -> Any:
    """asyncio.run outside the thread Playwright's sync API runs its loop in."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in box:
        raise box["error"]
    return box["value"]


@dataclass
class ApiAs:
    session: UserSession

    def list_scans(self) -> list[dict[str, Any]]:
        async def go() -> list[dict[str, Any]]:
            async with ScanApi(self.session) as api:
                return await api.list_scans()

        return _in_thread(lambda: asyncio.run(go()))

    def get_scan(self, scan_id: str) -> dict[str, Any] | None:
        async def go() -> dict[str, Any] | None:
            async with ScanApi(self.session) as api:
                return await api.get_scan(scan_id)

        return _in_thread(lambda: asyncio.run(go()))


@pytest.fixture(scope="package")
def api_as(ui_cloud: LocalCloud) -> Callable[[User], ApiAs]:
    outputs = load_outputs(ui_cloud.outputs_path)
    sessions: dict[str, ApiAs] = {}

    def get(user: User) -> ApiAs:
        if user.email not in sessions:
            sessions[user.email] = ApiAs(UserSession.sign_in(outputs, user.email, user.password))
        return sessions[user.email]

    return get


# --- scans made through the UI, shared by the UI tests ----------------------------------------------


def photo_file(name: str) -> dict:
    mime = "image/jpeg" if name.endswith(".jpg") else "image/png"
    return file_payload(name, photo(name).read_bytes(), mime)


def upload_and_wait(page: Page, user: User, names: list[str], made: Made) -> dict[str, object]:
    """Chooses the photos at once on My scans; waits (no reload) until each card shows DONE. -> name: card."""
    wait_list_loaded(page)
    before = row_ids(page)
    choose_files(page, [photo_file(n) for n in names])
    cards = {name: new_row(page, name, before) for name in names}
    for name, card in cards.items():
        expect(card).to_have_attribute("data-status", "DONE", timeout=VERDICT_TIMEOUT_MS)
        made.record(user, name, card.get_attribute("data-scan-id"))
    return cards


def ensure_scans(new_page: Callable[..., Page], user: User, names: list[str], made: Made) -> dict[str, str]:
    """Scans another test made through the UI; made here (same UI flow) when that test did not run."""
    missing = [n for n in names if made.get(user, n) is None]
    if missing:
        page = new_page()
        sign_in(page, user)
        upload_and_wait(page, user, missing, made)
        page.context.close()
    return {n: made.get(user, n) for n in names}

"""Accounts in a real browser on the local cloud: sign-up that is finished later with a resent code, a
password reset with a wrong and then the right code (codes read from the local mailbox page, as a developer
would), what an unknown user is told, and the sign-in card in dark mode and on a 390 px phone."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from catscan.local.cloud import LocalCloud
from catscan.local.seed import add_user
from tests.e2e.conftest import DEMO, VERDICT_TIMEOUT_MS, Screens, User, choose_files, file_payload, sign_in
from tests.support.images import photo

PASSWORD = "Browser-pass-1"
NEW_PASSWORD = "Browser-reset-2"
PHONE = {"width": 390, "height": 844}
SIGN_UP, RESET = "sign-up", "password-reset"


def _email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:8]}@catscan.local"


def mailed_code(page: Page, mailbox_url: str, email: str, purpose: str, count: int = 1) -> str:
    """The newest code mailed to `email`, read from the local mailbox page in a new tab once `count` have come."""
    mailbox = page.context.new_page()
    try:
        mailbox.goto(mailbox_url)
        mails = mailbox.locator(f'li[data-to="{email}"][data-purpose="{purpose}"]')
        expect(mails).to_have_count(count)
        return mails.first.get_by_test_id("code").inner_text().strip()
    finally:
        mailbox.close()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _error_alert(page: Page, text: str):
    return page.locator("[data-amplify-authenticator] .amplify-alert").filter(has_text=text)


def test_sign_up_leave_come_back_resend_confirm(new_page, shot: Screens, ui_cloud: LocalCloud):
    email = _email("signup")
    page = new_page()
    page.goto("/")
    link = page.get_by_role("link", name="local mailbox")
    expect(link).to_have_attribute("href", ui_cloud.mailbox_url)
    page.get_by_role("tab", name="Create Account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm Password").fill(PASSWORD)
    page.get_by_role("button", name="Create Account").click()
    # The code went to the e-mail address (moto said "texted to +*******9934").
    expect(page.get_by_text(re.compile(r"emailed to s\*\*\*@c\*\*\*"))).to_be_visible()
    expect(page.get_by_text(re.compile("texted", re.I))).to_have_count(0)
    shot(page, "code sent by e-mail")
    # The mailbox link opens the page with that code.
    with page.context.expect_page() as opened:
        link.click()
    mailbox = opened.value
    expect(mailbox.locator(f'li[data-to="{email}"]')).to_have_count(1)
    shot(mailbox, "local mailbox")
    mailbox.close()
    page.context.close()  # leaves without entering the code

    # Later, in a new browser session: signing in leads to the confirmation step (a new code is sent).
    page = new_page()
    page.goto("/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    code_field = page.get_by_label("Confirmation Code")
    expect(code_field).to_be_visible()
    expect(page.get_by_text(re.compile(r"emailed to s\*\*\*@c\*\*\*"))).to_be_visible()
    shot(page, "back at the confirmation step")
    sent_before = page.context.new_page()
    sent_before.goto(ui_cloud.mailbox_url)
    already = sent_before.locator(f'li[data-to="{email}"][data-purpose="{SIGN_UP}"]').count()
    sent_before.close()
    page.get_by_role("button", name="Resend Code").click()
    code = mailed_code(page, ui_cloud.mailbox_url, email, SIGN_UP, count=already + 1)

    code_field.fill(_wrong(code))
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(_error_alert(page, "Invalid verification code provided, please try again.")).to_be_visible()
    shot(page, "wrong code refused")
    code_field.fill(code)
    page.get_by_role("button", name="Confirm", exact=True).click()
    # Confirmed: the Authenticator goes back to sign-in (there was no sign-up in this session to sign in
    # automatically after), and the password now works.
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    sign_in(page, User(email, PASSWORD, False))
    expect(page.locator(".account-email")).to_have_text(email)
    shot(page, "signed in")


def test_forgot_password_wrong_then_right_code(new_page, shot: Screens, ui_cloud: LocalCloud):
    assert ui_cloud.seeded
    user = User(_email("reset"), PASSWORD, False)
    add_user(ui_cloud.moto_url, ui_cloud.seeded.user_pool_id, user.email, user.password)
    page = new_page()
    page.goto("/")
    page.get_by_role("button", name="Forgot your password?").click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send code").click()
    code_field = page.get_by_label("Code *")
    expect(code_field).to_be_visible()
    code = mailed_code(page, ui_cloud.mailbox_url, user.email, RESET)
    code_field.fill(_wrong(code))
    page.get_by_label("New Password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Submit").click()
    expect(_error_alert(page, "Invalid verification code provided, please try again.")).to_be_visible()
    shot(page, "wrong reset code refused")
    code_field.fill(code)
    page.get_by_role("button", name="Submit").click()
    # Back at sign-in: the old password no longer works, the new one does.
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(_error_alert(page, "Incorrect username or password.")).to_be_visible()
    sign_in(page, User(user.email, NEW_PASSWORD, False))
    shot(page, "signed in with the new password")


def test_unknown_user_is_told_the_same_as_a_wrong_password(new_page, shot: Screens):
    page = new_page()
    page.goto("/")
    for email, password in ((_email("nobody"), PASSWORD), (DEMO.email, "Not-the-password-1")):
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        alert = page.locator("[data-amplify-authenticator] .amplify-alert")
        expect(alert).to_have_text(re.compile(r"^\s*Incorrect username or password\.\s*$"))
        expect(page.get_by_text("User does not exist")).to_have_count(0)
        shot(page, "sign-in refused")
        alert.get_by_role("button").click()  # dismiss, so the next attempt's alert is its own


def test_sign_in_with_a_capitalised_email(new_page, shot: Screens):
    """Phones capitalise the first letter: the deployed pool is case-insensitive, so is the local one."""
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, User(DEMO.email.capitalize(), DEMO.password, False))
    expect(page.locator(".account-email")).to_have_text(DEMO.email)
    shot(page, "signed in as Demo@", full_page=False)


def _background_luminance(page: Page, selector: str) -> float:
    """Relative luminance (0 black .. 1 white) of the first element's computed background colour."""
    rgb = page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_mode_sign_in_card(new_page, shot: Screens):
    page = new_page(color_scheme="dark")
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert _background_luminance(page, "[data-amplify-router]") < 0.2  # not the white card of before
    assert _background_luminance(page, "input[name=username]") < 0.2
    shot(page, "dark sign-in")
    page.get_by_role("tab", name="Create Account").click()
    shot(page, "dark create account")


def test_phone_sign_in_and_upload(new_page, shot: Screens):
    for scheme in ("light", "dark"):
        page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, color_scheme=scheme)
        page.goto("/")
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        shot(page, f"phone sign-in {scheme}")
        sign_in(page, DEMO)
        # The signed-in address is on screen, the camera is offered, and no drag-and-drop or paste copy.
        expect(page.locator(".account-email")).to_be_visible()
        expect(page.locator(".account-email")).to_have_text(DEMO.email)
        expect(page.get_by_text("Take a photo")).to_be_visible()
        expect(page.get_by_test_id("camera-input")).to_have_attribute("capture", "environment")
        expect(page.get_by_text(re.compile("Drop photos|paste", re.I))).to_have_count(0)
        shot(page, f"phone signed in {scheme}", full_page=False)
    # Six photos at once: they collapse into one row once uploaded, so the verdicts stay in view.
    files = [
        file_payload(f"phone-{n}-chelsea.png", photo("chelsea.png").read_bytes(), "image/png")
        for n in range(6)
    ]
    choose_files(page, files)
    summary = page.get_by_test_id("upload-summary")
    expect(summary).to_contain_text("6 photos uploaded", timeout=VERDICT_TIMEOUT_MS)
    expect(page.get_by_test_id("upload-item")).to_have_count(0)
    first = page.get_by_test_id("scan-row").filter(
        has=page.get_by_role("heading", name="phone-0-chelsea.png")
    )
    expect(first).to_have_attribute("data-status", "DONE", timeout=VERDICT_TIMEOUT_MS)
    shot(page, "phone uploads collapsed", full_page=False)
    summary.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("upload-item")).to_have_count(6)

"""`catscan user add` and `catscan user confirm` against the shared local cloud (through its storage gate)."""

from __future__ import annotations

import uuid

from catscan.local.seed import client
from tests.cli.conftest import DEMO

PASSWORD = "Cli-user-pass-1"


def _email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:8]}@catscan.local"


def _sign_up(cloud, email: str) -> None:
    """What the web UI's sign-up does; the code it mails is never entered."""
    outputs = cloud.seeded
    client("cognito-idp", cloud.gate_url).sign_up(
        ClientId=outputs.user_pool_client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )


def test_add_then_add_again(catscan):
    email = _email("added")
    added = catscan("user", "add", email, "--password", PASSWORD, user=None)
    assert (added.code, added.stdout.strip(), added.stderr) == (0, f"added {email}", "")
    assert catscan("list", user=(email, PASSWORD)).code == 0  # a confirmed user who can sign in
    again = catscan("user", "add", email, "--password", PASSWORD, user=None)
    assert (again.code, again.stdout, again.stderr.strip()) == (1, "", f"error: {email} already exists")
    demo = catscan("user", "add", DEMO[0], "--password", PASSWORD, user=None)
    assert demo.stderr.strip() == f"error: {DEMO[0]} already exists"


def test_any_capitalisation_is_the_same_user(catscan):
    """The pool is case-insensitive, as Amplify Gen 2 deploys it: a capitalised e-mail is the same account."""
    email = _email("cased")
    assert catscan("user", "add", email, "--password", PASSWORD, user=None).code == 0
    assert catscan("list", user=(email.capitalize(), PASSWORD)).code == 0
    again = catscan("user", "add", email.upper(), "--password", PASSWORD, user=None)
    assert (again.code, again.stderr.strip()) == (1, f"error: {email.upper()} already exists")
    confirm = catscan("user", "confirm", email.capitalize(), user=None)
    assert (confirm.code, confirm.stdout.strip()) == (0, f"{email.capitalize()} is already confirmed")


def test_an_unconfirmed_sign_up_is_named_and_confirmed(catscan, cloud):
    email = _email("unconfirmed")
    _sign_up(cloud, email)
    refused = catscan("list", user=(email, PASSWORD))
    assert refused.code == 2 and "Traceback" not in refused.stderr
    assert "not confirmed yet" in refused.stderr and f"catscan user confirm {email}" in refused.stderr
    added = catscan("user", "add", email, "--password", PASSWORD, user=None)
    assert added.code == 1
    assert (
        added.stderr.strip()
        == f"error: {email} exists but is not confirmed; run `catscan user confirm {email}`"
    )
    confirmed = catscan("user", "confirm", email, user=None)
    assert confirmed.code == 0, confirmed.stderr
    assert confirmed.stdout.strip() == f"confirmed {email}: they can sign in with the password they chose"
    assert catscan("list", user=(email, PASSWORD)).code == 0
    user = client("cognito-idp", cloud.moto_url).admin_get_user(
        UserPoolId=cloud.seeded.user_pool_id, Username=email
    )
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email_verified"] == "true"
    again = catscan("user", "confirm", email, user=None)
    assert (again.code, again.stdout.strip()) == (0, f"{email} is already confirmed")


def test_confirm_an_unknown_user(catscan):
    email = _email("nobody")
    result = catscan("user", "confirm", email, user=None)
    assert result.code == 1 and result.stdout == ""
    assert (
        result.stderr.strip()
        == f"error: there is no user {email} in the local cloud; add one with `catscan user add`"
    )


def test_user_commands_without_a_local_cloud(catscan, tmp_path):
    missing = tmp_path / "amplify_outputs.json"
    result = catscan("user", "confirm", "x@catscan.local", user=None, outputs=missing)
    assert (
        result.code == 2 and "start it with `make dev`" in result.stderr and "Traceback" not in result.stderr
    )


def test_user_closed_cloud(catscan, closed_outputs):
    result = catscan("user", "confirm", "x@catscan.local", user=None, outputs=closed_outputs)
    assert (
        result.code == 2
        and "the local cloud is not running" in result.stderr
        and "Traceback" not in result.stderr
    )

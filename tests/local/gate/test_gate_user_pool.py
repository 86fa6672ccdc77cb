"""Cognito user pools through the gate: moto's answers, plus RevokeToken and a verified e-mail after
ConfirmSignUp (codes and user existence: test_gate_accounts.py)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from catscan.local.seed import Seeded, add_user
from tests.local.gate.gate_testkit import DEMO, UI_ORIGIN, GateProcess, client, error_code, start_gate_process

TARGET = "AWSCognitoIdentityProviderService."
PASSWORD = "Signed-up-1"


def _sign_in(idp, seeded: Seeded, user: tuple[str, str]) -> dict:
    return idp.initiate_auth(
        ClientId=seeded.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user[0], "PASSWORD": user[1]},
    )["AuthenticationResult"]


def _refresh(idp, seeded: Seeded, refresh_token: str) -> dict:
    return idp.initiate_auth(
        ClientId=seeded.user_pool_client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )["AuthenticationResult"]


def _refused(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return error_code(info.value), info.value.response["Error"]["Message"]


def _attributes(moto_url: str, seeded: Seeded, username: str) -> dict[str, str]:
    user = client("cognito-idp", moto_url).admin_get_user(UserPoolId=seeded.user_pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def _new_user(moto_url: str, seeded: Seeded) -> tuple[str, str]:
    user = (f"session-{uuid.uuid4().hex[:8]}@catscan.local", PASSWORD)
    add_user(moto_url, seeded.user_pool_id, *user)
    return user


def _post(url: str, operation: str, body: dict, origin: str | None = UI_ORIGIN) -> requests.Response:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + operation}
    if origin:
        headers["Origin"] = origin
    return requests.post(f"{url}/", data=json.dumps(body), headers=headers, timeout=10)


# ------------------------------------------------------------------------------------------ pass-through


def test_sign_in_and_user_operations_go_to_moto(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    tokens = _sign_in(idp, seeded, DEMO)
    assert {"IdToken", "AccessToken", "RefreshToken"} <= set(tokens)
    user = idp.get_user(AccessToken=tokens["AccessToken"])
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == DEMO[0]
    assert _refresh(idp, seeded, tokens["RefreshToken"])["AccessToken"]
    code, _ = _refused(
        idp.initiate_auth,
        ClientId=seeded.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": DEMO[0], "PASSWORD": "wrong-Password-1"},
    )
    assert code == "NotAuthorizedException"


def test_admin_operations_go_to_moto(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    """`catscan user add` calls the outputs' cognito-idp endpoint, now the gate."""
    email = f"added-{uuid.uuid4().hex[:8]}@catscan.local"
    add_user(gate.url, seeded.user_pool_id, email, PASSWORD, admin=True)
    groups = client("cognito-idp", moto_url).admin_list_groups_for_user(
        UserPoolId=seeded.user_pool_id, Username=email
    )["Groups"]
    assert [g["GroupName"] for g in groups] == ["Admin"]


def test_cors_for_the_web_ui(gate: GateProcess, seeded: Seeded) -> None:
    wanted = "cache-control,content-type,x-amz-target,x-amz-user-agent"
    preflight = requests.options(
        f"{gate.url}/",
        timeout=10,
        headers={
            "Origin": UI_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": wanted,
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert "x-amz-target" in preflight.headers["Access-Control-Allow-Headers"]
    signed_in = _post(
        gate.url,
        "InitiateAuth",
        {
            "ClientId": seeded.user_pool_client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": DEMO[0], "PASSWORD": DEMO[1]},
        },
    )
    assert signed_in.status_code == 200
    # Once: moto's own catch-all CORS headers are replaced (requests would join duplicates with ", ").
    assert signed_in.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    revoked = _post(
        gate.url,
        "RevokeToken",
        {
            "ClientId": seeded.user_pool_client_id,
            "Token": signed_in.json()["AuthenticationResult"]["RefreshToken"],
        },
    )
    assert revoked.status_code == 200 and revoked.json() == {}
    assert revoked.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    refused = _post(gate.url, "RevokeToken", {"ClientId": "nope", "Token": "x"})
    assert refused.status_code == 400 and refused.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert "x-amzn-ErrorType" in refused.headers["Access-Control-Expose-Headers"]


# ---------------------------------------------------------------------------------------- ConfirmSignUp


def test_confirm_sign_up_marks_the_email_verified(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@catscan.local"
    idp = client("cognito-idp", gate.url)
    signed_up = idp.sign_up(
        ClientId=seeded.user_pool_client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    assert signed_up["UserConfirmed"] is False
    assert _attributes(moto_url, seeded, email).get("email_verified") != "true"
    code = requests.get(f"{gate.url}/__gate/mailbox.json", timeout=10).json()["messages"][0]["code"]
    idp.confirm_sign_up(ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code)
    attributes = _attributes(moto_url, seeded, email)
    assert attributes["email_verified"] == "true" and attributes["email"] == email
    user = client("cognito-idp", moto_url).admin_get_user(UserPoolId=seeded.user_pool_id, Username=email)
    assert user["UserStatus"] == "CONFIRMED"
    # What the Authenticator reads after the auto sign-in.
    tokens = _sign_in(idp, seeded, (email, PASSWORD))
    got = idp.get_user(AccessToken=tokens["AccessToken"])
    assert {a["Name"]: a["Value"] for a in got["UserAttributes"]}["email_verified"] == "true"


def test_confirm_sign_up_directly_on_moto_leaves_the_gap(moto_url: str, seeded: Seeded) -> None:
    """Why the gate steps in: moto confirms without marking the e-mail verified."""
    email = f"raw-{uuid.uuid4().hex[:8]}@catscan.local"
    idp = client("cognito-idp", moto_url)
    idp.sign_up(
        ClientId=seeded.user_pool_client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode="123456")
    assert _attributes(moto_url, seeded, email).get("email_verified") != "true"


def test_failed_confirm_sign_up_discloses_no_user(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    code, _ = _refused(
        idp.confirm_sign_up,
        ClientId=seeded.user_pool_client_id,
        Username="nobody@catscan.local",
        ConfirmationCode="123456",
    )
    assert code == "CodeMismatchException"  # moto: UserNotFoundException
    code, _ = _refused(idp.confirm_sign_up, ClientId="unknown-client", Username=DEMO[0], ConfirmationCode="1")
    assert code == "ResourceNotFoundException"


# ------------------------------------------------------------------------------------------ RevokeToken


def test_revoke_token_ends_the_session(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    user = _new_user(moto_url, seeded)
    session = _sign_in(idp, seeded, user)
    parallel = _sign_in(idp, seeded, user)
    refreshed = _refresh(idp, seeded, session["RefreshToken"])  # same session, new access token
    response = idp.revoke_token(ClientId=seeded.user_pool_client_id, Token=session["RefreshToken"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(response) == {"ResponseMetadata"}
    # The refresh token no longer works, with either flow, nor through AdminInitiateAuth.
    for flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        assert _refused(
            idp.initiate_auth,
            ClientId=seeded.user_pool_client_id,
            AuthFlow=flow,
            AuthParameters={"REFRESH_TOKEN": session["RefreshToken"]},
        ) == ("NotAuthorizedException", "Refresh Token has been revoked")
    assert (
        _refused(
            idp.admin_initiate_auth,
            UserPoolId=seeded.user_pool_id,
            ClientId=seeded.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": session["RefreshToken"]},
        )[0]
        == "NotAuthorizedException"
    )
    # The session's access tokens (the first and the refreshed one) are revoked with it.
    for access in (session["AccessToken"], refreshed["AccessToken"]):
        assert _refused(idp.get_user, AccessToken=access) == (
            "NotAuthorizedException",
            "Access Token has been revoked",
        )
    # Another session of the same user is not affected.
    assert idp.get_user(AccessToken=parallel["AccessToken"])["Username"]
    assert _refresh(idp, seeded, parallel["RefreshToken"])["AccessToken"]
    # Revoking again, or a token moto never issued, is answered like the first time.
    idp.revoke_token(ClientId=seeded.user_pool_client_id, Token=session["RefreshToken"])
    idp.revoke_token(ClientId=seeded.user_pool_client_id, Token=str(uuid.uuid4()))


def test_revoke_token_checks_the_request(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    session = _sign_in(idp, seeded, _new_user(moto_url, seeded))
    assert (
        _refused(idp.revoke_token, ClientId="unknown-client", Token=session["RefreshToken"])[0]
        == "ResourceNotFoundException"
    )
    for jwt_token in (session["AccessToken"], session["IdToken"]):
        assert (
            _refused(idp.revoke_token, ClientId=seeded.user_pool_client_id, Token=jwt_token)[0]
            == "UnsupportedTokenTypeException"
        )
    for body, missing in (
        ({"ClientId": seeded.user_pool_client_id}, "'token'"),
        ({"Token": session["RefreshToken"]}, "'clientId'"),
        ({}, "2 validation errors"),
    ):
        answer = _post(gate.url, "RevokeToken", body)
        assert answer.status_code == 400 and answer.json()["__type"] == "InvalidParameterException"
        assert missing in answer.json()["message"]
    # None of that revoked anything.
    assert _refresh(idp, seeded, session["RefreshToken"])["AccessToken"]
    assert idp.get_user(AccessToken=session["AccessToken"])["Username"]


def test_revocation_survives_a_restart_and_keeps_no_token(
    moto_url: str, seeded: Seeded, tmp_path: Path
) -> None:
    first = start_gate_process(moto_url, seeded, tmp_path, tmp_path / "gate.log")
    try:
        idp = client("cognito-idp", first.url)
        session = _sign_in(idp, seeded, _new_user(moto_url, seeded))
        idp.revoke_token(ClientId=seeded.user_pool_client_id, Token=session["RefreshToken"])
    finally:
        first.stop()
    state = next(tmp_path.glob("storage-gate-state.json")).read_text()
    assert session["RefreshToken"] not in state
    second = start_gate_process(moto_url, seeded, tmp_path, tmp_path / "gate.log")
    try:
        idp = client("cognito-idp", second.url)
        assert _refused(_refresh, idp, seeded, session["RefreshToken"])[0] == "NotAuthorizedException"
        assert _refused(idp.get_user, AccessToken=session["AccessToken"])[0] == "NotAuthorizedException"
    finally:
        second.stop()

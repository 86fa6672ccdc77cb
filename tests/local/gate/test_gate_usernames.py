"""User names of the case-insensitive pool (`UsernameConfiguration: {CaseSensitive: false}`, Amplify Gen 2's)
through the gate, against the real moto server: any capitalisation of an e-mail is the same user."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from catscan.local.gate.cognito_idp import unverified_claims
from catscan.local.seed import Seeded, add_user
from tests.local.gate.gate_testkit import DEMO, GateProcess, client, error_code, mail_code, refusal, sign_in

PASSWORD = "Signed-up-1"
NEW_PASSWORD = "Reset-pass-2"


def _sub(result: dict) -> str:
    return unverified_claims(result["IdToken"])["sub"]


def _mixed_case_email() -> str:
    return f"Case-{uuid.uuid4().hex[:8]}@CatScan.Local"


def test_the_seeded_pool_is_case_insensitive_like_amplifys(moto_url: str, seeded: Seeded) -> None:
    pool = client("cognito-idp", moto_url).describe_user_pool(UserPoolId=seeded.user_pool_id)["UserPool"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}


def test_sign_in_with_any_capitalisation(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    plain = sign_in(idp, seeded, *DEMO)["AuthenticationResult"]
    for spelling in ("Demo@catscan.local", "DEMO@CATSCAN.LOCAL"):
        assert _sub(sign_in(idp, seeded, spelling, DEMO[1])["AuthenticationResult"]) == _sub(plain)
    # Still the password that decides.
    assert refusal(sign_in, idp, seeded, "Demo@catscan.local", "Wrong-pass-9") == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def test_a_differently_cased_email_is_the_existing_user(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    assert refusal(
        idp.sign_up,
        ClientId=seeded.user_pool_client_id,
        Username="Demo@catscan.local",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "Demo@catscan.local"}],
    ) == ("UsernameExistsException", "User already exists")
    assert refusal(
        idp.admin_create_user,
        UserPoolId=seeded.user_pool_id,
        Username="DEMO@catscan.local",
        MessageAction="SUPPRESS",
    ) == ("UsernameExistsException", "User account already exists")
    found = idp.admin_get_user(UserPoolId=seeded.user_pool_id, Username="Demo@Catscan.Local")
    assert found["Username"] == _sub(sign_in(idp, seeded, *DEMO)["AuthenticationResult"])


def test_sign_up_confirm_and_reset_in_another_case(gate: GateProcess, seeded: Seeded) -> None:
    """Signed up as typed on a phone (`Case-…@CatScan.Local`), used in other spellings afterwards."""
    idp = client("cognito-idp", gate.url)
    email = _mixed_case_email()
    idp.sign_up(
        ClientId=seeded.user_pool_client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    stored = email.lower()  # the gate's one spelling (a deviation: Cognito keeps the address as typed)
    idp.confirm_sign_up(
        ClientId=seeded.user_pool_client_id,
        Username=email.upper(),
        ConfirmationCode=mail_code(gate.url, stored, "sign-up"),
    )
    signed_in = sign_in(idp, seeded, stored, PASSWORD)["AuthenticationResult"]
    user = idp.admin_get_user(UserPoolId=seeded.user_pool_id, Username=email)
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == stored
    sent = idp.forgot_password(ClientId=seeded.user_pool_client_id, Username=email.upper())
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    idp.confirm_forgot_password(
        ClientId=seeded.user_pool_client_id,
        Username=email,
        ConfirmationCode=mail_code(gate.url, stored, "password-reset"),
        Password=NEW_PASSWORD,
    )
    assert _sub(sign_in(idp, seeded, email, NEW_PASSWORD)["AuthenticationResult"]) == _sub(signed_in)


def test_add_user_through_the_gate_or_moto_finds_one_user(
    gate: GateProcess, moto_url: str, seeded: Seeded
) -> None:
    """`catscan user add` (through the gate) and the seed (moto directly) fold names alike."""
    email = _mixed_case_email()
    add_user(moto_url, seeded.user_pool_id, email, PASSWORD)
    for url in (gate.url, moto_url):
        with pytest.raises(ClientError) as info:
            add_user(url, seeded.user_pool_id, email.swapcase(), PASSWORD)
        assert error_code(info.value) == "UsernameExistsException"
    idp = client("cognito-idp", gate.url)
    assert sign_in(idp, seeded, email.upper(), PASSWORD)["AuthenticationResult"]["IdToken"]

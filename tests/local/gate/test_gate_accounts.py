"""Sign-up confirmation, resend and password reset through the gate, with the codes of the local mailbox,
against the real moto server, with boto3's cognito-idp client (what Amplify's calls look like on the wire)."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from catscan.local.gate import RunningGate
from catscan.local.seed import Seeded
from tests.local.gate.gate_testkit import (
    DEMO,
    RESET,
    GateProcess,
    client,
    mail,
    mail_code,
    refusal,
    sign_in,
    start_gate_process,
)
from tests.support.clock import Clock

PASSWORD = "Signed-up-1"
NEW_PASSWORD = "Reset-pass-2"


def _email() -> str:
    return f"acct-{uuid.uuid4().hex[:8]}@catscan.local"


def _sign_up(idp, seeded: Seeded, email: str) -> dict:
    return idp.sign_up(
        ClientId=seeded.user_pool_client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _confirmed_user(idp, seeded: Seeded, gate_url: str) -> str:
    email = _email()
    _sign_up(idp, seeded, email)
    idp.confirm_sign_up(
        ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=mail_code(gate_url, email)
    )
    return email


# ------------------------------------------------------------------------------------------------ sign-up


def test_sign_up_mails_a_code_that_confirms_and_only_that_code(
    gate: GateProcess, moto_url: str, seeded: Seeded
) -> None:
    idp = client("cognito-idp", gate.url)
    email = _email()
    signed_up = _sign_up(idp, seeded, email)
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"] == {
        "Destination": "a***@c***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = mail_code(gate.url, email)
    assert len(code) == 6 and code.isdigit()
    # moto would accept anything; the gate does not.
    for wrong in (_wrong(code), "000000", "abc"):
        assert refusal(
            idp.confirm_sign_up, ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=wrong
        ) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    # Until confirmed, the right password answers UserNotConfirmedException (the UI's way to the code step).
    assert refusal(sign_in, idp, seeded, email, PASSWORD)[0] == "UserNotConfirmedException"
    assert refusal(sign_in, idp, seeded, email, "Wrong-pass-9")[0] == "NotAuthorizedException"
    idp.confirm_sign_up(ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code)
    user = client("cognito-idp", moto_url).admin_get_user(UserPoolId=seeded.user_pool_id, Username=email)
    assert user["UserStatus"] == "CONFIRMED"
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email_verified"] == "true"
    assert sign_in(idp, seeded, email, PASSWORD)["AuthenticationResult"]["AccessToken"]
    assert refusal(
        idp.confirm_sign_up, ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code
    ) == ("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")


def test_resend_replaces_the_code(gate: GateProcess, seeded: Seeded) -> None:
    """Sign up, leave, come back: the resent code confirms; the first one no longer does."""
    idp = client("cognito-idp", gate.url)
    email = _email()
    _sign_up(idp, seeded, email)
    first = mail_code(gate.url, email)
    resent = idp.resend_confirmation_code(ClientId=seeded.user_pool_client_id, Username=email)
    assert resent["CodeDeliveryDetails"] == {
        "Destination": "a***@c***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    messages = mail(gate.url, email)
    assert len(messages) == 2
    second = messages[0]["code"]
    if second != first:  # one chance in a million that the new code repeats the old
        assert (
            refusal(
                idp.confirm_sign_up,
                ClientId=seeded.user_pool_client_id,
                Username=email,
                ConfirmationCode=first,
            )[0]
            == "CodeMismatchException"
        )
    idp.confirm_sign_up(ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=second)
    assert sign_in(idp, seeded, email, PASSWORD)["AuthenticationResult"]["IdToken"]
    assert refusal(idp.resend_confirmation_code, ClientId=seeded.user_pool_client_id, Username=email) == (
        "InvalidParameterException",
        "User is already confirmed.",
    )


def test_unknown_users_are_not_disclosed(gate: GateProcess, seeded: Seeded) -> None:
    """PreventUserExistenceErrors ENABLED: an unknown user looks like a wrong password or a sent code."""
    idp = client("cognito-idp", gate.url)
    nobody = _email()
    unknown = refusal(sign_in, idp, seeded, nobody, "Any-pass-1")
    wrong_password = refusal(sign_in, idp, seeded, DEMO[0], "Wrong-pass-1")
    assert unknown == wrong_password == ("NotAuthorizedException", "Incorrect username or password.")
    srp = refusal(
        idp.initiate_auth,
        ClientId=seeded.user_pool_client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": nobody, "SRP_A": "abc123"},
    )
    assert srp == ("NotAuthorizedException", "Incorrect username or password.")
    simulated = {"Destination": "a***@c***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert (
        idp.resend_confirmation_code(ClientId=seeded.user_pool_client_id, Username=nobody)[
            "CodeDeliveryDetails"
        ]
        == simulated
    )
    assert (
        idp.forgot_password(ClientId=seeded.user_pool_client_id, Username=nobody)["CodeDeliveryDetails"]
        == simulated
    )
    assert mail(gate.url, nobody) == [] and mail(gate.url, nobody, RESET) == []
    assert (
        refusal(
            idp.confirm_sign_up,
            ClientId=seeded.user_pool_client_id,
            Username=nobody,
            ConfirmationCode="123456",
        )[0]
        == "CodeMismatchException"
    )
    assert (
        refusal(
            idp.confirm_forgot_password,
            ClientId=seeded.user_pool_client_id,
            Username=nobody,
            ConfirmationCode="123456",
            Password=NEW_PASSWORD,
        )[0]
        == "CodeMismatchException"
    )


def test_existing_user_errors_carry_cognito_s_messages(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    assert refusal(
        idp.sign_up,
        ClientId=seeded.user_pool_client_id,
        Username=DEMO[0],
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": DEMO[0]}],
    ) == ("UsernameExistsException", "User already exists")
    assert refusal(
        idp.admin_create_user, UserPoolId=seeded.user_pool_id, Username=DEMO[0], MessageAction="SUPPRESS"
    ) == ("UsernameExistsException", "User account already exists")


def test_codes_operations_check_the_request(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    assert refusal(idp.resend_confirmation_code, ClientId="unknown-client", Username=DEMO[0]) == (
        "ResourceNotFoundException",
        "User pool client unknown-client does not exist.",
    )
    assert (
        refusal(idp.forgot_password, ClientId="unknown-client", Username=DEMO[0])[0]
        == "ResourceNotFoundException"
    )
    answer = requests.post(
        f"{gate.url}/",
        json={"ClientId": seeded.user_pool_client_id},
        timeout=10,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ResendConfirmationCode",
        },
    )
    assert answer.status_code == 400 and answer.json()["__type"] == "InvalidParameterException"
    assert "'username'" in answer.json()["message"]


def test_admin_confirm_sign_up_voids_the_code(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    email = _email()
    _sign_up(idp, seeded, email)
    code = mail_code(gate.url, email)
    idp.admin_confirm_sign_up(UserPoolId=seeded.user_pool_id, Username=email)
    assert (
        client("cognito-idp", moto_url).admin_get_user(UserPoolId=seeded.user_pool_id, Username=email)[
            "UserStatus"
        ]
        == "CONFIRMED"
    )
    assert (
        refusal(
            idp.confirm_sign_up, ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code
        )[0]
        == "NotAuthorizedException"
    )
    assert refusal(idp.admin_confirm_sign_up, UserPoolId=seeded.user_pool_id, Username=email) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )
    assert (
        refusal(idp.admin_confirm_sign_up, UserPoolId=seeded.user_pool_id, Username=_email())[0]
        == "UserNotFoundException"
    )  # admin operations (IAM-authorized in AWS) do say which users exist


# ----------------------------------------------------------------------------------------- password reset


def test_forgot_password_with_a_wrong_then_the_right_code(gate: GateProcess, seeded: Seeded) -> None:
    idp = client("cognito-idp", gate.url)
    email = _confirmed_user(idp, seeded, gate.url)
    assert refusal(
        idp.confirm_forgot_password,
        ClientId=seeded.user_pool_client_id,
        Username=email,
        ConfirmationCode="123456",
        Password=NEW_PASSWORD,
    ) == ("ExpiredCodeException", "Invalid code provided, please request a code again.")  # none requested
    sent = idp.forgot_password(ClientId=seeded.user_pool_client_id, Username=email)
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = mail_code(gate.url, email, RESET)
    assert (
        refusal(
            idp.confirm_forgot_password,
            ClientId=seeded.user_pool_client_id,
            Username=email,
            ConfirmationCode=_wrong(code),
            Password=NEW_PASSWORD,
        )[0]
        == "CodeMismatchException"
    )
    assert (
        refusal(
            idp.confirm_forgot_password,
            ClientId=seeded.user_pool_client_id,
            Username=email,
            ConfirmationCode=code,
            Password="short",
        )[0]
        == "InvalidPasswordException"
    )
    idp.confirm_forgot_password(
        ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code, Password=NEW_PASSWORD
    )  # the policy refusal left the code valid
    assert sign_in(idp, seeded, email, NEW_PASSWORD)["AuthenticationResult"]["AccessToken"]
    assert refusal(sign_in, idp, seeded, email, PASSWORD)[0] == "NotAuthorizedException"
    assert (
        refusal(
            idp.confirm_forgot_password,
            ClientId=seeded.user_pool_client_id,
            Username=email,
            ConfirmationCode=code,
            Password=PASSWORD,
        )[0]
        == "ExpiredCodeException"
    )  # used up


def test_no_reset_code_for_an_unconfirmed_user(gate: GateProcess, seeded: Seeded) -> None:
    """Its e-mail is not verified: Cognito answers as if it sent a code, and sends none."""
    idp = client("cognito-idp", gate.url)
    email = _email()
    _sign_up(idp, seeded, email)
    assert (
        idp.forgot_password(ClientId=seeded.user_pool_client_id, Username=email)["CodeDeliveryDetails"][
            "DeliveryMedium"
        ]
        == "EMAIL"
    )
    assert mail(gate.url, email, RESET) == []


# ------------------------------------------------------------------------------------------------- expiry


def test_codes_expire(thread_gate: RunningGate, clock: Clock, seeded: Seeded) -> None:
    idp = client("cognito-idp", thread_gate.url)
    email = _email()
    _sign_up(idp, seeded, email)
    code = mail_code(thread_gate.url, email)
    clock.offset = 24 * 3600 + 1  # sign-up codes live 24 hours
    assert (
        refusal(
            idp.confirm_sign_up, ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code
        )[0]
        == "ExpiredCodeException"
    )
    idp.resend_confirmation_code(ClientId=seeded.user_pool_client_id, Username=email)
    idp.confirm_sign_up(
        ClientId=seeded.user_pool_client_id,
        Username=email,
        ConfirmationCode=mail_code(thread_gate.url, email),
    )
    idp.forgot_password(ClientId=seeded.user_pool_client_id, Username=email)
    reset = mail_code(thread_gate.url, email, RESET)
    clock.offset += 3601  # reset codes live 1 hour
    assert (
        refusal(
            idp.confirm_forgot_password,
            ClientId=seeded.user_pool_client_id,
            Username=email,
            ConfirmationCode=reset,
            Password=NEW_PASSWORD,
        )[0]
        == "ExpiredCodeException"
    )


# ------------------------------------------------------------------------------------------- the mailbox


def test_mailbox_page_log_and_restart(moto_url: str, seeded: Seeded, tmp_path: Path) -> None:
    log_path = tmp_path / "gate.log"
    first = start_gate_process(moto_url, seeded, tmp_path, log_path)
    email = _email()
    try:
        idp = client("cognito-idp", first.url)
        _sign_up(idp, seeded, email)
        code = mail_code(first.url, email)
        page = requests.get(f"{first.url}/__gate/mailbox", timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert email in page.text and code in page.text and "Your verification code" in page.text
    finally:
        first.stop()
    assert f"mail to {email}: your verification code is {code}" in log_path.read_text()
    assert (tmp_path / "local-mailbox.json").stat().st_mode & 0o777 == 0o600
    second = start_gate_process(moto_url, seeded, tmp_path, log_path)
    try:  # the code survives a restart of the local cloud, like the user does
        client("cognito-idp", second.url).confirm_sign_up(
            ClientId=seeded.user_pool_client_id, Username=email, ConfirmationCode=code
        )
    finally:
        second.stop()

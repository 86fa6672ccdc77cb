"""Cognito Identity through the gate: stable IdentityIds, verified logins, minted credentials."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.outputs import amplify_outputs, write_outputs
from catscan.local.seed import REGION, Seeded
from tests.local.gate.gate_testkit import (
    ADMIN,
    DEMO,
    OTHER,
    GateProcess,
    access_token,
    client,
    error_code,
    id_token,
    identity,
    provider,
    start_gate_process,
)
from tests.support.clock import Clock
from tests.support.forged_tokens import signed_by_another_key, with_tampered_claims


def _get_id(url: str, seeded: Seeded, logins: dict[str, str], pool: str | None = None) -> str:
    cognito = client("cognito-identity", url)
    return cognito.get_id(IdentityPoolId=pool or seeded.identity_pool_id, Logins=logins)["IdentityId"]


def _refused(url: str, seeded: Seeded, logins: dict[str, str], pool: str | None = None) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        _get_id(url, seeded, logins, pool)
    return error_code(info.value), info.value.response["Error"]["Message"]


def test_get_id_is_stable_per_user_and_distinct_between_users(
    gate: GateProcess, moto_url: str, seeded: Seeded
) -> None:
    demo_token = id_token(moto_url, seeded.user_pool_client_id, DEMO)
    first = _get_id(gate.url, seeded, {provider(seeded): demo_token})
    again = _get_id(
        gate.url, seeded, {provider(seeded): id_token(moto_url, seeded.user_pool_client_id, DEMO)}
    )
    admin = _get_id(
        gate.url, seeded, {provider(seeded): id_token(moto_url, seeded.user_pool_client_id, ADMIN)}
    )
    other = _get_id(
        gate.url, seeded, {provider(seeded): id_token(moto_url, seeded.user_pool_client_id, OTHER)}
    )
    assert first == again
    assert len({first, admin, other}) == 3
    region, _, uuid_part = first.partition(":")
    assert region == REGION and len(uuid_part) == 36


def test_credentials_have_the_sts_shape(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    ident = identity(gate.url, seeded, id_token(moto_url, seeded.user_pool_client_id, DEMO))
    creds = ident.credentials
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretKey"]) == 40 and creds["SessionToken"]
    assert 3500 < creds["Expiration"].timestamp() - time.time() <= 3600


def test_identity_and_credentials_survive_a_restart(moto_url: str, seeded: Seeded, tmp_path: Path) -> None:
    first = start_gate_process(moto_url, seeded, tmp_path, tmp_path / "first.log")
    try:
        before = identity(first.url, seeded, id_token(moto_url, seeded.user_pool_client_id, DEMO))
        before.s3().put_object(Bucket=seeded.bucket, Key=before.prefix() + "restart.txt", Body=b"kept")
    finally:
        first.stop()
    assert (tmp_path / "storage-gate-state.json").stat().st_mode & 0o777 == 0o600
    second = start_gate_process(moto_url, seeded, tmp_path, tmp_path / "second.log")
    try:
        after = identity(second.url, seeded, id_token(moto_url, seeded.user_pool_client_id, DEMO))
        assert after.identity_id == before.identity_id
        # Credentials minted before the restart stay valid until they expire, as in AWS.
        old_client = client(
            "s3",
            second.url,
            before.credentials["AccessKeyId"],
            before.credentials["SecretKey"],
            before.credentials["SessionToken"],
        )
        body = old_client.get_object(Bucket=seeded.bucket, Key=before.prefix() + "restart.txt")["Body"].read()
        assert body == b"kept"
    finally:
        second.stop()


def test_forged_tampered_and_wrong_kind_of_tokens_are_refused(
    gate: GateProcess, moto_url: str, seeded: Seeded
) -> None:
    token = id_token(moto_url, seeded.user_pool_client_id, DEMO)
    tampered = with_tampered_claims(token, sub="00000000-0000-0000-0000-000000000000")
    for bad in (
        signed_by_another_key(token),
        tampered,
        "not-a-jwt",
        access_token(moto_url, seeded.user_pool_client_id, DEMO),
    ):
        code, message = _refused(gate.url, seeded, {provider(seeded): bad})
        assert code == "NotAuthorizedException", (bad[:20], message)
        assert message.startswith("Invalid login token")


def test_token_of_another_user_pool_is_refused(gate: GateProcess, moto_url: str, seeded: Seeded) -> None:
    idp = client("cognito-idp", moto_url)
    pool = idp.create_user_pool(PoolName="not-catscan")["UserPool"]["Id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="x", ExplicitAuthFlows=flows)[
        "UserPoolClient"
    ]
    app = app["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="eve@example.com", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool, Username="eve@example.com", Password="Eve-pass-1", Permanent=True
    )
    foreign = id_token(moto_url, app, ("eve@example.com", "Eve-pass-1"))
    # Presented as the configured provider: the issuer is not the pool's.
    assert _refused(gate.url, seeded, {provider(seeded): foreign})[0] == "NotAuthorizedException"
    # Presented as its own provider: not a provider of this identity pool.
    code, message = _refused(gate.url, seeded, {f"cognito-idp.{REGION}.amazonaws.com/{pool}": foreign})
    assert code == "NotAuthorizedException" and "supported provider" in message
    # A token of the right pool for an app client the identity pool does not list.
    other_app = idp.create_user_pool_client(
        UserPoolId=seeded.user_pool_id,
        ClientName="not-listed",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    assert (
        _refused(gate.url, seeded, {provider(seeded): id_token(moto_url, other_app, DEMO)})[0]
        == "NotAuthorizedException"
    )


def test_expired_token_is_refused(thread_gate: object, clock: Clock, moto_url: str, seeded: Seeded) -> None:
    token = id_token(moto_url, seeded.user_pool_client_id, DEMO)
    url = thread_gate.url  # type: ignore[attr-defined]
    assert _get_id(url, seeded, {provider(seeded): token})
    clock.offset = 2 * 3600
    code, message = _refused(url, seeded, {provider(seeded): token})
    assert code == "NotAuthorizedException" and "expired" in message.lower()


def test_missing_logins_unknown_pool_and_unknown_identity(
    gate: GateProcess, moto_url: str, seeded: Seeded
) -> None:
    assert _refused(gate.url, seeded, {})[0] == "NotAuthorizedException"
    token = id_token(moto_url, seeded.user_pool_client_id, DEMO)
    assert (
        _refused(
            gate.url, seeded, {provider(seeded): token}, pool=f"{REGION}:00000000-0000-0000-0000-000000000000"
        )[0]
        == "ResourceNotFoundException"
    )
    cognito = client("cognito-identity", gate.url)
    with pytest.raises(ClientError) as info:
        cognito.get_credentials_for_identity(
            IdentityId=f"{REGION}:00000000-0000-0000-0000-000000000000", Logins={provider(seeded): token}
        )
    assert error_code(info.value) == "ResourceNotFoundException"


def test_credentials_for_another_users_identity_are_refused(
    gate: GateProcess, moto_url: str, seeded: Seeded
) -> None:
    demo_token = id_token(moto_url, seeded.user_pool_client_id, DEMO)
    admin_token = id_token(moto_url, seeded.user_pool_client_id, ADMIN)
    admin_id = _get_id(gate.url, seeded, {provider(seeded): admin_token})
    cognito = client("cognito-identity", gate.url)
    for logins in ({provider(seeded): demo_token}, {}):
        with pytest.raises(ClientError) as info:
            cognito.get_credentials_for_identity(IdentityId=admin_id, Logins=logins)
        assert error_code(info.value) == "NotAuthorizedException"


def test_other_operations_go_to_moto(gate: GateProcess, seeded: Seeded) -> None:
    pool = client("cognito-identity", gate.url).describe_identity_pool(IdentityPoolId=seeded.identity_pool_id)
    assert pool["IdentityPoolName"] == "catscan_local"


def test_user_session_gets_the_gates_identity(
    gate: GateProcess, moto_url: str, seeded: Seeded, tmp_path: Path
) -> None:
    """catscan.client.session reads the endpoints from amplify_outputs.json: with s3 and cognito-identity on
    the gate, a CLI user gets a stable identity and can write only below it."""
    outputs = amplify_outputs(
        seeded, moto_url, "http://127.0.0.1:1/graphql", "http://127.0.0.1:1", "http://ui"
    )
    outputs["custom"]["local"]["endpoints"].update({"s3": gate.url, "cognito-identity": gate.url})
    write_outputs(tmp_path / "amplify_outputs.json", outputs)
    session = UserSession.sign_in(load_outputs(tmp_path / "amplify_outputs.json"), *DEMO)
    identity_id, _ = session.identity()
    demo_id = _get_id(gate.url, seeded, {provider(seeded): session.id_token})
    assert identity_id == demo_id
    s3 = session.s3()
    s3.put_object(Bucket=seeded.bucket, Key=f"uploads/{identity_id}/session/x.txt", Body=b"x")
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket=seeded.bucket, Key="uploads/someone-else/x.txt", Body=b"x")
    assert error_code(info.value) == "AccessDenied"

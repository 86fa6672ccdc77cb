"""Authentication at the HTTP edge: Cognito JWTs from moto and IAM SigV4, with AppSync's 401/403 shapes."""

from __future__ import annotations

import json

import aiohttp
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from tests.local.appsync.appsync_testkit import LIST, REGION, Api, scanner_credentials
from tests.support.forged_tokens import claims, signed_by_another_key, unsigned, with_tampered_claims

pytestmark = pytest.mark.asyncio

QUERY = json.dumps({"query": "query { listScans(limit: 1) { items { id } } }"})
MISSING = {
    "errors": [{"errorType": "UnauthorizedException", "message": "Valid authorization header not provided."}]
}


async def post(url: str, body: str, headers: dict | None = None) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers={"content-type": "application/json", **(headers or {})}) as r,
    ):
        return r.status, await r.json(content_type=None)


def sigv4_headers(emulator, body: str, credentials=None, region: str = REGION) -> dict:
    request = AWSRequest(
        method="POST", url=emulator.url, data=body, headers={"content-type": "application/json"}
    )
    SigV4Auth(credentials or scanner_credentials(), "appsync", region).add_auth(request)
    return dict(request.headers)


async def test_missing_authorization_is_401(emulator):
    assert await post(emulator.url, QUERY) == (401, MISSING)


async def test_id_and_access_tokens_are_both_accepted(emulator, cognito):
    for token in (cognito.id_token("alice"), cognito.access_token("alice")):
        status, body = await post(emulator.url, QUERY, {"Authorization": token})
        assert status == 200 and "errors" not in body


@pytest.mark.parametrize(
    "forge", ["garbage", "bearer", "alg_none", "other_key", "tampered", "wrong_client", "other_pool"]
)
async def test_forged_tokens_are_refused(emulator, cognito, forge):
    token = cognito.id_token("bob")
    if forge == "garbage":
        bad, message = "not-a-jwt", "Unable to parse JWT token."
    elif forge == "bearer":
        bad, message = f"Bearer {token}", "Unable to parse JWT token."
    elif forge == "alg_none":
        bad, message = unsigned(token, kid="dummy"), MISSING["errors"][0]["message"]
    elif forge == "other_key":
        bad, message = signed_by_another_key(token, kid="dummy"), MISSING["errors"][0]["message"]
    elif forge == "tampered":
        bad, message = (
            with_tampered_claims(token, **{"cognito:groups": ["Admin"]}),
            MISSING["errors"][0]["message"],
        )
    elif forge == "wrong_client":  # a real token of the same pool, for an app client the API does not trust
        bad = cognito.login("bob", cognito.other_client_id)["IdToken"]
        message = MISSING["errors"][0]["message"]
    else:  # a real token of another pool: moto signs every pool with the same key, so only `iss` tells
        other_pool = cognito.idp.create_user_pool(PoolName="elsewhere")["UserPool"]["Id"]
        client = cognito.idp.create_user_pool_client(
            UserPoolId=other_pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )
        cognito.add_user("bob", pool_id=other_pool)
        bad = cognito.idp.initiate_auth(
            ClientId=client["UserPoolClient"]["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "bob", "PASSWORD": "Passw0rd!local"},
        )["AuthenticationResult"]["IdToken"]
        message = MISSING["errors"][0]["message"]
    status, body = await post(emulator.url, QUERY, {"Authorization": bad})
    assert (status, body) == (401, {"errors": [{"errorType": "UnauthorizedException", "message": message}]})


async def test_tampering_does_not_grant_admin_through_gql(emulator, cognito):
    forged = with_tampered_claims(cognito.id_token("bob"), **{"cognito:groups": ["Admin"]})
    data, errors = await Api(emulator, token=forged).call(LIST)
    assert data is None
    assert errors == MISSING["errors"]


async def test_expired_token_is_refused(emulator, cognito, clock):
    token = cognito.access_token("alice")
    clock.offset = claims(token)["exp"] - claims(token)["iat"] + 1  # the same real token, an hour later
    status, body = await post(emulator.url, QUERY, {"Authorization": token})
    assert (status, body) == (
        401,
        {"errors": [{"errorType": "UnauthorizedException", "message": "Token has expired."}]},
    )


async def test_a_token_accepted_before_is_still_refused_once_expired(emulator, cognito, clock):
    """The emulator keeps the tokens whose signature it verified; their expiry is checked at each request."""
    token = cognito.access_token("alice")
    status, body = await post(emulator.url, QUERY, {"Authorization": token})
    assert status == 200 and "errors" not in body
    clock.offset = claims(token)["exp"] - claims(token)["iat"] + 1
    status, body = await post(emulator.url, QUERY, {"Authorization": token})
    assert (status, body) == (
        401,
        {"errors": [{"errorType": "UnauthorizedException", "message": "Token has expired."}]},
    )


async def test_sigv4_scanner_is_accepted(emulator):
    status, body = await post(emulator.url, QUERY, sigv4_headers(emulator, QUERY))
    assert status == 200 and "errors" not in body


@pytest.mark.parametrize(
    "case,error_type",
    [
        ("wrong_secret", "InvalidSignatureException"),
        ("unknown_key", "UnrecognizedClientException"),
        ("body_changed", "InvalidSignatureException"),
        ("other_region", "InvalidSignatureException"),
        ("clock_skew", "InvalidSignatureException"),
    ],
)
async def test_sigv4_failures_are_refused(emulator, clock, case, error_type):
    body = QUERY
    if case == "wrong_secret":
        headers = sigv4_headers(emulator, body, scanner_credentials(secret="not-the-secret"))
    elif case == "unknown_key":
        headers = sigv4_headers(emulator, body, scanner_credentials(key="AKIAUNKNOWN000000000"))
    elif case == "body_changed":
        headers = sigv4_headers(emulator, body)
        body = json.dumps({"query": 'mutation { deleteScan(input: {id: "x"}) { id } }'})
    elif case == "other_region":
        headers = sigv4_headers(emulator, body, region="eu-west-1")
    else:
        headers = sigv4_headers(emulator, body)
        clock.offset = 16 * 60
    status, result = await post(emulator.url, body, headers)
    assert status == 403 and result["errors"][0]["errorType"] == error_type


async def test_cors_preflight_and_headers(emulator, cognito):
    async with aiohttp.ClientSession() as session:
        async with session.options(
            emulator.url,
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,x-amz-user-agent",
            },
        ) as r:
            assert r.status == 200
            assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
            allowed = r.headers["Access-Control-Allow-Headers"].lower()
            for h in ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-user-agent", "x-api-key"):
                assert h in allowed
        async with session.post(
            emulator.url,
            data=QUERY,
            headers={"Origin": "http://localhost:5173", "Authorization": cognito.id_token("alice")},
        ) as r:
            assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        async with session.post(emulator.url, data=QUERY, headers={"Origin": "http://localhost:5173"}) as r:
            assert r.status == 401 and r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"

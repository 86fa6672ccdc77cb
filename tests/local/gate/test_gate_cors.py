"""CORS through the gate: S3 answers by the bucket's rules only; Cognito Identity answers the web app."""

from __future__ import annotations

import requests

from catscan.local.seed import Seeded
from tests.local.gate.gate_testkit import UI_ORIGIN, GateProcess, Identity

EVIL = "http://evil.example"


def _preflight(
    url: str, origin: str, method: str = "PUT", headers: str = "content-type"
) -> requests.Response:
    return requests.options(
        url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
        timeout=10,
    )


def test_s3_preflight_from_the_ui_origin_succeeds(gate: GateProcess, demo: Identity, seeded: Seeded) -> None:
    url = f"{gate.url}/{seeded.bucket}/{demo.prefix()}scan/photo.png"
    for origin in (UI_ORIGIN, UI_ORIGIN.replace("127.0.0.1", "localhost")):
        for method in ("PUT", "GET", "DELETE"):
            response = _preflight(url, origin, method)
            assert response.status_code == 200, (origin, method, response.text)
            assert response.headers["Access-Control-Allow-Origin"] == origin
            assert method in response.headers["Access-Control-Allow-Methods"]
            assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
            assert "ETag" in response.headers["Access-Control-Expose-Headers"]
            assert response.headers["Access-Control-Max-Age"] == "3000"


def test_s3_preflight_from_another_origin_or_method_is_refused(gate: GateProcess, seeded: Seeded) -> None:
    url = f"{gate.url}/{seeded.bucket}/uploads/x/photo.png"
    for origin, method in ((EVIL, "PUT"), (UI_ORIGIN, "PATCH")):
        response = _preflight(url, origin, method)
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        assert b"<Code>AccessForbidden</Code>" in response.content
    assert _preflight(f"{gate.url}/no-such-bucket/x", UI_ORIGIN).status_code == 403


def test_s3_responses_carry_cors_headers_for_the_ui_origin_only(
    gate: GateProcess, demo: Identity, seeded: Seeded
) -> None:
    key = demo.prefix() + "cors/photo.png"
    demo.s3().put_object(Bucket=seeded.bucket, Key=key, Body=b"x")
    presign = demo.s3(signature_version="s3v4").generate_presigned_url
    url = presign("get_object", Params={"Bucket": seeded.bucket, "Key": key})
    ok = requests.get(url, headers={"Origin": UI_ORIGIN}, timeout=10)
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert "ETag" in ok.headers["Access-Control-Expose-Headers"]
    # A refusal is readable by the app (the browser shows why), as with S3.
    elsewhere = presign("get_object", Params={"Bucket": seeded.bucket, "Key": "uploads/someone/photo.png"})
    denied = requests.get(elsewhere, headers={"Origin": UI_ORIGIN}, timeout=10)
    assert denied.status_code == 403 and denied.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    # moto would echo any origin; S3 (and the gate) do not.
    evil = requests.get(url, headers={"Origin": EVIL}, timeout=10)
    assert evil.status_code == 200 and not any(h.lower().startswith("access-control-") for h in evil.headers)


def test_cognito_identity_answers_the_web_app(gate: GateProcess, seeded: Seeded) -> None:
    wanted = "cache-control,content-type,x-amz-target,x-amz-user-agent"
    preflight = _preflight(f"{gate.url}/", UI_ORIGIN, "POST", wanted)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert "x-amz-target" in preflight.headers["Access-Control-Allow-Headers"]
    response = requests.post(
        f"{gate.url}/",
        data="{}",
        timeout=10,
        headers={
            "Origin": UI_ORIGIN,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityService.GetId",
        },
    )
    assert response.status_code == 400 and response.json()["__type"] == "InvalidParameterException"
    assert response.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert "x-amzn-ErrorType" in response.headers["Access-Control-Expose-Headers"]

"""The gate's rules against their sources: the synthesized IAM policy, AWS's SigV4 test vectors, S3's
operation-to-action mapping."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catscan.local.gate.errors import S3Error
from catscan.local.gate.grants import (
    ADMIN_POLICY_TEMPLATE,
    AUTHENTICATED_ROLE,
    POLICY_TEMPLATE,
    policy_for_role,
    role_for_groups,
)
from catscan.local.gate.iam_policy import Check, allowed, statements_for, wildcard_match
from catscan.local.gate.s3_actions import bucket_arn, classify, object_arn
from catscan.local.gate.s3_payload import verify_chunks
from catscan.local.gate.s3_signature import S3SigV4Verifier, canonical_uris
from catscan.local.gate.state import GateState
from tests.local.gate.gate_testkit import REPO_ROOT

BUCKET = "catscan-uploads-local"
ME = "us-east-1:11111111-2222-3333-4444-555555555555"


def _generated_statements(role: str = "authenticatedUserRole") -> list[dict]:
    """The statements of the storage stack's policies attached to `role` (a name part of the role's Ref)."""
    templates = sorted(REPO_ROOT.glob("cdk.out/*storage*.nested.template.json"))
    if not templates:
        pytest.skip("no synthesized storage stack in cdk.out (run `make synth`)")
    statements: list[dict] = []
    for path in templates:
        for resource in json.loads(path.read_text())["Resources"].values():
            props = resource.get("Properties", {})
            roles = json.dumps(props.get("Roles"))
            if resource["Type"] == "AWS::IAM::Policy" and role in roles:
                statements += props["PolicyDocument"]["Statement"]
    assert statements, f"no storage policy for {role} in cdk.out"
    return statements


def _resolve(value: object) -> object:
    """CloudFormation's Fn::Join / Fn::GetAtt Bucket.Arn -> the template's placeholder form."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "arn:aws:s3:::{bucket}"
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(str(_resolve(p)) for p in parts)
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


def test_embedded_policy_is_the_one_amplify_generates() -> None:
    generated = [_resolve(s) for s in _generated_statements()]
    assert generated == [dict(s) for s in POLICY_TEMPLATE]


def test_embedded_admin_policy_is_the_one_amplify_generates_for_the_admin_group_role() -> None:
    generated = [_resolve(s) for s in _generated_statements("AdminGroupRole")]
    assert generated == [dict(s) for s in ADMIN_POLICY_TEMPLATE]


def test_role_follows_the_groups_of_the_id_token() -> None:
    assert role_for_groups(None) == AUTHENTICATED_ROLE
    assert role_for_groups([]) == AUTHENTICATED_ROLE
    assert role_for_groups(["Editors"]) == AUTHENTICATED_ROLE  # a group without a role
    assert role_for_groups(["Editors", "Admin"]) == "Admin"
    assert role_for_groups("Admin") == AUTHENTICATED_ROLE  # the claim is a list
    assert policy_for_role("Admin") == ADMIN_POLICY_TEMPLATE
    assert policy_for_role(AUTHENTICATED_ROLE) == POLICY_TEMPLATE
    assert policy_for_role("unknown") == ()


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (Check("s3:GetObject", object_arn(BUCKET, "uploads/us-east-1:other/s/a.png")), True),
        (Check("s3:GetObject", object_arn(BUCKET, f"uploads/{ME}/s/a.png")), True),
        (Check("s3:GetObject", object_arn(BUCKET, "public/a.png")), False),
        (Check("s3:GetObject", object_arn("another-bucket", "uploads/us-east-1:other/a.png")), False),
        (Check("s3:PutObject", object_arn(BUCKET, f"uploads/{ME}/s/a.png")), True),
        (Check("s3:DeleteObject", object_arn(BUCKET, f"uploads/{ME}/s/a.png")), True),
        (Check("s3:PutObject", object_arn(BUCKET, "uploads/us-east-1:other/s/a.png")), False),
        (Check("s3:DeleteObject", object_arn(BUCKET, "uploads/us-east-1:other/s/a.png")), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": ("uploads/",)}), True),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": ("uploads/us-east-1:other/",)}), True),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": ("uploads",)}), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": ("public/",)}), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {}), False),
    ],
)
def test_admin_policy_evaluation(check: Check, expected: bool) -> None:
    assert allowed(statements_for(BUCKET, ME, ADMIN_POLICY_TEMPLATE), check) is expected


def test_iam_wildcards() -> None:
    assert wildcard_match("arn:aws:s3:::b/uploads/x/*", "arn:aws:s3:::b/uploads/x/")
    assert wildcard_match("arn:aws:s3:::b/uploads/x/*", "arn:aws:s3:::b/uploads/x/a/b/c")
    assert not wildcard_match("arn:aws:s3:::b/uploads/x/*", "arn:aws:s3:::b/uploads/x")
    assert not wildcard_match("arn:aws:s3:::b/uploads/x/*", "arn:aws:s3:::b/uploads/xy/z")
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "ac")
    assert not wildcard_match("a[b]c", "abc") and wildcard_match("a[b]c", "a[b]c")


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (Check("s3:GetObject", object_arn(BUCKET, f"uploads/{ME}/a.png")), True),
        (Check("s3:PutObject", object_arn(BUCKET, f"uploads/{ME}/s/a.png")), True),
        (Check("s3:DeleteObject", object_arn(BUCKET, f"uploads/{ME}/a.png")), True),
        (Check("s3:GetObject", object_arn(BUCKET, "uploads/us-east-1:other/a.png")), False),
        (Check("s3:GetObject", object_arn("another-bucket", f"uploads/{ME}/a.png")), False),
        (Check("s3:GetObjectVersion", object_arn(BUCKET, f"uploads/{ME}/a.png")), False),
        (Check("s3:PutObjectAcl", object_arn(BUCKET, f"uploads/{ME}/a.png")), False),
        (Check("s3:AbortMultipartUpload", object_arn(BUCKET, f"uploads/{ME}/a.png")), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": (f"uploads/{ME}/",)}), True),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": (f"uploads/{ME}/scan-1/",)}), True),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": (f"uploads/{ME}",)}), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": ("uploads/",)}), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {}), False),
        (Check("s3:ListBucket", bucket_arn(BUCKET), {"s3:prefix": (f"uploads/{ME}/x", "uploads/x")}), False),
    ],
)
def test_policy_evaluation(check: Check, expected: bool) -> None:
    assert allowed(statements_for(BUCKET, ME, POLICY_TEMPLATE), check) is expected


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "name", "actions"),
    [
        ("GET", "/b/k", "", {}, "GetObject", ["s3:GetObject"]),
        ("HEAD", "/b/k", "partNumber=1", {}, "HeadObject", ["s3:GetObject"]),
        ("GET", "/b/k", "x-id=GetObject&response-content-type=a", {}, "GetObject", ["s3:GetObject"]),
        ("PUT", "/b/k", "x-id=PutObject", {}, "PutObject", ["s3:PutObject"]),
        ("PUT", "/b/k", "", {"x-amz-acl": "private"}, "PutObject", ["s3:PutObject", "s3:PutObjectAcl"]),
        ("PUT", "/b/k", "x-amz-acl=public-read", {}, "PutObject", ["s3:PutObject", "s3:PutObjectAcl"]),
        ("PUT", "/b/k", "", {"x-amz-tagging": "a=b"}, "PutObject", ["s3:PutObject", "s3:PutObjectTagging"]),
        (
            "PUT",
            "/b/k",
            "",
            {"x-amz-copy-source": "/b/src%20x?versionId=1"},
            "CopyObject",
            ["s3:PutObject", "s3:GetObjectVersion"],
        ),
        ("POST", "/b/k", "uploads", {}, "CreateMultipartUpload", ["s3:PutObject"]),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart", ["s3:PutObject"]),
        (
            "PUT",
            "/b/k",
            "partNumber=1&uploadId=u",
            {"x-amz-copy-source": "b/s"},
            "UploadPartCopy",
            ["s3:PutObject", "s3:GetObject"],
        ),
        ("POST", "/b/k", "uploadId=u", {}, "CompleteMultipartUpload", ["s3:PutObject"]),
        ("DELETE", "/b/k", "", {}, "DeleteObject", ["s3:DeleteObject"]),
        ("GET", "/b", "list-type=2&prefix=p", {}, "ListObjectsV2", ["s3:ListBucket"]),
        ("GET", "/b/", "prefix=p&delimiter=%2F", {}, "ListObjects", ["s3:ListBucket"]),
        ("HEAD", "/b", "", {}, "HeadBucket", ["s3:ListBucket"]),
        ("GET", "/", "", {}, "ListBuckets", ["s3:ListAllMyBuckets"]),
    ],
)
def test_operations_need_the_actions_s3_documents(
    method: str, path: str, query: str, headers: dict, name: str, actions: list[str]
) -> None:
    op = classify(method, path, query, headers)
    assert op.name == name and [c.action for c in op.checks] == actions


@pytest.mark.parametrize(
    ("method", "query"),
    [
        ("GET", "acl"),
        ("GET", "tagging"),
        ("GET", "versionId=1"),
        ("GET", "attributes"),
        ("GET", "torrent"),
        ("PUT", "tagging"),
        ("PUT", "retention"),
        ("DELETE", "versionId=1"),
        ("DELETE", "tagging"),
        ("POST", "restore"),
        ("POST", "select&select-type=2"),
        ("PUT", "uploadId=&partNumber=1"),
        ("GET", "uploadId="),
    ],
)
def test_sub_resources_outside_the_policy_are_not_recognised(method: str, query: str) -> None:
    assert not classify(method, "/b/k", query, {}).supported


@pytest.mark.parametrize(
    "query", ["versions", "uploads", "cors", "acl", "location", "policy", "notification"]
)
def test_bucket_sub_resources_are_not_recognised(query: str) -> None:
    assert not classify("GET", "/b", query, {}).supported


def test_prefix_condition_sees_both_readings_of_plus() -> None:
    op = classify("GET", "/b", "list-type=2&prefix=uploads/a+b/", {})
    assert set(op.checks[0].context["s3:prefix"]) == {"uploads/a+b/", "uploads/a b/"}


def test_canonical_uri_candidates() -> None:
    assert canonical_uris("/b/a%20b") == ["/b/a%20b"]
    assert canonical_uris("/b/us-east-1:x/a") == ["/b/us-east-1%3Ax/a", "/b/us-east-1:x/a"]


# --------------------------------------------------------------------------- AWS's chunked-upload example
# "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks" (S3 API
# reference): 66560 bytes of 'a' in chunks of 64 KiB, signed with the documentation's example key.

DOC_TIME = datetime(2013, 5, 24, tzinfo=UTC).timestamp()
DOC_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
DOC_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
DOC_CHUNKS = [
    (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
    (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
    (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
]


def _doc_verifier() -> S3SigV4Verifier:
    state = GateState(Path(tempfile.mkdtemp()) / "state.json", lambda: DOC_TIME)
    return S3SigV4Verifier("us-east-1", state, {DOC_KEY[0]: DOC_KEY[1]}, lambda: DOC_TIME)


def _doc_headers(signature: str = DOC_SEED) -> dict[str, str]:
    return {
        "Host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={DOC_KEY[0]}/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        f"x-amz-decoded-content-length;x-amz-storage-class,Signature={signature}",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "Content-Length": "66824",
    }


def _doc_body(tamper: bool = False) -> bytes:
    body = b""
    for size, signature in DOC_CHUNKS:
        data = b"a" * size
        if tamper and size == 1024:
            data = b"b" + data[1:]
        body += f"{size:x};chunk-signature={signature}\r\n".encode() + data + b"\r\n"
    return body


def test_aws_chunked_upload_example_verifies() -> None:
    verified = _doc_verifier().verify("PUT", "/examplebucket/chunkObject.txt", "", _doc_headers())
    assert verified is not None and verified.signature == DOC_SEED
    body = _doc_body()
    assert len(body) == 66824
    assert verify_chunks(io.BytesIO(body), verified, 66560) == 66560


def test_aws_chunked_upload_example_tampered() -> None:
    verifier = _doc_verifier()
    with pytest.raises(S3Error) as info:
        verifier.verify("PUT", "/examplebucket/chunkObject.txt", "", _doc_headers("0" * 64))
    assert info.value.code == "SignatureDoesNotMatch"
    verified = verifier.verify("PUT", "/examplebucket/chunkObject.txt", "", _doc_headers())
    with pytest.raises(S3Error) as info:
        verify_chunks(io.BytesIO(_doc_body(tamper=True)), verified, 66560)
    assert info.value.code == "SignatureDoesNotMatch"
    with pytest.raises(S3Error) as info:
        verify_chunks(io.BytesIO(_doc_body()), verified, 66561)
    assert info.value.code == "IncompleteBody"

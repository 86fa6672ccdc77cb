"""Who may do what through the gate, as one table (printed for SECURITY.md), and a chunk-signed upload."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from catscan.local.seed import REGION, Seeded
from tests.local.gate.gate_testkit import GateProcess, Identity, error_code

SMALL_MULTIPART = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)


def _try(action: Callable[[], object]) -> str:
    try:
        result = action()
    except ClientError as exc:
        return f"deny ({error_code(exc)})"
    except Exception as exc:  # noqa: BLE001 - s3transfer wraps ClientError
        return f"deny ({'AccessDenied' if 'AccessDenied' in str(exc) else type(exc).__name__})"
    if isinstance(result, requests.Response) and result.status_code >= 300:
        text = result.text
        return f"deny ({text.split('<Code>')[1].split('</Code>')[0] if '<Code>' in text else result.status_code})"
    return "allow"


def test_allow_deny_table(
    gate: GateProcess,
    demo: Identity,
    other: Identity,
    seeded: Seeded,
    service_s3,
    moto_s3,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = seeded.bucket
    big = b"m" * (6 * 1024 * 1024)
    targets = {
        "own uploads/{id}/": demo.prefix() + "table/",
        "other identity's uploads/{id}/": other.prefix() + "table/",
        "outside uploads/": "public/table/",
    }
    for prefix in targets.values():
        moto_s3.put_object(Bucket=bucket, Key=prefix + "existing.png", Body=b"existing")
    callers = {
        "signed-in identity": demo.s3(),
        "signed-in identity (presigned URL)": demo.s3(signature_version="s3v4"),
        "anonymous": None,
        "service key (--service-credential)": service_s3,
    }
    columns = ["PUT", "GET", "HEAD", "DELETE", "LIST prefix", "multipart PUT", "COPY from"]

    def row(s3, prefix: str, presigned: bool) -> list[str]:
        key = prefix + "existing.png"
        if s3 is None:  # anonymous: plain HTTP

            def anon(method: str, path: str, **kw: object) -> Callable[[], requests.Response]:
                return lambda: requests.request(method, f"{gate.url}/{bucket}/{path}", timeout=10, **kw)

            return [
                _try(anon("PUT", prefix + "new.png", data=b"x")),
                _try(anon("GET", key)),
                _try(anon("HEAD", key)),
                _try(anon("DELETE", prefix + "gone.png")),
                _try(lambda: requests.get(f"{gate.url}/{bucket}?list-type=2&prefix={prefix}", timeout=10)),
                _try(anon("POST", prefix + "multi.bin?uploads")),
                "n/a",
            ]
        if presigned:

            def signed(method: str, op: str, path: str, **kw: object) -> Callable[[], requests.Response]:
                url = s3.generate_presigned_url(op, Params={"Bucket": bucket, "Key": path})
                return lambda: requests.request(method, url, timeout=10, **kw)

            return [
                _try(signed("PUT", "put_object", prefix + "new-url.png", data=b"x")),
                _try(signed("GET", "get_object", key)),
                _try(signed("HEAD", "head_object", key)),
                _try(signed("DELETE", "delete_object", prefix + "gone.png")),
                "n/a",
                "n/a",
                "n/a",
            ]
        moto_s3.put_object(Bucket=bucket, Key=prefix + "gone.png", Body=b"x")
        return [
            _try(lambda: s3.put_object(Bucket=bucket, Key=prefix + "new.png", Body=b"x")),
            _try(lambda: s3.get_object(Bucket=bucket, Key=key)),
            _try(lambda: s3.head_object(Bucket=bucket, Key=key)),
            _try(lambda: s3.delete_object(Bucket=bucket, Key=prefix + "gone.png")),
            _try(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix)),
            _try(
                lambda: s3.upload_fileobj(
                    io.BytesIO(big), bucket, prefix + "multi.bin", Config=SMALL_MULTIPART
                )
            ),
            _try(
                lambda: s3.copy_object(
                    Bucket=bucket,
                    Key=demo.prefix() + "table/copied.png",
                    CopySource={"Bucket": bucket, "Key": key},
                )
            ),
        ]

    table: dict[tuple[str, str], list[str]] = {}
    for caller, s3 in callers.items():
        for target, prefix in targets.items():
            table[(caller, target)] = row(s3, prefix, presigned="presigned" in caller)
    listing = {
        "signed-in identity": _try(lambda: demo.s3().list_objects_v2(Bucket=bucket)),
        "service key (--service-credential)": _try(lambda: service_s3.list_objects_v2(Bucket=bucket)),
    }

    lines = [
        "",
        "storage gate: allow/deny (S3 error code when denied)",
        "",
        "| caller | target | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for (caller, target), cells in table.items():
        lines.append(f"| {caller} | {target} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "whole-bucket listing (no prefix): " + ", ".join(f"{k}: {v}" for k, v in listing.items()),
        "",
    ]
    with capsys.disabled():
        print("\n".join(lines))

    theirs = targets["other identity's uploads/{id}/"]
    ident, url = "signed-in identity", "signed-in identity (presigned URL)"
    assert table[(ident, "own uploads/{id}/")] == ["allow"] * 7
    assert all(c == "deny (AccessDenied)" for c in table[(ident, "other identity's uploads/{id}/")][:2])
    for target in ("other identity's uploads/{id}/", "outside uploads/"):
        assert all(c.startswith("deny") for c in table[(ident, target)]), table[(ident, target)]
        assert all(c.startswith("deny") or c == "n/a" for c in table[(url, target)])
    assert table[(url, "own uploads/{id}/")][:4] == ["allow"] * 4
    for target in targets:
        assert all(c.startswith("deny") or c == "n/a" for c in table[("anonymous", target)])
        assert table[("service key (--service-credential)", target)] == ["allow"] * 7
    assert listing == {
        "signed-in identity": "deny (AccessDenied)",
        "service key (--service-credential)": "allow",
    }
    # Nothing of the other identity's or outside uploads/ was changed by the identity or anonymous rows.
    assert moto_s3.get_object(Bucket=bucket, Key=theirs + "existing.png")["Body"].read() == b"existing"


class _StreamingSigner(S3SigV4Auth):
    def payload(self, request: AWSRequest) -> str:  # the seed request of a chunk-signed upload
        return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


def _chunk_signed_put(
    gate_url: str, ident: Identity, bucket: str, key: str, data: bytes, chunk: int, tamper: bool = False
) -> requests.Response:
    c = ident.credentials
    url = f"{gate_url}/{bucket}/" + "/".join(requests.utils.quote(p, safe="") for p in key.split("/"))
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)] + [b""]
    encoded_length = sum(len(f"{len(p):x};chunk-signature=".encode()) + 64 + 4 + len(p) for p in chunks)
    request = AWSRequest(
        "PUT",
        url,
        headers={
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "Content-Length": str(encoded_length),
            "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        },
    )
    signer = _StreamingSigner(Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"]), "s3", REGION)
    signer.add_auth(request)
    amz_date = request.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    previous = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    body = b""
    for part in chunks:
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                amz_date,
                scope,
                previous,
                hashlib.sha256(b"").hexdigest(),
                hashlib.sha256(part).hexdigest(),
            ]
        )
        previous = signer.signature(to_sign, request)
        sent = part if not (tamper and part) else b"X" + part[1:]
        body += f"{len(part):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    assert len(body) == encoded_length
    return requests.put(url, data=body, headers=dict(request.headers.items()), timeout=30)


def test_chunk_signed_upload(gate: GateProcess, demo: Identity, seeded: Seeded, moto_s3) -> None:
    data = bytes(range(256)) * 1000
    key = demo.prefix() + "chunked/signed.bin"
    response = _chunk_signed_put(gate.url, demo, seeded.bucket, key, data, 64 * 1024)
    assert response.status_code == 200, response.text
    assert moto_s3.get_object(Bucket=seeded.bucket, Key=key)["Body"].read() == data
    bad_key = demo.prefix() + "chunked/tampered.bin"
    response = _chunk_signed_put(gate.url, demo, seeded.bucket, bad_key, data, 64 * 1024, tamper=True)
    assert response.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in response.content
    with pytest.raises(ClientError):
        moto_s3.head_object(Bucket=seeded.bucket, Key=bad_key)

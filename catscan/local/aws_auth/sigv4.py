"""AWS Signature Version 4: parsing what a client sent and re-signing it with botocore to compare.

The signature math is botocore's (`SigV4Auth` for services such as AppSync, `S3SigV4Auth` for S3, which
signs the path as sent instead of encoding it a second time). A verifier does not sign its own request but
checks someone else's, so two things are set from what the client declared rather than chosen by botocore:
the signed headers (exactly the ones named in SignedHeaders, `_DeclaredHeadersSigner`) and the timestamp.
The signing key of aws-chunked uploads is derived by hand (`signing_key`), because botocore does not sign
chunked payloads and keeps its key derivation inside `signature()`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True)
class AuthorizationHeader:
    """The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`."""

    credential: str  # AKID/YYYYMMDD/region/service/aws4_request, not yet validated
    signed_headers: str  # as sent, `;`-separated
    signature: str


@dataclass(frozen=True)
class CredentialScope:
    access_key: str
    date: str
    region: str
    service: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


@dataclass(frozen=True)
class Signed:
    """The signature botocore computes for a request, with what it signed (for error messages)."""

    signature: str
    string_to_sign: str
    canonical_request: str

    def matches(self, given: str) -> bool:
        return hmac.compare_digest(self.signature.encode(), given.lower().encode())


def parse_authorization(value: str) -> AuthorizationHeader | None:
    """The parts of a SigV4 Authorization header; None when it does not have the three components."""
    m = _AUTHORIZATION.match(value)
    return AuthorizationHeader(m.group("cred"), m.group("signed"), m.group("sig")) if m else None


def parse_credential(credential: str) -> CredentialScope | None:
    """`AKID/YYYYMMDD/region/service/aws4_request`; None when it is not of that shape."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not parts[0]:
        return None
    return CredentialScope(*parts[:4])


def parse_amz_date(value: str) -> float:
    """Seconds since the epoch of an X-Amz-Date (`yyyyMMdd'T'HHmmss'Z'`); ValueError when malformed."""
    return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=UTC).timestamp()


class _DeclaredHeadersSigner:
    """Signs exactly the headers the client declared (botocore's own choice drops e.g. User-Agent)."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in request.context["signed_headers"]:
            headers[name] = request.headers[name]
        return headers


class _Verifier(_DeclaredHeadersSigner, SigV4Auth):
    pass


class _S3Verifier(_DeclaredHeadersSigner, S3SigV4Auth):
    pass


def sign(
    *,
    method: str,
    host: str,
    canonical_uri: str,
    canonical_query: str,
    headers: Mapping[str, str],
    payload_hash: str,
    amz_date: str,
    access_key: str,
    secret: str,
    region: str,
    service: str,
    session_token: str | None = None,
) -> Signed:
    """Re-sign a received request with botocore.

    headers: the signed headers only, name -> value (repeated headers already joined with ','), host
    included. canonical_uri / canonical_query: for S3 the path as the client signed it and the query already
    in canonical form (encoded, sorted); for other services the request path, which botocore normalises
    and URI-encodes once more (the second encoding S3 skips). payload_hash: the hex SHA-256 of the body or
    the declared UNSIGNED-PAYLOAD / STREAMING-* mode.
    """
    url = f"https://{host}{canonical_uri}" + (f"?{canonical_query}" if canonical_query else "")
    request = AWSRequest(method=method.upper(), url=url, headers=dict(headers))
    request.context["timestamp"] = amz_date
    request.context["signed_headers"] = [name.lower() for name in headers]
    if "X-Amz-Content-SHA256" not in request.headers:
        # botocore takes the payload hash from this header, signed or not, instead of hashing a body.
        request.headers["X-Amz-Content-SHA256"] = payload_hash
    signer_class = _S3Verifier if service == "s3" else _Verifier
    signer = signer_class(Credentials(access_key, secret, session_token), service, region)
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    return Signed(signer.signature(string_to_sign, request), string_to_sign, canonical_request)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 key, needed to check the chunk signatures of aws-chunked uploads."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key

"""S3's Signature Version 4, verified the way S3 verifies it: header form and presigned (query) form.

The grammar and the signature math are shared with the AppSync emulator (catscan.local.aws_auth.sigv4,
which re-signs with botocore's S3SigV4Auth); this module holds what is S3's own: S3 signs the path as sent,
without the second round of URI encoding other services apply; the payload hash is the
`x-amz-content-sha256` value (or `UNSIGNED-PAYLOAD` for presigned URLs), checked against the body
separately (s3_payload.py); credentials are the gate's minted session
credentials (with their session token and expiry) or the configured service keys; and S3 requires every
`x-amz-*` header present to be signed.

The canonical URI is tried as sent and as S3's canonical encoding of the decoded path (UriEncode each
segment once); the canonical query string is rebuilt from the decoded parameters, so a client that encodes
differently from the canonical form still verifies, as it does with S3.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, unquote_plus

from catscan.local.aws_auth import sigv4
from catscan.local.aws_auth.sigv4 import ALGORITHM

from .errors import S3Error, access_denied, signature_mismatch
from .state import GateState

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
UNSUPPORTED_STREAMING = (
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")
QUERY_AUTH_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


@dataclass(frozen=True)
class Principal:
    """Who signed: an identity-pool identity (its minted credentials) or a configured service key."""

    access_key: str
    identity_id: str | None
    role: str | None = None  # the role the credentials were minted for (grants.ROLE_POLICIES); None: service

    @property
    def is_service(self) -> bool:
        """A configured key with full access (a key with a role is held to that role's policy)."""
        return self.identity_id is None and self.role is None


@dataclass(frozen=True)
class Verified:
    principal: Principal
    payload_hash: str  # the declared payload: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode
    presigned: bool
    signature: str
    signing_key: bytes
    amz_date: str
    scope: str


def uri_encode(value: str, keep_slash: bool = False) -> str:
    """SigV4 UriEncode: everything but A-Z a-z 0-9 - _ . ~ (and '/' in paths) as %XX of its UTF-8 bytes."""
    return quote(value, safe="-_.~/" if keep_slash else "-_.~")


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """The raw (still encoded) name/value pairs of a query string, in order."""
    pairs = []
    for piece in raw_query.split("&") if raw_query else []:
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


def decoded_query(raw_query: str, plus_is_space: bool = False) -> list[tuple[str, str]]:
    decode = unquote_plus if plus_is_space else unquote
    return [(decode(n), decode(v)) for n, v in split_query(raw_query)]


def canonical_query(pairs: Iterable[tuple[str, str]], exclude: tuple[str, ...] = ()) -> str:
    encoded = sorted((uri_encode(n), uri_encode(v)) for n, v in pairs if n not in exclude)
    return "&".join(f"{n}={v}" for n, v in encoded)


def canonical_uris(raw_path: str) -> list[str]:
    strict = uri_encode(unquote(raw_path), keep_slash=True)
    return [strict] if strict == raw_path else [strict, raw_path]


def _trimall(value: str) -> str:
    return " ".join(value.split())


class HeaderSource:
    """Case-insensitive access to possibly repeated request headers (aiohttp's CIMultiDict or a plain dict)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._values: dict[str, list[str]] = {}
        items = headers.items()
        for name, value in items:
            self._values.setdefault(name.lower(), []).append(value)

    def get(self, name: str) -> str | None:
        values = self._values.get(name.lower())
        return values[0] if values else None

    def canonical(self, name: str) -> str | None:
        values = self._values.get(name)
        return None if values is None else ",".join(_trimall(v) for v in values)

    def names(self) -> list[str]:
        return list(self._values)


class S3SigV4Verifier:
    service = "s3"

    def __init__(
        self,
        region: str,
        state: GateState,
        service_credentials: Mapping[str, str],
        clock: Callable[[], float],
        max_skew: int = 900,
        max_expires: int = 604800,
        service_roles: Mapping[str, str] | None = None,
    ) -> None:
        self.region, self.state, self.service_credentials = region, state, dict(service_credentials)
        self.service_roles = dict(service_roles or {})  # access key -> role (grants.ROLE_POLICIES)
        self.clock, self.max_skew, self.max_expires = clock, max_skew, max_expires

    def verify(
        self, method: str, raw_path: str, raw_query: str, headers: Mapping[str, str]
    ) -> Verified | None:
        """The verified signer of the request, None for an anonymous request; S3Error when refused."""
        h = HeaderSource(headers)
        names = {n for n, _ in decoded_query(raw_query)}
        authorization = (h.get("authorization") or "").strip()
        query_auth = any(p in names for p in QUERY_AUTH_PARAMS)
        if authorization and query_auth:
            raise S3Error(
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                "parameter, Signature query string parameter or the Authorization header should be "
                "specified",
                400,
                ArgumentName="Authorization",
            )
        if authorization:
            return self._verify_header(method, raw_path, raw_query, h, authorization)
        if query_auth:
            return self._verify_query(method, raw_path, raw_query, h)
        if {"AWSAccessKeyId", "Signature"} & names:
            raise S3Error(
                "InvalidRequest",
                "The authorization mechanism you have provided is not supported. "
                "Please use AWS4-HMAC-SHA256.",
                400,
            )
        return None

    # ---------------------------------------------------------------------------------------- header form

    def _verify_header(
        self, method: str, raw_path: str, raw_query: str, h: HeaderSource, authorization: str
    ) -> Verified:
        if not authorization.startswith(ALGORITHM):
            raise S3Error(
                "InvalidRequest",
                "The authorization mechanism you have provided is not supported. "
                "Please use AWS4-HMAC-SHA256.",
                400,
            )
        m = sigv4.parse_authorization(authorization)
        if m is None:
            raise S3Error(
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed; the "
                "authorization header requires three components: Credential, SignedHeaders, and "
                "Signature.",
                400,
            )
        amz_date = h.get("x-amz-date")
        if not amz_date:
            raise access_denied("AWS authentication requires a valid Date or x-amz-date header")
        access_key, scope = self._scope(
            m.credential, amz_date, "AuthorizationHeaderMalformed", "The authorization header is malformed; "
        )
        when = self._date(amz_date, "AccessDenied")
        now = self.clock()
        if abs(now - when) > self.max_skew:
            raise S3Error(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                403,
                RequestTime=amz_date,
                ServerTime=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                MaxAllowedSkewMilliseconds=str(self.max_skew * 1000),
            )
        payload = h.get("x-amz-content-sha256")
        if payload is None:
            raise S3Error(
                "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400
            )
        if payload in UNSUPPORTED_STREAMING:
            raise S3Error(
                "NotImplemented",
                f"x-amz-content-sha256 {payload} is not supported by the local cloud's storage gate.",
                501,
                Header="x-amz-content-sha256",
            )
        if not (
            HEX_SHA256.match(payload)
            or payload in (UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_UNSIGNED_TRAILER)
        ):
            raise S3Error(
                "InvalidArgument",
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid "
                "sha256 value.",
                400,
                ArgumentName="x-amz-content-sha256",
                ArgumentValue=payload,
            )
        signed = m.signed_headers
        principal, secret = self._principal(access_key, h.get("x-amz-security-token"))
        query = decoded_query(raw_query)
        alt_query = decoded_query(raw_query, plus_is_space=True)
        queries = [canonical_query(query)] + ([canonical_query(alt_query)] if alt_query != query else [])
        return self._check(
            method,
            raw_path,
            queries,
            h,
            signed,
            payload,
            m.signature,
            amz_date,
            scope,
            access_key,
            secret,
            principal,
            presigned=False,
        )

    # ----------------------------------------------------------------------------------------- query form

    def _verify_query(self, method: str, raw_path: str, raw_query: str, h: HeaderSource) -> Verified:
        query = decoded_query(raw_query)
        params: dict[str, str] = {}
        for name, value in query:
            params.setdefault(name, value)
        if params.get("X-Amz-Algorithm") != ALGORITHM:
            raise S3Error(
                "AuthorizationQueryParametersError", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', 400
            )
        if any(not params.get(p) for p in QUERY_AUTH_PARAMS):
            raise S3Error(
                "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires "
                "the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
                "X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
                400,
            )
        amz_date = params["X-Amz-Date"]
        access_key, scope = self._scope(
            params["X-Amz-Credential"],
            amz_date,
            "AuthorizationQueryParametersError",
            "Error parsing the X-Amz-Credential parameter; ",
        )
        when = self._date(amz_date, "AuthorizationQueryParametersError")
        try:
            expires = int(params["X-Amz-Expires"])
        except ValueError as exc:
            raise S3Error(
                "AuthorizationQueryParametersError", "X-Amz-Expires should be a number", 400
            ) from exc
        if expires < 0:
            raise S3Error("AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative", 400)
        if expires > self.max_expires:
            raise S3Error(
                "AuthorizationQueryParametersError",
                f"X-Amz-Expires must be less than a week (in seconds) that is {self.max_expires}",
                400,
            )
        now = self.clock()
        iso = "%Y-%m-%dT%H:%M:%SZ"
        if now > when + expires:
            raise access_denied(
                "Request has expired",
                **{
                    "X-Amz-Expires": str(expires),
                    "Expires": datetime.fromtimestamp(when + expires, UTC).strftime(iso),
                    "ServerTime": datetime.fromtimestamp(now, UTC).strftime(iso),
                },
            )
        if when - now > self.max_skew:
            raise access_denied("Request is not valid yet")
        token = params.get("X-Amz-Security-Token") or h.get("x-amz-security-token")
        principal, secret = self._principal(access_key, token)
        signed = params["X-Amz-SignedHeaders"]
        payload = params.get("X-Amz-Content-Sha256")
        if payload is None and "x-amz-content-sha256" in signed.split(";"):
            payload = h.get("x-amz-content-sha256")
        payload = payload or UNSIGNED_PAYLOAD
        if not (HEX_SHA256.match(payload) or payload == UNSIGNED_PAYLOAD):
            raise S3Error(
                "InvalidArgument",
                "X-Amz-Content-Sha256 of a presigned request must be "
                "UNSIGNED-PAYLOAD or a valid sha256 value.",
                400,
            )
        queries = [canonical_query(query, exclude=("X-Amz-Signature",))]
        alt = decoded_query(raw_query, plus_is_space=True)
        if alt != query:
            queries.append(canonical_query(alt, exclude=("X-Amz-Signature",)))
        return self._check(
            method,
            raw_path,
            queries,
            h,
            signed,
            payload,
            params["X-Amz-Signature"],
            amz_date,
            scope,
            access_key,
            secret,
            principal,
            presigned=True,
        )

    # ---------------------------------------------------------------------------------------- shared parts

    def _scope(self, credential: str, amz_date: str, code: str, prefix: str) -> tuple[str, str]:
        cred = sigv4.parse_credential(credential)
        if cred is None:
            raise S3Error(
                code,
                prefix + "the Credential is mal-formed; expecting "
                '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
                400,
            )
        access_key, date, region, service = cred.access_key, cred.date, cred.region, cred.service
        if region != self.region:
            raise S3Error(
                code,
                prefix + f"the region '{region}' is wrong; expecting '{self.region}'",
                400,
                Region=self.region,
            )
        if service != self.service:
            raise S3Error(
                code, prefix + f"incorrect service '{service}'. This endpoint belongs to 's3'.", 400
            )
        if date != amz_date[:8]:
            raise S3Error(code, prefix + "Invalid credential date. Date is not the same as X-Amz-Date.", 400)
        return access_key, cred.scope

    @staticmethod
    def _date(amz_date: str, code: str) -> float:
        try:
            return sigv4.parse_amz_date(amz_date)
        except ValueError as exc:
            if code == "AccessDenied":
                raise access_denied("AWS authentication requires a valid Date or x-amz-date header") from exc
            raise S3Error(
                code, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"", 400
            ) from exc

    def _principal(self, access_key: str, token: str | None) -> tuple[Principal, str]:
        if access_key in self.service_credentials:
            if token:
                raise S3Error("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
            return Principal(access_key, None, self.service_roles.get(access_key)), self.service_credentials[
                access_key
            ]
        creds = self.state.credentials(access_key)
        if creds is None or not token:
            raise S3Error(
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                403,
                AWSAccessKeyId=access_key,
            )
        if not hmac.compare_digest(token.encode(), creds.session_token.encode()):
            raise S3Error("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
        if self.clock() >= creds.expiration:
            raise S3Error("ExpiredToken", "The provided token has expired.", 400)
        return Principal(access_key, creds.identity_id, creds.role), creds.secret_access_key

    def _check(
        self,
        method: str,
        raw_path: str,
        queries: list[str],
        h: HeaderSource,
        signed: str,
        payload: str,
        signature: str,
        amz_date: str,
        scope: str,
        access_key: str,
        secret: str,
        principal: Principal,
        presigned: bool,
    ) -> Verified:
        signed_names = signed.split(";")
        if any(n != n.lower() or not n for n in signed_names) or "host" not in signed_names:
            raise access_denied(
                "There were headers present in the request which were not signed", HeadersNotSigned="host"
            )
        unsigned = sorted(n for n in h.names() if n.startswith("x-amz-") and n not in signed_names)
        if unsigned:
            raise access_denied(
                "There were headers present in the request which were not signed",
                HeadersNotSigned=", ".join(unsigned),
            )
        missing = [n for n in signed_names if h.canonical(n) is None]
        if missing:
            raise signature_mismatch()
        headers = {n: h.canonical(n) or "" for n in signed_names}
        first: sigv4.Signed | None = None
        for uri in canonical_uris(raw_path):
            for query in queries:
                expected = sigv4.sign(
                    method=method,
                    host=headers["host"],
                    canonical_uri=uri,
                    canonical_query=query,
                    headers=headers,
                    payload_hash=payload,
                    amz_date=amz_date,
                    access_key=access_key,
                    secret=secret,
                    region=self.region,
                    service=self.service,
                )
                if expected.matches(signature):
                    key = sigv4.signing_key(secret, *scope.split("/")[:3])
                    return Verified(principal, payload, presigned, expected.signature, key, amz_date, scope)
                first = first or expected
        assert first is not None
        raise signature_mismatch(first.string_to_sign, first.canonical_request)

"""Who is calling: Cognito user-pool JWTs and IAM SigV4, verified like AppSync verifies them.

User pools: RS256 signature against the pool's JWKS (fetched once from the Cognito endpoint, refetched when
an unknown `kid` shows up), `exp`, `iss == {issuer_base}/{userPoolId}`, `token_use` `id` or `access` (AppSync
accepts both), and the app client (`aud` of id tokens, `client_id` of access tokens) among the configured ones.

IAM: the request is re-signed with botocore's SigV4 signer for service `appsync` using the secret of the
access key named in the Authorization header; signatures are compared in constant time; X-Amz-Date must be
within 15 minutes of the emulator's clock. Only the configured access keys are known.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .config import EmulatorConfig

MISSING_AUTH = "Valid authorization header not provided."


class AuthError(Exception):
    """Authentication failed: AppSync answers HTTP 401/403 with `{"errors": [{errorType, message}]}`."""

    def __init__(self, message: str, error_type: str = "UnauthorizedException", status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"errors": [{"errorType": self.error_type, "message": self.message}]}


@dataclass(frozen=True)
class Identity:
    """The authenticated caller. `kind` is `userPools` or `iam`.

    For IAM callers, `cognito_identity_pool_id` / `cognito_identity_id` are AppSync's
    `$ctx.identity.cognitoIdentityPoolId` / `cognitoIdentityId`: set for identity-pool credentials, None for
    an IAM principal granted the API (the generated resolvers admit only the latter)."""

    kind: str
    claims: Mapping[str, Any] = field(default_factory=dict)
    access_key: str | None = None
    cognito_identity_pool_id: str | None = None
    cognito_identity_id: str | None = None

    @property
    def auth_type(self) -> str:  # $util.authType()
        return "User Pool Authorization" if self.kind == "userPools" else "IAM Authorization"

    def claim(self, name: str) -> Any:
        """A token claim; `username` falls back to `cognito:username` as in the generated resolvers."""
        if name == "username":
            return self.claims.get("username", self.claims.get("cognito:username"))
        return self.claims.get(name)

    @property
    def sub(self) -> str | None:
        return self.claims.get("sub")

    @property
    def username(self) -> str | None:
        return self.claim("username")

    @property
    def groups(self) -> list[str]:
        return self.group_claim("cognito:groups")

    def group_claim(self, name: str) -> list[str]:
        value = self.claims.get(name) or []
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
                value = parsed if isinstance(parsed, list) else [value]
            except ValueError:
                value = [value]
        return list(value)


def _lower(headers: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


# ---------------------------------------------------------------------------------------------------------
# Cognito JWTs


class JwtVerifier:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    def _fetch_jwks(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.config.jwks_url, timeout=5) as resp:  # noqa: S310 (configured URL)
            return json.loads(resp.read())

    async def _key(self, kid: str | None) -> Any:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > 2.0:
                try:
                    jwks = await asyncio.to_thread(self._fetch_jwks)
                except (OSError, ValueError) as exc:
                    raise AuthError(MISSING_AUTH) from exc
                self._fetched_at = time.monotonic()
                keys = {}
                for jwk in jwks.get("keys", []):
                    if jwk.get("kty") == "RSA":
                        keys[jwk.get("kid")] = jwt.PyJWK(jwk, algorithm="RS256").key
                self._keys = keys
        if kid not in self._keys:
            raise AuthError(MISSING_AUTH)
        return self._keys[kid]

    async def verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthError("Unable to parse JWT token.") from exc
        if header.get("alg") != "RS256":
            raise AuthError(MISSING_AUTH)
        key = await self._key(header.get("kid"))
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], options={
                "verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False,
                "verify_iss": False, "require": ["exp", "iss", "token_use"]})
        except jwt.PyJWTError as exc:
            raise AuthError(MISSING_AUTH) from exc
        now = self.config.clock()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise AuthError(MISSING_AUTH)
        if now >= exp:
            raise AuthError("Token has expired.")
        if claims.get("iss") != self.config.issuer:
            raise AuthError(MISSING_AUTH)
        token_use = claims.get("token_use")
        if token_use == "id":
            client = claims.get("aud")
        elif token_use == "access":
            client = claims.get("client_id")
        else:
            raise AuthError(MISSING_AUTH)
        if client not in set(self.config.app_client_ids):
            raise AuthError(MISSING_AUTH)
        if not claims.get("sub"):
            raise AuthError(MISSING_AUTH)
        return Identity("userPools", claims=claims)


# ---------------------------------------------------------------------------------------------------------
# IAM SigV4

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<sig>[0-9a-fA-F]+)\s*$")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your "
                      "AWS Secret Access Key and signing method. Consult the service documentation for details.")


class SigV4Verifier:
    service = "appsync"

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config

    def verify(self, method: str, path: str, query: str, headers: Mapping[str, Any], body: bytes) -> Identity:
        h = _lower(headers)
        m = _AUTH_RE.match(h.get("authorization", ""))
        if not m:
            raise AuthError("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.",
                            "IncompleteSignatureException", 403)
        cred = m.group("cred").split("/")
        if len(cred) != 5 or cred[4] != "aws4_request":
            raise AuthError("Credential should be scoped correctly.", "IncompleteSignatureException", 403)
        access_key, scope_date, scope_region, scope_service = cred[0], cred[1], cred[2], cred[3]
        secret = self.config.iam_credentials.get(access_key)
        if secret is None:
            raise AuthError("The security token included in the request is invalid.", "UnrecognizedClientException", 403)
        signed = m.group("signed").lower().split(";")
        if "host" not in signed or not ({"x-amz-date", "date"} & set(signed)):
            raise AuthError("Signed headers must include host and x-amz-date.", "IncompleteSignatureException", 403)
        missing = [s for s in signed if s not in h]
        if missing:
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        amz_date = h.get("x-amz-date", "")
        try:
            when = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=timezone.utc).timestamp()
        except ValueError as exc:
            raise AuthError("X-Amz-Date header is missing or malformed.", "IncompleteSignatureException", 403) from exc
        now = self.config.clock()
        if abs(now - when) > self.config.max_clock_skew_seconds:
            raise AuthError(f"Signature expired: {amz_date} is now earlier than the allowed clock skew "
                            f"({self.config.max_clock_skew_seconds // 60} min.)", "InvalidSignatureException", 403)
        if scope_date != amz_date[:8] or scope_region != self.config.region or scope_service != self.service:
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        content_sha = h.get("x-amz-content-sha256")
        if content_sha is not None and content_sha != hashlib.sha256(body).hexdigest():
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        url = f"https://{h['host']}{path}" + (f"?{query}" if query else "")
        request = AWSRequest(method=method.upper(), url=url, data=body, headers={k: h[k] for k in signed})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(access_key, secret, h.get("x-amz-security-token")), self.service,
                           self.config.region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected.encode(), m.group("sig").lower().encode()):
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        return Identity("iam", access_key=access_key)


# ---------------------------------------------------------------------------------------------------------


class Authenticator:
    """Chooses the auth mode like AppSync: a SigV4 Authorization header is IAM, anything else a JWT."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.jwt = JwtVerifier(config)
        self.sigv4 = SigV4Verifier(config)

    async def authenticate(self, headers: Mapping[str, Any], *, method: str = "POST", path: str = "/graphql",
                           query: str = "", body: bytes = b"") -> Identity:
        h = _lower(headers)
        value = h.get("authorization", "").strip()
        if not value:
            raise AuthError(MISSING_AUTH)
        if value.startswith("AWS4-HMAC-SHA256"):
            return self.sigv4.verify(method, path, query, h, body)
        return await self.jwt.verify(value)

    async def authenticate_any_path(self, headers: Mapping[str, Any], paths: list[str], body: bytes) -> Identity:
        """For realtime handshakes, where clients sign `/graphql/connect` (gql) or another canonical URI."""
        last: AuthError | None = None
        for path in paths:
            try:
                return await self.authenticate(headers, path=path, body=body)
            except AuthError as exc:
                if exc.error_type != "InvalidSignatureException" or exc.message != SIGNATURE_MISMATCH:
                    raise
                last = exc
        assert last is not None
        raise last

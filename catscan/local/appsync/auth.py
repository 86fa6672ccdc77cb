"""Who is calling: Cognito user-pool JWTs and IAM SigV4, verified like AppSync verifies them.

User pools: catscan.local.aws_auth.cognito_jwt (RS256 against the pool's JWKS, `exp`, `iss`, the app client),
accepting `token_use` `id` and `access` as AppSync does.

IAM: the request is re-signed with botocore (catscan.local.aws_auth.sigv4) for service `appsync` using the
secret of the access key named in the Authorization header; signatures are compared in constant time;
X-Amz-Date must be within 15 minutes of the emulator's clock. Only the configured access keys are known.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from catscan.local.aws_auth import sigv4
from catscan.local.aws_auth.cognito_jwt import EXPIRED, UNPARSABLE, CognitoJwtVerifier, TokenRejected

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

_TOKEN_MESSAGES = {EXPIRED: "Token has expired.", UNPARSABLE: "Unable to parse JWT token."}


class JwtVerifier:
    def __init__(self, config: EmulatorConfig) -> None:
        self._verifier = CognitoJwtVerifier(
            jwks_url=config.jwks_url,
            issuer=config.issuer,
            app_client_ids=config.app_client_ids,
            clock=config.clock,
        )

    async def verify(self, token: str) -> Identity:
        try:
            claims = await self._verifier.verify(token)
        except TokenRejected as exc:
            raise AuthError(_TOKEN_MESSAGES.get(exc.reason, MISSING_AUTH)) from exc
        return Identity("userPools", claims=claims)


# ---------------------------------------------------------------------------------------------------------
# IAM SigV4

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


class SigV4Verifier:
    service = "appsync"

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config

    def verify(self, method: str, path: str, query: str, headers: Mapping[str, Any], body: bytes) -> Identity:
        h = _lower(headers)
        authorization = sigv4.parse_authorization(h.get("authorization", ""))
        if authorization is None:
            raise AuthError(
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.",
                "IncompleteSignatureException",
                403,
            )
        cred = sigv4.parse_credential(authorization.credential)
        if cred is None:
            raise AuthError("Credential should be scoped correctly.", "IncompleteSignatureException", 403)
        secret = self.config.iam_credentials.get(cred.access_key)
        if secret is None:
            raise AuthError(
                "The security token included in the request is invalid.", "UnrecognizedClientException", 403
            )
        signed = authorization.signed_headers.lower().split(";")
        if "host" not in signed or not ({"x-amz-date", "date"} & set(signed)):
            raise AuthError(
                "Signed headers must include host and x-amz-date.", "IncompleteSignatureException", 403
            )
        missing = [s for s in signed if s not in h]
        if missing:
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        amz_date = h.get("x-amz-date", "")
        try:
            when = sigv4.parse_amz_date(amz_date)
        except ValueError as exc:
            raise AuthError(
                "X-Amz-Date header is missing or malformed.", "IncompleteSignatureException", 403
            ) from exc
        now = self.config.clock()
        if abs(now - when) > self.config.max_clock_skew_seconds:
            raise AuthError(
                f"Signature expired: {amz_date} is now earlier than the allowed clock skew "
                f"({self.config.max_clock_skew_seconds // 60} min.)",
                "InvalidSignatureException",
                403,
            )
        if cred.date != amz_date[:8] or cred.region != self.config.region or cred.service != self.service:
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        body_sha = hashlib.sha256(body).hexdigest()
        content_sha = h.get("x-amz-content-sha256")
        if content_sha is not None and content_sha != body_sha:
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        expected = sigv4.sign(
            method=method,
            host=h["host"],
            canonical_uri=path,
            canonical_query=query,
            headers={k: h[k] for k in signed},
            payload_hash=body_sha,
            amz_date=amz_date,
            access_key=cred.access_key,
            secret=secret,
            region=self.config.region,
            service=self.service,
            session_token=h.get("x-amz-security-token"),
        )
        if not expected.matches(authorization.signature):
            raise AuthError(SIGNATURE_MISMATCH, "InvalidSignatureException", 403)
        return Identity("iam", access_key=cred.access_key)


# ---------------------------------------------------------------------------------------------------------


class Authenticator:
    """Chooses the auth mode like AppSync: a SigV4 Authorization header is IAM, anything else a JWT."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.jwt = JwtVerifier(config)
        self.sigv4 = SigV4Verifier(config)

    async def authenticate(
        self,
        headers: Mapping[str, Any],
        *,
        method: str = "POST",
        path: str = "/graphql",
        query: str = "",
        body: bytes = b"",
    ) -> Identity:
        h = _lower(headers)
        value = h.get("authorization", "").strip()
        if not value:
            raise AuthError(MISSING_AUTH)
        if value.startswith("AWS4-HMAC-SHA256"):
            return self.sigv4.verify(method, path, query, h, body)
        return await self.jwt.verify(value)

    async def authenticate_any_path(
        self, headers: Mapping[str, Any], paths: list[str], body: bytes
    ) -> Identity:
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

"""Cognito user-pool JWTs verified the way AWS services verify them.

RS256 signature against the pool's JWKS (PyJWT's `PyJWKClient`: fetched once, refetched when an unknown
`kid` shows up, at most every two seconds), `exp` against an injectable clock, `iss ==
{issuer_base}/{userPoolId}`, `token_use` among the accepted ones (AppSync takes `id` and `access`, Cognito
Identity only `id`), and the app client (`aud` of id tokens, `client_id` of access tokens) among the
configured ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import jwt

INVALID = "invalid"
EXPIRED = "expired"
UNPARSABLE = "unparsable"
SIGNED_TOKENS_KEPT = 4096


class TokenRejected(Exception):
    """Why a token was refused: `reason` is INVALID, EXPIRED or UNPARSABLE (each service words it its way)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issuer(region: str, user_pool_id: str, issuer_base: str | None = None) -> str:
    base = issuer_base or f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base.rstrip('/')}/{user_pool_id}"


def jwks_url(region: str, user_pool_id: str, cognito_endpoint: str | None = None) -> str:
    base = cognito_endpoint or f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base.rstrip('/')}/{user_pool_id}/.well-known/jwks.json"


class CognitoJwtVerifier:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        app_client_ids: Collection[str],
        token_uses: Collection[str] = ("id", "access"),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.app_client_ids = frozenset(app_client_ids)
        self.token_uses = frozenset(token_uses)
        self.clock = clock
        self._keys = jwt.PyJWKClient(jwks_url, timeout=5, cooldown_duration=2.0)
        # Tokens whose signature verified, with their claims: a client sends the same token with each
        # request until it expires, and the RSA check (and a thread hop for the key) is most of a verification.
        # The claims are checked again at each use (exp against the clock above all).
        self._signed: dict[str, Mapping[str, Any]] = {}

    async def verify(self, token: str) -> Mapping[str, Any]:
        """The token's claims; TokenRejected when it is not a valid token of this pool and its clients."""
        claims = self._signed.get(token)
        if claims is None:
            claims = await self._verify_signature(token)
            if len(self._signed) >= SIGNED_TOKENS_KEPT:
                del self._signed[next(iter(self._signed))]  # the oldest
            self._signed[token] = claims
        return self._checked(dict(claims))

    async def _verify_signature(self, token: str) -> Mapping[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected(UNPARSABLE) from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise TokenRejected(INVALID)
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key, kid)
            # exp is checked against our clock (tests age real tokens), iss and aud below.
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_aud": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_iss": False,
                    "require": ["exp", "iss", "token_use"],
                },
            )
        except jwt.PyJWTError as exc:
            raise TokenRejected(INVALID) from exc
        return claims

    def _checked(self, claims: dict[str, Any]) -> Mapping[str, Any]:
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise TokenRejected(INVALID)
        if self.clock() >= exp:
            raise TokenRejected(EXPIRED)
        if claims.get("iss") != self.issuer:
            raise TokenRejected(INVALID)
        token_use = claims.get("token_use")
        if token_use not in self.token_uses:
            raise TokenRejected(INVALID)
        client = claims.get("aud") if token_use == "id" else claims.get("client_id")
        if client not in self.app_client_ids or not claims.get("sub"):
            raise TokenRejected(INVALID)
        return claims

"""Forgeries of a genuine Cognito JWT, for the tests that every verifier (the AppSync emulator, the storage
gate, the whole cloud's auth matrix) refuses them."""

from __future__ import annotations

import base64
import json

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def unsigned(token: str, **header: str) -> str:
    """The same claims under `alg: none` and no signature (`header` adds fields, e.g. a kid)."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT', **header})}.{token.split('.')[1]}."


def signed_by_another_key(token: str, kid: str | None = None, **changes: object) -> str:
    """The claims (with `changes`) re-signed by a fresh RSA key, under the token's own kid unless given."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = kid if kid is not None else jwt.get_unverified_header(token).get("kid")
    return jwt.encode({**claims(token), **changes}, key, algorithm="RS256", headers={"kid": kid})


def with_tampered_claims(token: str, **changes: object) -> str:
    """The token's genuine header and signature over claims that now say something else."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64({**claims(token), **changes})}.{signature}"

"""Every kind of caller the auth matrix tries: real users, the scanner's IAM key, and forgeries."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
import moto.cognitoidp
from botocore.credentials import Credentials

from catscan.client.session import UserSession
from catscan.local.cloud import SCANNER_ACCESS_KEY, SCANNER_SECRET_KEY
from tests.support.forged_tokens import claims, signed_by_another_key, unsigned, with_tampered_claims


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None = None  # a Cognito JWT for the Authorization header
    credentials: Credentials | None = None  # SigV4 (AppSync IAM)
    session: UserSession | None = None  # identity-pool credentials for S3, when the caller has them


ADMIN_CLAIM = {"cognito:groups": ["Admin"]}  # what a tampering owner would claim


def expired(token: str) -> str:
    """Correctly signed with the pool's (moto's) own key, but expired an hour ago."""
    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    jwk = json.loads(gzip.decompress(path.read_bytes()))
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    now = int(time.time())
    aged = {**claims(token), "iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}
    return jwt.encode(aged, key, algorithm="RS256", headers={"kid": jwk["kid"]})


def callers(owner: UserSession, other: UserSession, admin: UserSession) -> list[Caller]:
    return [
        Caller("anonymous"),
        Caller("owner", token=owner.id_token, session=owner),
        Caller("other user", token=other.id_token, session=other),
        Caller("Admin", token=admin.id_token, session=admin),
        Caller("scanner (IAM)", credentials=Credentials(SCANNER_ACCESS_KEY, SCANNER_SECRET_KEY)),
        Caller("unsigned JWT", token=unsigned(owner.id_token)),
        Caller("JWT, other key", token=signed_by_another_key(owner.id_token)),
        Caller("tampered claims", token=with_tampered_claims(owner.id_token, **ADMIN_CLAIM)),
        Caller("expired JWT", token=expired(owner.id_token)),
        Caller("wrong SigV4", credentials=Credentials(SCANNER_ACCESS_KEY, "not-the-secret")),
    ]

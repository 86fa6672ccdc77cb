"""What the gate remembers, in one JSON file that survives restarts.

- identities: (identity pool, login provider, user sub) -> IdentityId `{region}:{uuid}`. Cognito Identity
  returns the same IdentityId for the same user every time; the user's objects live under it.
- credentials: minted access key -> identity, role, secret, session token, expiry (expired ones are dropped).
  The role (the authenticated role or a user pool group's, e.g. `Admin`) is fixed when they are minted, as
  with STS: a user who leaves the group keeps the group's role until the credentials expire.
- uploads: multipart upload id -> its initiator, bucket and key (S3 lets only the initiator list or abort it,
  and refuses parts or completion sent for another key; moto looks at the upload id alone).
- revoked: SHA-256 of refresh tokens revoked with Cognito `RevokeToken`, and the `origin_jti` of the sessions
  they started (their access tokens are revoked with them). moto has no RevokeToken; kept for 30 days, the
  refresh token lifetime Amplify configures (moto's refresh tokens never expire).

The file holds local-only secrets of the local cloud; it is written atomically with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
AUTHENTICATED_ROLE = "authenticated"  # the identity pool's authenticated role
REVOCATION_TTL_SECONDS = 30 * 24 * 3600
_ACCESS_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class SessionCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    identity_id: str
    expiration: float
    role: str = AUTHENTICATED_ROLE  # absent in state files written before roles existed


@dataclass(frozen=True)
class IdentityRecord:
    identity_id: str
    identity_pool_id: str
    provider: str
    sub: str
    created: float


@dataclass(frozen=True)
class UploadRecord:
    initiator: str  # an identity id, or "service:<access key>"
    bucket: str
    key: str


def write_private_json(path: Path, data: Any) -> None:
    """Writes `data` to `path` atomically (a reader sees the old or the new file), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)


def token_digest(token: str) -> str:
    """What the state file keeps of a refresh token: never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_access_key_id() -> str:
    """`ASIA` + 16 characters: the shape of an STS temporary access key id (20 characters)."""
    return "ASIA" + "".join(secrets.choice(_ACCESS_KEY_ALPHABET) for _ in range(16))


def new_secret_access_key() -> str:
    return base64.b64encode(secrets.token_bytes(30)).decode()  # 40 characters


def new_session_token() -> str:
    return base64.b64encode(b"catscan-local-session:" + secrets.token_bytes(180)).decode()


class GateState:
    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._identities: dict[str, IdentityRecord] = {}  # identity id -> record
        self._by_login: dict[tuple[str, str, str], str] = {}  # (pool, provider, sub) -> identity id
        self._credentials: dict[str, SessionCredentials] = {}
        self._uploads: dict[str, UploadRecord] = {}
        self._revoked_refresh: dict[str, float] = {}  # token digest -> when revoked
        self._revoked_sessions: dict[str, float] = {}  # origin_jti -> when revoked
        self._load()

    # ------------------------------------------------------------------------------------------- identities

    def identity_for(self, identity_pool_id: str, provider: str, sub: str, region: str) -> str:
        """The user's IdentityId in the pool, created on first use and stable afterwards."""
        with self._lock:
            key = (identity_pool_id, provider, sub)
            found = self._by_login.get(key)
            if found:
                return found
            record = IdentityRecord(f"{region}:{uuid.uuid4()}", identity_pool_id, provider, sub, self.clock())
            self._identities[record.identity_id] = record
            self._by_login[key] = record.identity_id
            self._save()
            return record.identity_id

    def identity(self, identity_id: str) -> IdentityRecord | None:
        with self._lock:
            return self._identities.get(identity_id)

    # ------------------------------------------------------------------------------------------ credentials

    def mint(self, identity_id: str, ttl_seconds: int, role: str = AUTHENTICATED_ROLE) -> SessionCredentials:
        with self._lock:
            creds = SessionCredentials(
                new_access_key_id(),
                new_secret_access_key(),
                new_session_token(),
                identity_id,
                float(int(self.clock()) + ttl_seconds),
                role,
            )
            self._credentials[creds.access_key_id] = creds
            self._save()
            return creds

    def credentials(self, access_key_id: str) -> SessionCredentials | None:
        with self._lock:
            return self._credentials.get(access_key_id)

    # ------------------------------------------------------------------------------------ multipart uploads

    def record_upload(self, upload_id: str, record: UploadRecord) -> None:
        with self._lock:
            self._uploads[upload_id] = record
            self._save()

    def upload(self, upload_id: str) -> UploadRecord | None:
        with self._lock:
            return self._uploads.get(upload_id)

    def forget_upload(self, upload_id: str) -> None:
        with self._lock:
            if self._uploads.pop(upload_id, None) is not None:
                self._save()

    # ------------------------------------------------------------------------------------ token revocation

    def revoke(self, refresh_token: str, origin_jti: str | None) -> None:
        with self._lock:
            now = self.clock()
            self._revoked_refresh[token_digest(refresh_token)] = now
            if origin_jti:
                self._revoked_sessions[origin_jti] = now
            self._save()

    def refresh_token_revoked(self, refresh_token: str) -> bool:
        with self._lock:
            return token_digest(refresh_token) in self._revoked_refresh

    def session_revoked(self, origin_jti: str) -> bool:
        with self._lock:
            return origin_jti in self._revoked_sessions

    # ---------------------------------------------------------------------------------------------- file

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return
        if raw.get("version") != FORMAT_VERSION:
            raise ValueError(f"{self.path}: unknown state format {raw.get('version')!r}")
        for item in raw.get("identities", []):
            record = IdentityRecord(**item)
            self._identities[record.identity_id] = record
            self._by_login[(record.identity_pool_id, record.provider, record.sub)] = record.identity_id
        now = self.clock()
        for item in raw.get("credentials", []):
            creds = SessionCredentials(**item)
            if creds.expiration > now:
                self._credentials[creds.access_key_id] = creds
        self._uploads = {k: UploadRecord(**v) for k, v in raw.get("uploads", {}).items()}
        revoked = raw.get("revoked", {})
        self._revoked_refresh = {k: float(v) for k, v in revoked.get("refresh_tokens", {}).items()}
        self._revoked_sessions = {k: float(v) for k, v in revoked.get("sessions", {}).items()}

    def _save(self) -> None:
        now = self.clock()
        self._credentials = {k: c for k, c in self._credentials.items() if c.expiration > now}
        oldest = now - REVOCATION_TTL_SECONDS
        self._revoked_refresh = {k: t for k, t in self._revoked_refresh.items() if t > oldest}
        self._revoked_sessions = {k: t for k, t in self._revoked_sessions.items() if t > oldest}
        data: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "identities": [asdict(r) for r in self._identities.values()],
            "credentials": [asdict(c) for c in self._credentials.values()],
            "uploads": {k: asdict(v) for k, v in self._uploads.items()},
            "revoked": {"refresh_tokens": self._revoked_refresh, "sessions": self._revoked_sessions},
        }
        write_private_json(self.path, data)

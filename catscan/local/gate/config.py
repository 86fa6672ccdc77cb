"""Configuration of the gate (S3, Cognito Identity, Cognito user pools in front of moto)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

STATE_FILE_NAME = "storage-gate-state.json"
MAILBOX_FILE_NAME = "local-mailbox.json"  # the codes "e-mailed" by the local Cognito (mailbox.py)


@dataclass
class GateConfig:
    """What the gate guards and where it forwards.

    moto_endpoint: the moto server the gate fronts (S3 and Cognito Identity); every allowed request goes there.
    region: the region of the user pool, identity pool and bucket; SigV4 scopes must name it.
    user_pool_id / client_ids: the Cognito user pool whose ID tokens the identity pool accepts, and the app
        client ids configured as its `ClientId` (the tokens' `aud`). The JWKS comes from
        `{cognito_endpoint or moto_endpoint}/{user_pool_id}/.well-known/jwks.json`.
    identity_pool_id: the only identity pool the gate serves `GetId` / `GetCredentialsForIdentity` for.
    bucket: the app's bucket: the one the authenticated role's policy names.
    state_dir: the identity mapping and the minted credentials are kept in `{state_dir}/storage-gate-state.json`,
        the local mailbox (confirmation and reset codes) in `{state_dir}/local-mailbox.json`.
    service_credentials: access key id -> secret of principals with full S3 access (the scanner's local key).
    credentials_ttl_seconds: lifetime of minted identity credentials (AWS: 1 hour).
    max_clock_skew_seconds: S3's allowed difference between X-Amz-Date and the server clock (15 minutes).
    clock: seconds since the epoch; injectable so tests can age credentials and presigned URLs.
    """

    moto_endpoint: str
    region: str
    user_pool_id: str
    client_ids: tuple[str, ...]
    identity_pool_id: str
    bucket: str
    state_dir: Path | str
    service_credentials: dict[str, str] = field(default_factory=dict)
    # access key id -> secret of the scanner Lambda's role: read-only on uploads/* (grants.SCANNER_POLICY).
    scanner_credentials: dict[str, str] = field(default_factory=dict)
    cognito_endpoint: str | None = None
    issuer_base: str | None = None
    credentials_ttl_seconds: int = 3600
    max_clock_skew_seconds: int = 15 * 60
    max_presign_expires_seconds: int = 7 * 24 * 3600
    cors_cache_seconds: float = 2.0
    clock: Callable[[], float] = time.time

    @property
    def moto(self) -> str:
        return self.moto_endpoint.rstrip("/")

    @property
    def state_path(self) -> Path:
        return Path(self.state_dir) / STATE_FILE_NAME

    @property
    def mailbox_path(self) -> Path:
        return Path(self.state_dir) / MAILBOX_FILE_NAME

    @property
    def login_provider(self) -> str:
        """The `Logins` key of the user pool, as configured in the identity pool."""
        return f"cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

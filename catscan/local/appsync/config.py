"""Configuration of the local AppSync emulator."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catscan.local.aws_auth import cognito_jwt


@dataclass
class EmulatorConfig:
    """Everything the emulator needs to know about its surroundings.

    schema_path: the Amplify-annotated SDL (schema.graphql) the API is generated from.
    dynamodb_endpoint: DynamoDB endpoint (moto server, DynamoDB Local); None = boto3's default resolution.
    table_suffix: a model `Scan` is stored in table `Scan-{table_suffix}`.
    user_pool_id / app_client_ids / cognito_endpoint: the Cognito user pool whose JWTs are accepted;
        the JWKS is fetched from `{cognito_endpoint}/{user_pool_id}/.well-known/jwks.json`.
    issuer_base: tokens must carry `iss == f"{issuer_base}/{user_pool_id}"`; default is the real Cognito
        issuer of the region (`https://cognito-idp.{region}.amazonaws.com`), which is also what moto issues.
    iam_credentials: access key id -> secret access key of the IAM principals granted the API (the
        scanner). Gen 2 admits such principals to every operation and field.
    clock: seconds since the epoch; injectable so tests can age a real token instead of forging one.
    read_lag_ms: models DynamoDB's eventually consistent reads behind the generated get resolvers: for this
        long after its creation an item may not be readable yet (getScan answers null). 0: always readable.
    """

    schema_path: Path | str
    region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    table_suffix: str = "local"
    user_pool_id: str = ""
    app_client_ids: tuple[str, ...] | list[str] = ()
    cognito_endpoint: str | None = None
    iam_credentials: dict[str, str] = field(default_factory=dict)
    issuer_base: str | None = None
    read_lag_ms: int = 0
    aws_access_key_id: str = "local"  # credentials the emulator itself uses towards DynamoDB
    aws_secret_access_key: str = "local"
    keepalive_seconds: float = 60.0
    connection_timeout_ms: int = 300_000
    max_clock_skew_seconds: int = 15 * 60
    default_list_limit: int = 100
    clock: Callable[[], float] = time.time

    @property
    def issuer(self) -> str:
        return cognito_jwt.issuer(self.region, self.user_pool_id, self.issuer_base)

    @property
    def jwks_url(self) -> str:
        return cognito_jwt.jwks_url(self.region, self.user_pool_id, self.cognito_endpoint)

    def table_name(self, type_name: str) -> str:
        return f"{type_name}-{self.table_suffix}"

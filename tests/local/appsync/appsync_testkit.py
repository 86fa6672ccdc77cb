"""Test kit for the AppSync emulator tests: real clients only.

A moto server (Cognito, DynamoDB) on a free port, a user pool with an app client allowing
USER_PASSWORD_AUTH, group Admin, users alice/bob (owners) and carol (Admin); the emulator runs in a thread
with an injectable clock (to age real tokens honestly). Clients are gql (HTTP and the AppSync realtime
transport) and raw aiohttp / websockets where the wire format itself is under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.credentials import Credentials
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.appsync_auth import AppSyncIAMAuthentication, AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportQueryError

from catscan.local.appsync import EmulatorConfig, RunningEmulator
from scan_image.graphql_documents import CREATE_SCAN, GET_SCAN, LIST_SCANS, SCAN_FIELDS
from tests.support.clock import Clock

# The documents the emulator tests share with the scanner and the client (re-exported under short names).
CREATE, GET, LIST = CREATE_SCAN, GET_SCAN, LIST_SCANS

REPO = Path(__file__).resolve().parents[3]
SCHEMA = REPO / "schema.graphql"
REGION = "us-east-1"
SCANNER_KEY = "LOCALSCANNERKEY0000001"
SCANNER_SECRET = "local-only-scanner-secret"
PASSWORD = "Passw0rd!local"

logging.getLogger("werkzeug").setLevel(logging.ERROR)


@dataclass
class Cognito:
    endpoint: str
    pool_id: str
    client_id: str
    other_client_id: str
    idp: Any
    tokens: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def add_user(self, username: str, *, admin: bool = False, pool_id: str | None = None) -> None:
        pool = pool_id or self.pool_id
        self.idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
        )
        if admin:
            self.idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="Admin")

    def login(self, username: str, client_id: str | None = None) -> dict[str, str]:
        client = client_id or self.client_id
        key = (username, client)
        if key not in self.tokens:
            res = self.idp.initiate_auth(
                ClientId=client,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )
            self.tokens[key] = res["AuthenticationResult"]
        return self.tokens[key]

    def id_token(self, username: str) -> str:
        return self.login(username)["IdToken"]

    def access_token(self, username: str) -> str:
        return self.login(username)["AccessToken"]

    def sub(self, username: str) -> str:
        user = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=username)
        return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def make_config(
    cognito: Cognito, clock: Clock, schema: Path = SCHEMA, table_suffix: str = "test"
) -> EmulatorConfig:
    return EmulatorConfig(
        schema_path=schema,
        region=REGION,
        dynamodb_endpoint=cognito.endpoint,
        table_suffix=table_suffix,
        user_pool_id=cognito.pool_id,
        app_client_ids=(cognito.client_id,),
        cognito_endpoint=cognito.endpoint,
        iam_credentials={SCANNER_KEY: SCANNER_SECRET},
        clock=clock,
        keepalive_seconds=30,
    )


# ---------------------------------------------------------------------------------------------------------
# clients


def scanner_credentials(secret: str = SCANNER_SECRET, key: str = SCANNER_KEY) -> Credentials:
    return Credentials(key, secret)


def iam_auth(emulator: RunningEmulator, credentials: Credentials | None = None) -> AppSyncIAMAuthentication:
    return AppSyncIAMAuthentication(
        host=emulator.host_header, region_name=REGION, credentials=credentials or scanner_credentials()
    )


class Api:
    """gql over HTTP as one caller. `call` returns (data, errors) instead of raising on GraphQL errors."""

    def __init__(
        self, emulator: RunningEmulator, *, token: str | None = None, credentials: Credentials | None = None
    ) -> None:
        if token is not None:
            self.transport = AIOHTTPTransport(url=emulator.url, headers={"Authorization": token})
        else:
            self.transport = AIOHTTPTransport(url=emulator.url, auth=iam_auth(emulator, credentials))

    async def call(self, query: str, **variables: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        async with Client(transport=self.transport) as session:
            try:
                return await session.execute(GraphQLRequest(query, variable_values=variables or None)), []
            except TransportQueryError as exc:
                return exc.data, list(exc.errors or [])

    async def ok(self, query: str, **variables: Any) -> dict[str, Any]:
        data, errors = await self.call(query, **variables)
        assert not errors, errors
        assert data is not None
        return data


class Tap:
    """A live gql AppSync realtime subscription collecting its events.

    gql does not wait for start_ack, so entering waits until the emulator has registered the subscription
    (or the start failed); leaving waits until it is gone again."""

    def __init__(
        self,
        emulator: RunningEmulator,
        query: str,
        *,
        token: str | None = None,
        credentials: Credentials | None = None,
        **variables: Any,
    ) -> None:
        self.emulator = emulator
        auth = (
            AppSyncJWTAuthentication(host=emulator.host_header, jwt=token)
            if token is not None
            else iam_auth(emulator, credentials)
        )
        self.transport = AppSyncWebsocketsTransport(url=emulator.realtime_url, auth=auth)
        self.query, self.variables = query, variables or None
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.error: BaseException | None = None
        self.task: asyncio.Task | None = None
        self.before = 0

    async def _run(self) -> None:
        try:
            async with Client(transport=self.transport) as session:
                async for result in session.subscribe(
                    GraphQLRequest(self.query, variable_values=self.variables)
                ):
                    await self.events.put(result)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - surfaced to the test
            self.error = exc

    async def __aenter__(self) -> Tap:
        self.before = self.emulator.subscription_count()
        self.task = asyncio.get_running_loop().create_task(self._run())
        deadline = time.monotonic() + 10
        while self.emulator.subscription_count() <= self.before and self.error is None:
            if self.task.done() or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task
        deadline = time.monotonic() + 10
        while self.emulator.subscription_count() > self.before and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def next(self, timeout: float = 5.0) -> Any:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def nothing(self, within: float = 0.5) -> bool:
        try:
            event = await asyncio.wait_for(self.events.get(), within)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected subscription event: {event}")


@contextlib.asynccontextmanager
async def tap(emulator: RunningEmulator, query: str, **kwargs: Any) -> AsyncIterator[Tap]:
    t = Tap(emulator, query, **kwargs)
    async with t:
        yield t


# ---------------------------------------------------------------------------------------------------------
# operations used across tests

# The app's own documents (SCAN_FIELDS, CREATE, GET, LIST: scan_image/graphql_documents.py); the narrower
# ones below probe one emulator behaviour each (field-level auth, conditions, subscription arguments).
GET_DEBUG = """query Get($id: ID!) { getScan(id: $id) { id owner status debug } }"""
# what the scanner Lambda selects (owner and every field the UI shows), plus the field-level-auth debug
UPDATE = f"""mutation Update($input: UpdateScanInput!, $condition: ModelScanConditionInput) {{
  updateScan(input: $input, condition: $condition) {{ {SCAN_FIELDS} debug }} }}"""
DELETE = """mutation Delete($input: DeleteScanInput!) { deleteScan(input: $input) { id owner status } }"""
ON_UPDATE = """subscription OnUpdate($filter: ModelSubscriptionScanFilterInput, $owner: String) {
  onUpdateScan(filter: $filter, owner: $owner) { id owner status isCat reason confidence debug } }"""


def new_scan(**overrides: Any) -> dict[str, Any]:
    return {
        "imageKey": "uploads/x/y/cat.jpg",
        "fileName": "cat.jpg",
        "contentType": "image/jpeg",
        "sizeBytes": 1234,
        **overrides,
    }

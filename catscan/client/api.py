"""The catscan GraphQL API for a signed-in user, over HTTP and the AppSync realtime WebSocket (gql)."""

from __future__ import annotations

import asyncio
import mimetypes
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.appsync_auth import AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport

from catscan.client.session import UserSession
from scan_image import graphql_documents as documents

TERMINAL = ("DONE", "REJECTED", "FAILED")


@dataclass(frozen=True)
class NewScan:
    scan: dict[str, Any]
    key: str


class ScanApi:
    """Use as `async with ScanApi(session) as api:`; one HTTP session for all queries."""

    def __init__(self, session: UserSession) -> None:
        self.session = session
        self._client: Client | None = None
        self._gql: Any = None

    async def __aenter__(self) -> ScanApi:
        transport = AIOHTTPTransport(
            url=self.session.outputs.graphql_url,
            headers={"Authorization": self.session.id_token},
            timeout=30,
            ssl_close_timeout=1,
        )
        self._client = Client(transport=transport, fetch_schema_from_transport=False, execute_timeout=30)
        self._gql = await self._client.connect_async(reconnecting=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client:
            await self._client.close_async()

    async def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        # Tokens refresh on expiry: set the current one on every request.
        self._client.transport.headers = {"Authorization": self.session.id_token}  # type: ignore[union-attr]
        data: dict[str, Any] = await self._gql.execute(
            GraphQLRequest(document, variable_values=variables or {})
        )
        return data

    async def create_scan(self, path: Path, content_type: str | None = None) -> NewScan:
        identity_id, _ = self.session.identity()
        scan_id = str(uuid.uuid4())
        key = f"uploads/{identity_id}/{scan_id}/{path.name}"
        content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = await self.execute(
            documents.CREATE_SCAN,
            {
                "input": {
                    "id": scan_id,
                    "imageKey": key,
                    "fileName": path.name,
                    "contentType": content_type,
                    "sizeBytes": path.stat().st_size,
                }
            },
        )
        return NewScan(scan=data["createScan"], key=key)

    async def get_scan(self, scan_id: str, debug: bool = False) -> dict[str, Any] | None:
        document = documents.GET_SCAN_DEBUG if debug else documents.GET_SCAN
        scan: dict[str, Any] | None = (await self.execute(document, {"id": scan_id}))["getScan"]
        return scan

    async def list_scans(self, limit: int = 100) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = (await self.execute(documents.LIST_SCANS, {"limit": limit, "nextToken": token}))[
                "listScans"
            ]
            items.extend(page["items"])
            token = page.get("nextToken")
            if not token:
                return items

    async def delete_scan(self, scan_id: str) -> dict[str, Any]:
        deleted: dict[str, Any] = (await self.execute(documents.DELETE_SCAN, {"input": {"id": scan_id}}))[
            "deleteScan"
        ]
        return deleted


class AckedAppSyncWebsocketsTransport(AppSyncWebsocketsTransport):
    """gql's AppSync transport, telling when AppSync acknowledged a subscription (`start_ack`).

    gql does not wait for start_ack, so an update published between `start` and the ack is not
    delivered; a client that must not miss one waits for `started` before it acts.
    """

    def __init__(self, *args: Any, started: asyncio.Event | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started = started

    def _parse_answer(self, answer: str) -> Any:
        parsed = super()._parse_answer(answer)
        if parsed[0] == "start_ack" and self.started is not None:
            self.started.set()
        return parsed


def realtime_transport(
    session: UserSession, started: asyncio.Event | None = None
) -> AppSyncWebsocketsTransport:
    """`started` (optional) is set when AppSync acknowledges the (first) subscription."""
    outputs = session.outputs
    auth = AppSyncJWTAuthentication(host=urlparse(outputs.graphql_url).netloc, jwt=session.id_token)
    url = outputs.realtime_url if outputs.is_local else outputs.graphql_url
    return AckedAppSyncWebsocketsTransport(
        url=url, auth=auth, ssl=not outputs.is_local, keep_alive_timeout=None, started=started
    )


async def subscribe_updates(
    session: UserSession, started: asyncio.Event | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every onUpdateScan event this user may see, as scan dicts; `started` is set once AppSync has
    registered the subscription (from then on no update is missed)."""
    client = Client(transport=realtime_transport(session, started), fetch_schema_from_transport=False)
    async with client as ws:
        async for result in ws.subscribe(gql(documents.ON_UPDATE_SCAN)):
            yield result["onUpdateScan"]


def upload(
    session: UserSession, key: str, path: Path, content_type: str | None = None, s3: Any = None
) -> None:
    """PUT the file to the user's own uploads/ path with identity pool credentials (`s3`: a client
    from session.s3() to reuse across uploads; boto3 clients are thread-safe)."""
    extra = {"ContentType": content_type} if content_type else {}
    with open(path, "rb") as body:
        (s3 or session.s3()).put_object(Bucket=session.outputs.bucket, Key=key, Body=body, **extra)

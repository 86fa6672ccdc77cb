"""AppSync adapter: getScan / updateScan over HTTP with gql, signed with the function's IAM role.

Writes go through AppSync (never straight to DynamoDB) because only AppSync notifies subscribers.
"""
from __future__ import annotations

import asyncio
import random
import time
from typing import Any
from urllib.parse import urlparse

import aiohttp
import botocore.session
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.appsync_auth import AppSyncIAMAuthentication
from gql.transport.exceptions import TransportError, TransportQueryError, TransportServerError

# Every field the UI shows plus owner: AppSync pushes to subscribers only the fields the mutation
# selects, and filters subscriptions by owner. `debug` is selected so the write is visible in
# logs, though AppSync returns field-auth fields as null in mutation responses.
SCAN_FIELDS = """
  id owner imageKey fileName contentType sizeBytes status isCat confidence reason
  catBoxes { left top width height confidence }
  createdAt updatedAt
"""

GET_SCAN = gql(f"query GetScan($id: ID!) {{ getScan(id: $id) {{ {SCAN_FIELDS} }} }}")
UPDATE_SCAN = gql(
    f"mutation UpdateScan($input: UpdateScanInput!) {{ updateScan(input: $input) {{ {SCAN_FIELDS} }} }}"
)


class AppSyncUnavailable(Exception):
    """AppSync could not be reached or kept failing after retries."""


class ScanApi:
    """One persistent gql session per container: warm invocations reuse the HTTP connection.

    The transport signs every request (SigV4, service `appsync`) as it is sent.
    """

    def __init__(self, url: str, region: str, attempts: int = 4, base_delay: float = 0.2) -> None:
        self._url, self._region = url, region
        self._attempts, self._base_delay = attempts, base_delay
        self._botocore = botocore.session.get_session()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Client | None = None
        self._session: Any = None

    def get_scan(self, scan_id: str) -> dict[str, Any] | None:
        return self._execute(GET_SCAN, {"id": scan_id})["getScan"]

    def update_scan(self, scan_id: str, **fields: Any) -> dict[str, Any]:
        return self._execute(UPDATE_SCAN, {"input": {"id": scan_id, **fields}})["updateScan"]

    def _execute(self, document: Any, variables: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(self._attempts):
            if attempt:
                # Full jitter backoff, as the AWS SDKs do.
                time.sleep(random.uniform(0, self._base_delay * 2 ** attempt))
            try:
                loop, session = self._connected()
                return loop.run_until_complete(session.execute(GraphQLRequest(document, variable_values=variables)))
            except TransportQueryError as exc:
                if not _is_transient(exc.errors):
                    raise
                last = exc
            except (TransportServerError, TransportError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                last = exc
                self._disconnect()  # a broken connection: start afresh on the next attempt
        raise AppSyncUnavailable(f"AppSync failed after {self._attempts} attempts: {last}") from last

    def _connected(self) -> tuple[asyncio.AbstractEventLoop, Any]:
        if self._session is None:
            self._loop = self._loop or asyncio.new_event_loop()
            auth = AppSyncIAMAuthentication(
                host=urlparse(self._url).netloc,
                region_name=self._region,
                credentials=self._botocore.get_credentials(),
            )
            transport = AIOHTTPTransport(url=self._url, auth=auth, timeout=10, ssl_close_timeout=1)
            self._client = Client(transport=transport, fetch_schema_from_transport=False, execute_timeout=15)
            self._session = self._loop.run_until_complete(self._client.connect_async(reconnecting=False))
        assert self._loop is not None
        return self._loop, self._session

    def close(self) -> None:
        """End the session (a Lambda container just dies; tests and tools close it)."""
        self._disconnect()
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def _disconnect(self) -> None:
        if self._client is not None and self._loop is not None:
            try:
                self._loop.run_until_complete(self._client.close_async())
            except Exception:  # noqa: BLE001 - closing a broken session may fail too
                pass
        self._client = self._session = None


def _is_transient(errors: list[dict[str, Any]] | None) -> bool:
    transient = ("Throttl", "ProvisionedThroughputExceeded", "InternalFailure", "ServiceUnavailable")
    return any(any(t in str(e.get("errorType", "")) for t in transient) for e in errors or [])

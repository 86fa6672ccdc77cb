"""AppSync adapter: getScan / updateScan / scansByStatus as SigV4-signed POSTs with the function's role.

Writes go through AppSync (never straight to DynamoDB) because only AppSync notifies subscribers.

Why not gql here: the scanner sends three fixed documents (graphql_documents.py) and needs neither schema
validation nor an event loop; a signed POST over urllib3 (which botocore already ships) keeps the cold
start small and lets each request take the timeout the invocation's budget allows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import botocore.session
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from .deadline import Deadline, retry
from .graphql_documents import GET_SCAN, SCANS_UPDATED_BEFORE, UPDATE_SCAN

REQUEST_SECONDS = 5.0  # one AppSync request; the budget may allow less
_TRANSIENT_TYPES = ("Throttl", "ProvisionedThroughputExceeded", "InternalFailure", "ServiceUnavailable")


class AppSyncUnavailable(Exception):
    """AppSync could not be reached, timed out or kept failing (transient: retry the event later)."""


class AppSyncError(Exception):
    """AppSync answered with a GraphQL error that retrying cannot fix."""


class ScanApi:
    """One pooled HTTPS connection per container: warm invocations reuse it."""

    def __init__(self, url: str, region: str, credentials: Any = None) -> None:
        # The caller's session's credentials when given: a second botocore session costs ~25 ms of cold start.
        self._url, self._region = url, region
        self._credentials = credentials or botocore.session.get_session().get_credentials()
        self._http = urllib3.PoolManager(maxsize=2, retries=False)

    def get_scan(self, scan_id: str, deadline: Deadline) -> dict[str, Any] | None:
        scan: dict[str, Any] | None = self._execute(GET_SCAN, {"id": scan_id}, deadline)["getScan"]
        return scan

    def update_scan(
        self,
        scan_id: str,
        deadline: Deadline,
        *,
        final: bool = False,
        condition: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any] | None:
        """`final`: the status write that may use the budget's reserve. With a `condition` that does not
        hold (DynamoDB's ConditionalCheckFailed), nothing is written and None is returned."""
        variables = {"input": {"id": scan_id, **fields}, "condition": condition}
        try:
            updated: dict[str, Any] | None = self._execute(UPDATE_SCAN, variables, deadline, reserve=final)[
                "updateScan"
            ]
            return updated
        except AppSyncError as exc:
            if condition is not None and "ConditionalCheckFailed" in str(exc):
                return None
            raise

    def scans_by_status(self, status: str, before: str, deadline: Deadline) -> Iterator[dict[str, Any]]:
        """Scans in `status` last updated before `before` (ISO 8601), through the status index, one page at a
        time: a caller acts on each page before the next is read, so a backlog larger than one invocation
        can read still gets worked off (the next run resumes at the oldest scans left)."""
        token = None
        while True:
            page = self._execute(
                SCANS_UPDATED_BEFORE, {"status": status, "before": before, "nextToken": token}, deadline
            )["scansByStatus"]
            yield from page["items"]
            token = page.get("nextToken")
            if not token:
                return

    def _execute(
        self, document: str, variables: dict[str, Any], deadline: Deadline, reserve: bool = False
    ) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            return self._post(document, variables, deadline.timeout(REQUEST_SECONDS, reserve=reserve))

        time_left = (lambda: deadline.in_reserve() - 0.5) if reserve else deadline.left
        return retry(
            attempt,
            time_left,
            1.0 if reserve else REQUEST_SECONDS,
            lambda exc: isinstance(exc, AppSyncUnavailable),
        )

    def _post(self, document: str, variables: dict[str, Any], timeout: float) -> dict[str, Any]:
        body = json.dumps({"query": document, "variables": variables})
        request = AWSRequest(
            method="POST", url=self._url, data=body, headers={"Content-Type": "application/json"}
        )
        if self._credentials is None:
            raise AppSyncError("no AWS credentials to sign the AppSync request with")
        SigV4Auth(self._credentials.get_frozen_credentials(), "appsync", self._region).add_auth(request)
        started = time.monotonic()
        try:
            response = self._http.request(
                "POST",
                self._url,
                body=body.encode(),
                headers=dict(request.headers),
                timeout=urllib3.Timeout(total=timeout, connect=min(2.0, timeout)),
            )
        except urllib3.exceptions.HTTPError as exc:  # connection refused/reset, timeouts
            raise AppSyncUnavailable(
                f"{type(exc).__name__} after {time.monotonic() - started:.1f} s"
            ) from exc
        if response.status >= 500 or response.status == 429:
            raise AppSyncUnavailable(f"HTTP {response.status}")
        try:
            payload = json.loads(response.data)
        except ValueError as exc:
            raise AppSyncUnavailable(f"HTTP {response.status}: not JSON") from exc
        errors = payload.get("errors")
        if errors:
            if any(any(t in str(e.get("errorType", "")) for t in _TRANSIENT_TYPES) for e in errors):
                raise AppSyncUnavailable(str(errors))
            raise AppSyncError(str(errors))
        if response.status != 200:
            raise AppSyncError(f"HTTP {response.status}: {payload}")
        data: dict[str, Any] = payload["data"]
        return data

    def close(self) -> None:
        """Drop the pooled connection (a Lambda container just dies; tests and tools close it)."""
        self._http.clear()

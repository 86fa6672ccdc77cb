"""AWS's JSON protocol (DynamoDB, SQS, ...) as signed POSTs on one kept-alive pool (signed_pool.py), for the
local services' hot calls.

Why not boto3 for those: botocore's per-call machinery (parameter validation, the event hooks, the
model-driven serializer and parser) cost more CPU than the HTTP round trip, and these calls run a few times
for every scan (the AppSync emulator's DynamoDB item calls cost it ~45% of its CPU under `make bench`'s load
through boto3). The JSON protocol needs none of it: the request body is the parameters as JSON, the
`X-Amz-Target` header names the operation, the response body is the result, and an error is
`{"__type": "...#Code", "message": "..."}`. Errors are raised as botocore's ClientError with the fields
botocore gives them, and an unreachable endpoint as its EndpointConnectionError, so callers handle both
clients alike.

Binary members are not converted (botocore would decode base64 to bytes): the callers send and read none.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import urllib3
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, EndpointConnectionError

from catscan.local.aws_auth.signed_pool import SignedPool

# Throttling and transient codes, which botocore's standard retry mode retries (as do these clients).
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "TransactionInProgressException",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
    }
)


class JsonProtocolClient:
    """A thread-safe client of one JSON-protocol service."""

    def __init__(
        self,
        endpoint_url: str,
        service: str,
        target_prefix: str,
        region: str,
        credentials: Credentials,
        *,
        content_type: str = "application/x-amz-json-1.0",
        max_attempts: int = 2,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        pool_size: int = 32,
    ) -> None:
        self._http = SignedPool(
            endpoint_url,
            service,
            region,
            credentials,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            pool_size=pool_size,
        )
        self._target_prefix, self._content_type = target_prefix, content_type
        self._max_attempts = max(1, max_attempts)
        self._observers: list[Callable[[str], None]] = []

    def observe(self, observer: Callable[[str], None]) -> None:
        """Call `observer(operation)` before each call (tests count the calls a request makes)."""
        self._observers.append(observer)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        for observer in self._observers:
            observer(operation)
        body = json.dumps(params, separators=(",", ":")).encode()
        attempt = 1
        while True:
            try:
                status, headers, data = self._post(operation, body)
            except urllib3.exceptions.HTTPError as exc:
                if attempt < self._max_attempts:
                    attempt = self._backoff(attempt)
                    continue
                raise EndpointConnectionError(endpoint_url=self._http.endpoint_url, error=exc) from exc
            if status == 200:
                result: dict[str, Any] = json.loads(data) if data else {}
                return result
            error = _client_error(operation, status, headers, data)
            code = error.response["Error"]["Code"]
            if attempt < self._max_attempts and (status >= 500 or code in RETRYABLE_CODES):
                attempt = self._backoff(attempt)
                continue
            raise error

    def _post(self, operation: str, body: bytes) -> tuple[int, Any, bytes]:
        headers = {"Content-Type": self._content_type, "X-Amz-Target": self._target_prefix + operation}
        response = self._http.request("POST", "/", headers=headers, body=body)
        return response.status, response.headers, response.data

    @staticmethod
    def _backoff(attempt: int) -> int:
        # Full jitter, as botocore's standard mode: up to 50 ms, then 100 ms, ...
        time.sleep(random.uniform(0, 0.05 * 2 ** (attempt - 1)))
        return attempt + 1


def _client_error(operation: str, status: int, headers: Any, data: bytes) -> ClientError:
    """The ClientError botocore raises for this error response (its JSON protocol parser's fields)."""
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):  # not JSON (a proxy's page, a crashed server): botocore's fallback
        parsed = {"message": data.decode("utf-8", "replace")}
    code = str(parsed.get("__type") or headers.get("x-amzn-ErrorType") or status)
    code = code.rsplit("#", 1)[-1].split(":", 1)[0]
    message = str(parsed.get("message") or parsed.get("Message") or "")
    error: dict[str, Any] = {"Code": code, "Message": message}
    query_error = str(headers.get("x-amzn-query-error") or "").split(";")
    if len(query_error) == 2 and query_error[0]:  # an awsQueryCompatible service (SQS): botocore's code
        error.update(QueryErrorCode=code, Code=query_error[0], Type=query_error[1])
    metadata: dict[str, Any] = {"HTTPStatusCode": status}
    if headers.get("x-amzn-RequestId"):
        metadata["RequestId"] = headers["x-amzn-RequestId"]
    response: dict[str, Any] = {"Error": error, "ResponseMetadata": metadata}
    if "Item" in parsed:  # ReturnValuesOnConditionCheckFailure
        response["Item"] = parsed["Item"]
    return ClientError(response, operation)  # type: ignore[arg-type]

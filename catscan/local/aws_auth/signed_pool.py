"""SigV4-signed HTTP requests on one kept-alive urllib3 pool: the local services' hot calls to AWS APIs
(the AppSync emulator's DynamoDB item calls, the local Rekognition's S3 read) without a boto3 client.

Why not boto3 for those: botocore's per-call machinery (parameter validation, event hooks, the model-driven
serializer and parser) costs more CPU than the HTTP round trip itself, and those calls run a few times for
every scan. The signature is still botocore's (AWS checks it; the local cloud counts calls by its access key).
"""

from __future__ import annotations

from typing import Any

import urllib3
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class SignedPool:
    """Thread-safe: the pool hands each thread its own connection."""

    def __init__(
        self,
        endpoint_url: str,
        service: str,
        region: str,
        credentials: Credentials,
        *,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        pool_size: int = 32,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self._pool = urllib3.connection_from_url(
            self.endpoint_url,
            maxsize=pool_size,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            retries=False,
        )
        # S3 signs the path as sent; every other service encodes it once more (botocore's two signers).
        signer = S3SigV4Auth if service == "s3" else SigV4Auth
        self._signer = signer(credentials, service, region)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        preload_content: bool = True,
    ) -> urllib3.BaseHTTPResponse:
        """`path`: already URL-encoded, with its query string. Raises urllib3's HTTPError when the endpoint
        can't be reached; any HTTP status is returned."""
        request = AWSRequest(method=method, url=self.endpoint_url + path, data=body, headers=headers or {})
        self._signer.add_auth(request)
        signed: dict[str, Any] = dict(request.headers.items())
        return self._pool.urlopen(
            method, path, body=body or None, headers=signed, preload_content=preload_content
        )

"""The error shapes of the two services the gate answers for: S3 (XML) and Cognito Identity (AWS JSON 1.1)."""

from __future__ import annotations

import base64
import json
import os
import uuid
from xml.sax.saxutils import escape

from aiohttp import web

ACCESS_DENIED = "Access Denied"


def request_id() -> str:
    return os.urandom(8).hex().upper()


class S3Error(Exception):
    """An S3 error response: `<Error><Code/><Message/>…<RequestId/><HostId/></Error>` with S3's status."""

    def __init__(self, code: str, message: str, status: int, **extra: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status, self.extra = code, message, status, extra

    def response(self, method: str = "GET") -> web.Response:
        rid = request_id()
        host_id = base64.b64encode(os.urandom(48)).decode()
        fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in self.extra.items())
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(self.code)}</Code>'
            f"<Message>{escape(self.message)}</Message>{fields}<RequestId>{rid}</RequestId>"
            f"<HostId>{host_id}</HostId></Error>"
        )
        headers = {"x-amz-request-id": rid, "x-amz-id-2": host_id}
        if method == "HEAD":  # S3 answers HEAD errors with the status only
            return web.Response(status=self.status, headers=headers)
        return web.Response(
            status=self.status, body=body.encode(), content_type="application/xml", headers=headers
        )


def access_denied(message: str = ACCESS_DENIED, **extra: str) -> S3Error:
    return S3Error("AccessDenied", message, 403, **extra)


def signature_mismatch(string_to_sign: str = "", canonical_request: str = "") -> S3Error:
    # S3 echoes the string to sign and canonical request it computed; useful to debug a client.
    extra = {}
    if string_to_sign:
        extra = {"StringToSign": string_to_sign, "CanonicalRequest": canonical_request}
    return S3Error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        403,
        **extra,
    )


class CognitoError(Exception):
    """A Cognito Identity error: HTTP 400 with `{"__type": ..., "message": ...}` (AWS JSON 1.1)."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type, self.message, self.status = error_type, message, status

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            text=json.dumps({"__type": self.error_type, "message": self.message}),
            content_type="application/x-amz-json-1.1",
            headers={"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": f"{self.error_type}:"},
        )


def not_authorized(message: str) -> CognitoError:
    return CognitoError("NotAuthorizedException", message)

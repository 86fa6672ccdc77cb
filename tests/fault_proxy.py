"""A proxy in front of the local Rekognition that counts calls and injects faults on demand.

No local part throttles or fails like the real service, so this is the one place tests fake it.
"""
from __future__ import annotations

import asyncio
import json
from collections import deque

from aiohttp import ClientSession, web

from catscan.local.app_thread import AppThread, start_app_thread

FAULTS = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "5xx": (500, "InternalServerError", "Internal server error"),
    "unavailable": (503, "ServiceUnavailableException", "Service unavailable"),
    "hang": (500, "InternalServerError", "answered too late"),  # after HANG_SECONDS
}
HANG_SECONDS = 3.0


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[str] = []  # X-Amz-Target of every request received
        self._faults: deque[str] = deque()
        self._server: AppThread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    def fail_next(self, kind: str, times: int = 1) -> None:
        self._faults.extend([kind] * times)

    def clear(self) -> None:
        self._faults.clear()
        self.calls.clear()

    def detect_calls(self) -> int:
        return sum(1 for c in self.calls if c.endswith("DetectLabels"))

    def __enter__(self) -> FaultProxy:
        def make_app() -> web.Application:
            app = web.Application()
            app.router.add_post("/", self._handle)
            return app
        self._server = start_app_thread(make_app, name="fault proxy")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.stop()

    async def _handle(self, request: web.Request) -> web.Response:
        target = request.headers.get("X-Amz-Target", "")
        self.calls.append(target)
        body = await request.read()
        if self._faults:
            kind = self._faults.popleft()
            if kind == "hang":
                await asyncio.sleep(HANG_SECONDS)
            status, code, message = FAULTS[kind]
            return web.Response(status=status, text=json.dumps({"__type": code, "message": message}),
                                content_type="application/x-amz-json-1.1",
                                headers={"x-amzn-ErrorType": code})
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with ClientSession() as session:
            async with session.post(self.upstream + "/", data=body, headers=headers) as upstream:
                return web.Response(status=upstream.status, body=await upstream.read(),
                                    headers={k: v for k, v in upstream.headers.items()
                                             if k.lower() in ("content-type", "x-amzn-requestid", "x-amzn-errortype")})

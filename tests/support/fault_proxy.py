"""A proxy in front of a local service (Rekognition, the AppSync emulator) that counts calls and injects
faults on demand: the one place tests fake a service failing at a precise moment.
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
SLOW_SECONDS = 0.8  # "slow": answered normally, this much later (within the handler tests' 1 s timeout)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[str] = []  # X-Amz-Target of every request received
        self._faults: deque[tuple[str, bytes | None]] = deque()
        self._server: AppThread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    def fail_next(self, kind: str, times: int = 1, when: bytes | None = None) -> None:
        """Answer the next `times` requests (those whose body contains `when`, if given) with a fault."""
        self._faults.extend([(kind, when)] * times)

    def clear(self) -> None:
        self._faults.clear()
        self.calls.clear()

    def detect_calls(self) -> int:
        return sum(1 for c in self.calls if c.endswith("DetectLabels"))

    def __enter__(self) -> FaultProxy:
        def make_app() -> web.Application:
            app = web.Application()
            app.router.add_post("/{tail:.*}", self._handle)
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
        if self._faults and (self._faults[0][1] is None or self._faults[0][1] in body):
            kind, _ = self._faults.popleft()
            if kind == "slow":
                await asyncio.sleep(SLOW_SECONDS)
                return await self._forward(request, body)
            if kind == "hang":
                await asyncio.sleep(HANG_SECONDS)
            status, code, message = FAULTS[kind]
            return web.Response(
                status=status,
                text=json.dumps({"__type": code, "message": message}),
                content_type="application/x-amz-json-1.1",
                headers={"x-amzn-ErrorType": code},
            )
        return await self._forward(request, body)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        # The Host header stays the proxy's: SigV4 signed it (the AppSync emulator verifies signatures).
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        async with (
            ClientSession() as session,
            session.post(self.upstream + request.path_qs, data=body, headers=headers) as upstream,
        ):
            return web.Response(
                status=upstream.status,
                body=await upstream.read(),
                headers={
                    k: v
                    for k, v in upstream.headers.items()
                    if k.lower() in ("content-type", "x-amzn-requestid", "x-amzn-errortype")
                },
            )

"""A proxy in front of the local Rekognition that counts calls and injects faults on demand.

No local part throttles or fails like the real service, so this is the one place tests fake it.
"""
from __future__ import annotations

import asyncio
import json
import threading
from collections import deque

from aiohttp import ClientSession, web

from catscan.local.processes import free_port

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
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.calls: list[str] = []  # X-Amz-Target of every request received
        self._faults: deque[str] = deque()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def fail_next(self, kind: str, times: int = 1) -> None:
        self._faults.extend([kind] * times)

    def clear(self) -> None:
        self._faults.clear()
        self.calls.clear()

    def detect_calls(self) -> int:
        return sum(1 for c in self.calls if c.endswith("DetectLabels"))

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._runner = runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

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

"""An aiohttp app on its own event loop in a daemon thread: how tests and tools embed a local service."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


@dataclass
class AppThread:
    host: str
    port: int
    app: web.Application
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    runner: web.AppRunner

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 5.0) -> T:
        """Run a coroutine on the app's loop from another thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if not self.thread.is_alive() or not self.loop.is_running():
            return
        self.call(self.runner.cleanup(), timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)


def start_app_thread(
    make_app: Callable[[], web.Application],
    host: str = "127.0.0.1",
    port: int = 0,
    name: str = "app",
    timeout: float = 30.0,
) -> AppThread:
    """Start the app; returns once it accepts connections. `port=0` picks a free port (see `.port`)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, Any] = {}

    async def _start() -> None:
        app = make_app()
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        sockets = list(site._server.sockets if site._server else [])
        box.update(app=app, runner=runner, port=sockets[0].getsockname()[1] if sockets else port)

    def _main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(_start())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            box["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:  # idle keep-alive connections
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=_main, name=name, daemon=True)
    thread.start()
    if not started.wait(timeout):
        raise TimeoutError(f"{name} did not start in time")
    if "error" in box:
        raise RuntimeError(f"{name} failed to start: {box['error']!r}") from box["error"]
    return AppThread(host, box["port"], box["app"], loop, thread, box["runner"])

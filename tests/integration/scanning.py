"""Scan a file the way a client does: subscribe, createScan, upload, wait for the pushed verdict."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catscan.client.api import TERMINAL, ScanApi, subscribe_updates, upload
from catscan.client.session import UserSession

# gql does not wait for AppSync's start_ack; subscribe_updates tells when it came.
ACK_TIMEOUT_S = 10.0


def run(coro):
    return asyncio.run(coro)


@dataclass
class Watched:
    events: list[dict[str, Any]] = field(default_factory=list)


async def watch(session: UserSession, sink: Watched, stop: asyncio.Event, started: asyncio.Event) -> None:
    async def consume() -> None:
        async for scan in subscribe_updates(session, started):
            sink.events.append(scan)
    task = asyncio.create_task(consume())
    await stop.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def scan_file(session: UserSession, path: Path, timeout: float = 30.0,
                    observers: list[UserSession] = ()) -> tuple[dict[str, Any], Watched, list[Watched]]:
    """The final pushed scan, the owner's events and each observer's events."""
    own, stop = Watched(), asyncio.Event()
    others = [Watched() for _ in observers]
    acks = [asyncio.Event() for _ in range(1 + len(observers))]
    tasks = [asyncio.create_task(watch(session, own, stop, acks[0]))]
    tasks += [asyncio.create_task(watch(o, w, stop, a)) for o, w, a in zip(observers, others, acks[1:])]
    await asyncio.wait_for(asyncio.gather(*(a.wait() for a in acks)), ACK_TIMEOUT_S)
    try:
        async with ScanApi(session) as api:
            new = await api.create_scan(path)
            await asyncio.to_thread(upload, session, new.key, path)
            scan_id = new.scan["id"]
            deadline = asyncio.get_running_loop().time() + timeout
            while asyncio.get_running_loop().time() < deadline:
                final = [e for e in own.events if e["id"] == scan_id and e["status"] in TERMINAL]
                if final:
                    await asyncio.sleep(0.3)  # let observers receive whatever they would
                    return final[-1], own, others
                await asyncio.sleep(0.02)
            current = await api.get_scan(scan_id)
            raise AssertionError(f"no terminal event for {path.name} in {timeout}s; scan is {current}")
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

"""Scan a file the way a client does (catscan.client.scanning: subscribe, createScan, upload, wait for
the pushed verdict), keeping every event the owner and any observers were pushed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catscan.client.scanning import ScanJob, Scanner, Subscription
from catscan.client.session import UserSession

ACK_TIMEOUT_S = 10.0


def run(coro):
    return asyncio.run(coro)


@dataclass
class Watched:
    events: list[dict[str, Any]] = field(default_factory=list)


async def scan_file(
    session: UserSession, path: Path, timeout: float = 30.0, observers: list[UserSession] = ()
) -> tuple[dict[str, Any], Watched, list[Watched]]:
    """The first pushed terminal scan, the owner's events and each observer's events."""
    others = [Subscription(o) for o in observers]
    try:
        await asyncio.gather(*(o.open(ACK_TIMEOUT_S) for o in others))
        # reread_after=None: only a pushed verdict counts here, as the tests check the pushes
        async with Scanner(session, reread_after=None, ack_timeout=ACK_TIMEOUT_S) as scanner:
            result = await scanner.scan_one(ScanJob(path), timeout=timeout)
            if not result.pushed:
                current = result.scan_id and await scanner.api.get_scan(result.scan_id)
                raise AssertionError(
                    f"no terminal event for {path.name} in {timeout}s: {result.status} "
                    f"{result.reason}; scan is {current}"
                )
            await asyncio.sleep(0.3)  # let observers receive whatever they would
            return (result.scan, Watched(scanner.subscription.scans()), [Watched(o.scans()) for o in others])
    finally:
        await asyncio.gather(*(o.close() for o in others), return_exceptions=True)

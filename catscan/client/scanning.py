"""The scan protocol, written once: the CLI, the benchmarks and the tests all scan through it.

Order matters (README.md, the sequence diagram): subscribe to onUpdateScan first and wait until AppSync
acknowledges it (`start_ack`; gql does not wait for it, and an update published before it is not
delivered), then createScan + upload each file. A verdict normally arrives as a push; a scan with no
push some seconds after its upload is re-read with getScan, and once more at its timeout, so no verdict
is lost to a dropped connection or a late subscription. A measurement turns the re-reads off
(`reread_after=None`): then only a pushed verdict counts, and a missing push is a finding.

    async with Scanner(session) as scanner:
        async for result in scanner.scan([ScanJob(path)], timeout=120):
            print(result.status, result.scan.get("isCat"))
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions
from gql import Client as GqlClient
from gql import gql
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError, TransportServerError

from catscan.client.api import TERMINAL, ScanApi, realtime_transport, upload
from catscan.client.session import UserSession
from scan_image import graphql_documents as documents

# How long to wait for AppSync's start_ack before scanning anyway (re-reads then cover a late one).
SUBSCRIBE_WAIT_S = 5.0
# Without a push this long after its upload, a scan is re-read with getScan (then again as often).
REREAD_AFTER_S = 3.0
# ... and as often as this when the live subscription is down.
REREAD_WITHOUT_PUSH_S = 1.0
# A whole run waits this much past its timeout for the scans' last look (a verdict right at the deadline).
GRACE_S = 5.0

PushHandler = Callable[[float, dict[str, Any]], None]


class SubscriptionFailed(Exception):
    """The subscription ended without being refused at connection (e.g. AppSync answered an error)."""


class Subscription:
    """One AppSync realtime WebSocket with one onUpdateScan subscription, keeping every event it is pushed
    as (perf_counter time, scan)."""

    def __init__(self, session: UserSession, on_event: PushHandler | None = None) -> None:
        self.session = session
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.error: str | None = None  # why the subscription ended, once it did
        self._on_event = on_event
        self._acked = asyncio.Event()
        self._client = GqlClient(
            transport=realtime_transport(session, self._acked), fetch_schema_from_transport=False
        )
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    @property
    def listening(self) -> bool:
        return self._task is not None and not self._task.done()

    async def open(self, ack_timeout: float = 20.0) -> None:
        """Returns once AppSync acknowledged the subscription: from then on no update is missed.

        Raises the connection's own error when it could not connect, SubscriptionFailed when the
        subscription ended otherwise, TimeoutError when no ack came in time (the subscription stays open:
        a late ack still starts it)."""
        self._task = asyncio.create_task(self._listen())
        ack = asyncio.create_task(self._acked.wait())
        await asyncio.wait({self._task, ack}, timeout=ack_timeout, return_when=asyncio.FIRST_COMPLETED)
        ack.cancel()
        if self._task.done():
            if isinstance(self._failure, (TransportConnectionFailed, TransportServerError, OSError)):
                raise self._failure
            raise SubscriptionFailed(
                f"subscription of {self.session.username} failed: {self.error or 'the subscription ended'}"
            )
        if not self._acked.is_set():
            raise TimeoutError(f"AppSync did not acknowledge the subscription within {ack_timeout:g} s")

    async def _listen(self) -> None:
        try:
            ws = await self._client.connect_async()
            async for result in ws.subscribe(gql(documents.ON_UPDATE_SCAN)):
                now, scan = time.perf_counter(), result["onUpdateScan"]
                self.events.append((now, scan))
                if self._on_event:
                    self._on_event(now, scan)
            self.error = "the subscription ended"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a dropped connection is reported, not a crash
            self._failure = exc
            self.error = f"{type(exc).__name__}: {exc}"

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        with contextlib.suppress(Exception):  # closing a dead socket: bounded, never an error
            await asyncio.wait_for(self._client.close_async(), 10)

    def scans(self) -> list[dict[str, Any]]:
        return [scan for _, scan in self.events]

    def terminal(self, scan_id: str) -> list[dict[str, Any]]:
        return [s for _, s in self.events if s["id"] == scan_id and s["status"] in TERMINAL]


@dataclass(eq=False)
class ScanJob:
    """One file to scan; content_type None: guessed from the name, and the upload sends none."""

    path: Path
    content_type: str | None = None


@dataclass(eq=False)
class ScanResult:
    """What became of one job. status: PENDING/PROCESSING on the way, then DONE/REJECTED/FAILED (the
    scanner's verdict), TIMEOUT (none in time) or ERROR (not created or not uploaded, with the reason)."""

    job: ScanJob
    status: str | None = None
    scan_id: str | None = None
    scan: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    pushed: bool = False  # the verdict came as a push (not by a re-read)
    created_at: float | None = None  # perf_counter before createScan
    upload_started: float | None = None  # perf_counter as the PUT began
    finished_at: float | None = None  # perf_counter when the verdict arrived
    _done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def final(self) -> bool:
        return self.status in (*TERMINAL, "TIMEOUT", "ERROR")

    @property
    def seconds(self) -> float | None:
        """createScan -> verdict (None without a verdict)."""
        if self.finished_at is None or self.created_at is None:
            return None
        return self.finished_at - self.created_at

    @property
    def latency(self) -> float | None:
        """Upload start -> verdict (None without a verdict)."""
        if self.finished_at is None or self.upload_started is None:
            return None
        return self.finished_at - self.upload_started

    def finish(
        self,
        status: str,
        scan: dict[str, Any] | None = None,
        reason: str | None = None,
        at: float | None = None,
        pushed: bool = False,
    ) -> None:
        if self.final:
            return
        self.status = status
        if scan:
            self.scan = scan
        self.reason = reason if reason is not None else (scan or {}).get("reason")
        if status in TERMINAL:
            self.finished_at = at if at is not None else time.perf_counter()
            self.pushed = pushed
        self._done.set()

    async def wait(self, seconds: float | None) -> bool:
        """Until the result is final or `seconds` passed (None: no limit); True when final."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), seconds)
        return self.final


class ScanEvents:
    """What a run tells as it goes (no-ops here): override what a front end shows."""

    def phase(self, name: str) -> None:
        """One of connecting, subscribing, scanning."""

    def uploaded(self, result: ScanResult) -> None:
        """A job's file is uploaded; its verdict is on the way."""

    def warning(self, message: str) -> None:
        """Something a person should know that does not stop the run."""


class Scanner:
    """One signed-in user's scan client: one subscription (acknowledged before the first upload), one
    API session, one S3 client for all uploads. Use as `async with Scanner(session) as scanner:`.

    uploads: createScan + upload at the same time (None: unbounded); in_flight: whole scans at the same
    time, up to their verdict (None: unbounded). reread_after: seconds without a push before a scan is
    re-read; None for a measurement, where only pushes count and a subscription that is not
    acknowledged ends the run instead of falling back to polling.
    """

    def __init__(
        self,
        session: UserSession,
        *,
        uploads: int | None = 4,
        in_flight: int | None = None,
        reread_after: float | None = REREAD_AFTER_S,
        ack_timeout: float = SUBSCRIBE_WAIT_S,
        events: ScanEvents | None = None,
    ) -> None:
        self.session = session
        self.reread_after = reread_after
        self.ack_timeout = ack_timeout
        self.events = events or ScanEvents()
        self.subscription = Subscription(session, on_event=self._pushed)
        self.api = ScanApi(session)
        self._uploads = asyncio.Semaphore(uploads) if uploads else None
        self._in_flight = asyncio.Semaphore(in_flight) if in_flight else None
        self._by_id: dict[str, ScanResult] = {}
        self._s3: Any = None
        self._api_open = False

    async def __aenter__(self) -> Scanner:
        self.events.phase("connecting")
        # identity-pool credentials and one S3 client for all uploads (blocking calls: off the loop)
        await asyncio.to_thread(self.session.identity)
        self._s3 = await asyncio.to_thread(self.session.s3)
        self.events.phase("subscribing")
        try:
            await self.subscription.open(self.ack_timeout)
        except SubscriptionFailed:
            if self.reread_after is None:
                await self.subscription.close()
                raise
            self.events.warning(
                f"live updates are unavailable ({self.subscription.error}); polling for verdicts instead"
            )
        except TimeoutError:
            if self.reread_after is None:
                await self.subscription.close()
                raise
            self.events.warning("the subscription was not acknowledged in time; verdicts may come by polling")
        except BaseException:
            await self.subscription.close()
            raise
        try:
            await self.api.__aenter__()
        except BaseException:
            await self.subscription.close()
            raise
        self._api_open = True
        self.events.phase("scanning")
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.subscription.close()
        finally:
            if self._api_open:
                await self.api.__aexit__()

    def _pushed(self, now: float, scan: dict[str, Any]) -> None:
        result = self._by_id.get(scan.get("id", ""))
        if result is None or result.final:
            return
        if scan.get("status") in TERMINAL:
            result.finish(scan["status"], scan, at=now, pushed=True)
        else:
            result.status = scan.get("status")

    async def scan_one(self, job: ScanJob, timeout: float = 60.0) -> ScanResult:
        """One file, waiting up to `timeout` seconds after its upload for the verdict."""
        result = ScanResult(job)
        await self._scan(result, per_scan=timeout)
        _time_out(result, timeout)
        return result

    async def scan(
        self, jobs: Iterable[ScanJob], timeout: float, started: float | None = None
    ) -> AsyncIterator[ScanResult]:
        """Every job, each result yielded the moment it is known; `timeout` is for the whole run (from
        `started`, a perf_counter time, else now). What has no verdict by then ends TIMEOUT.

        A scan task fails only for what ends the run (a lost connection, a refused token): that error
        is raised; everything else ends in its result."""
        results = [ScanResult(job) for job in jobs]
        loop = asyncio.get_running_loop()
        elapsed = time.perf_counter() - started if started is not None else 0.0
        deadline = loop.time() + timeout - elapsed
        pending = {asyncio.create_task(self._scan(result, deadline=deadline)) for result in results}
        yielded: set[int] = set()
        try:
            while pending:
                remaining = deadline + GRACE_S - loop.time()
                if remaining <= 0:
                    break
                done, pending = await asyncio.wait(
                    pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    result = task.result()  # raises what ends the run
                    _time_out(result, timeout)
                    yielded.add(id(result))
                    yield result
        finally:  # also on Ctrl-C: no task may outlive the API session it uses
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for result in results:
            if id(result) not in yielded:
                _time_out(result, timeout)
                yield result

    async def _scan(
        self, result: ScanResult, deadline: float | None = None, per_scan: float | None = None
    ) -> ScanResult:
        async with self._in_flight or contextlib.nullcontext():
            await self._create_and_upload(result, deadline)
            if result.final:
                return result
            end = deadline
            if per_scan is not None:
                after_upload = asyncio.get_running_loop().time() + per_scan
                end = after_upload if end is None else min(end, after_upload)
            await self._await_verdict(result, end)
        return result

    async def _create_and_upload(self, result: ScanResult, deadline: float | None) -> None:
        job = result.job
        async with self._uploads or contextlib.nullcontext():
            if deadline is not None and asyncio.get_running_loop().time() >= deadline:
                result.finish("TIMEOUT", reason="Not uploaded before the timeout.")
                return
            result.created_at = time.perf_counter()
            try:
                new = await self.api.create_scan(job.path, job.content_type)
            except TransportQueryError as exc:
                if _error_type(exc) == "UnauthorizedException":
                    raise  # the token itself is refused: the run ends
                result.finish("ERROR", reason=f"The API refused to create the scan: {_first_error(exc)}")
                return
            except OSError as exc:  # the file vanished since it was sniffed
                result.finish("ERROR", reason=f"Cannot read the file: {exc.strerror or exc}.")
                return
            result.scan_id = new.scan["id"]
            result.status = new.scan.get("status")
            self._by_id[result.scan_id] = result

            def put() -> None:
                result.upload_started = time.perf_counter()
                upload(self.session, new.key, job.path, job.content_type, self._s3)

            try:
                await asyncio.to_thread(put)
            except botocore.exceptions.ConnectionError:
                raise
            except (OSError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                result.finish("ERROR", reason=f"Upload failed: {_upload_error(exc)}")
                with contextlib.suppress(Exception):  # no scan is left PENDING forever
                    await self.api.delete_scan(result.scan_id)
                return
            self.events.uploaded(result)

    async def _await_verdict(self, result: ScanResult, end: float | None) -> None:
        loop = asyncio.get_running_loop()
        while not result.final:
            remaining = None if end is None else end - loop.time()
            if remaining is not None and remaining <= 0:
                break
            if self.reread_after is None:  # a measurement: only the push counts
                await result.wait(remaining)
                return
            wait = self.reread_after if self.subscription.listening else REREAD_WITHOUT_PUSH_S
            if await result.wait(wait if remaining is None else min(wait, remaining)):
                return
            with contextlib.suppress(TransportQueryError):  # a refused re-read: keep waiting for the push
                await self._reread(result)
        if not result.final and self.reread_after is not None:  # one last look before calling it timed out
            with contextlib.suppress(TransportQueryError, TransportConnectionFailed, TimeoutError):
                await self._reread(result)

    async def _reread(self, result: ScanResult) -> None:
        scan = await self.api.get_scan(result.scan_id)  # type: ignore[arg-type]
        if scan and scan.get("status") in TERMINAL:
            result.finish(scan["status"], scan)
        elif scan:
            result.status = scan.get("status")


def _time_out(result: ScanResult, timeout: float) -> None:
    """A result still without a verdict ends TIMEOUT, saying how far it got."""
    if not result.final:
        result.finish(
            "TIMEOUT",
            reason=f"No verdict within {timeout:g} s (last status {result.status or 'not created'}).",
        )


def _error_type(exc: TransportQueryError) -> str | None:
    errors = exc.errors or []
    return errors[0].get("errorType") if errors and isinstance(errors[0], dict) else None


def _first_error(exc: TransportQueryError) -> str:
    errors = exc.errors or []
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", exc))
    return str(exc)


def _upload_error(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code')}: {error.get('Message', '')}".rstrip(": ")
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)

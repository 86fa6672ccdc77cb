"""`python -m benchmarks.reliability`: does the pipeline lose, duplicate or misdeliver scans under load?

Starts its own local cloud on free ports of 127.0.0.1, creates users, then
  - opens the *subscribers* (e.g. 10 users x 20 WebSocket connections = 200) and keeps them open;
  - runs the *load*: N uploads from C clients, each client its own user with one subscription and a
    bounded number of scans in flight, images in a fixed mix (cat / no cat / refused);
  - lets each subscriber user upload one image: every connection of that user must be pushed it,
    and no connection may ever be pushed a scan of another user (during the load included);
  - reads every user's scans back (getScan for what was not pushed, listScans for duplicates).
The figures are counted, never asserted (tests/hardening/test_load_small.py asserts a small run),
and written as a table to RELIABILITY.md. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from benchmarks.bench import half_megapixel_jpeg, percentile
from catscan.client.api import TERMINAL, ScanApi, upload
from catscan.client.outputs import Outputs, load_outputs
from catscan.client.scanning import ScanJob, Scanner, Subscription
from catscan.client.session import UserSession
from catscan.local.cloud import REPO_ROOT, LocalCloud, Ports
from catscan.local.seed import DEMO_USERS, add_user

PASSWORD = "Reliability-user-1"

# What a scan's content is, for "the same terminal status pushed twice with different content".
VERDICT_FIELDS = ("status", "isCat", "confidence", "reason")


# --- images --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    path: Path
    expected: str  # "cat" | "no cat" | "refused"


def verdict_of(scan: dict[str, Any]) -> str:
    if scan["status"] == "DONE":
        return "cat" if scan.get("isCat") else "no cat"
    return "refused" if scan["status"] == "REJECTED" else scan["status"].lower()


def make_samples(directory: Path) -> list[Sample]:
    """The load's image mix, one entry per upload slot of ten: 5 cats, 3 other photos, 2 refused files."""
    import skimage.data

    data = Path(skimage.data.__file__).parent
    cat = half_megapixel_jpeg(directory)

    def jpeg(name: str) -> Path:
        out = directory / (Path(name).stem + ".jpg")
        Image.open(data / name).convert("RGB").save(out, "JPEG", quality=88)
        return out

    coffee, rocket, astronaut = jpeg("coffee.png"), jpeg("rocket.jpg"), jpeg("astronaut.png")
    text = directory / "notes.jpg"
    text.write_text("not a picture, a shopping list\n" * 40)
    tiny = directory / "tiny.png"
    Image.new("RGB", (60, 60), (90, 90, 90)).save(tiny, "PNG")
    mix = [
        (cat, "cat"),
        (coffee, "no cat"),
        (cat, "cat"),
        (rocket, "no cat"),
        (cat, "cat"),
        (text, "refused"),
        (cat, "cat"),
        (astronaut, "no cat"),
        (cat, "cat"),
        (tiny, "refused"),
    ]
    return [Sample(p, e) for p, e in mix]


# --- clients -------------------------------------------------------------------------------------


@dataclass
class ScanRecord:
    scan_id: str
    expected: str
    upload_started: float = 0.0
    latency_s: float | None = None  # upload start -> first pushed terminal status, None when lost
    final: dict[str, Any] | None = None
    error: str | None = None


class LoadClient:
    """One load user: catscan.client's Scanner as a measurement uses it (one subscription that keeps every
    event, for duplicates and misdeliveries; acknowledged before the first upload; scans bounded in
    flight; only pushed verdicts count), with the bookkeeping of a reliability run."""

    def __init__(self, session: UserSession, in_flight: int = 4) -> None:
        self.session = session
        self.scanner = Scanner(
            session, uploads=None, in_flight=in_flight, reread_after=None, ack_timeout=20.0
        )
        self.subscriber = self.scanner.subscription
        self.records: dict[str, ScanRecord] = {}
        self.errors: list[str] = []

    async def __aenter__(self) -> LoadClient:
        await self.scanner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.scanner.__aexit__()

    async def scan(self, sample: Sample, timeout: float = 60) -> ScanRecord | None:
        try:
            result = await self.scanner.scan_one(ScanJob(sample.path), timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - counted, the run goes on
            self.errors.append(f"scan: {type(exc).__name__}: {exc}")
            return None
        if result.scan_id is None:
            self.errors.append(f"createScan: {result.reason}")
            return None
        record = ScanRecord(result.scan_id, sample.expected, upload_started=result.upload_started or 0.0)
        self.records[record.scan_id] = record
        if result.status == "ERROR":
            record.error = f"upload: {result.reason}"
            self.errors.append(record.error)
        elif result.pushed:
            record.final, record.latency_s = result.scan, result.latency
        return record


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Figures:
    # the load
    uploads_requested: int = 0
    uploads_made: int = 0
    not_attempted: int = 0  # the run's time limit was reached first
    client_errors: list[str] = field(default_factory=list)
    results_received: int = 0  # a terminal status pushed within the timeout
    lost: int = 0  # no terminal push within the timeout ...
    lost_terminal_in_get: int = 0  # ... of which getScan shows a terminal status (the push was lost)
    lost_stuck: list[str] = field(default_factory=list)  # ... of which getScan shows PENDING / PROCESSING
    late_pushes: int = 0  # a terminal push that came after the timeout
    duplicated: int = 0  # scans pushed two terminal statuses with different content
    repeated: int = 0  # scans whose identical terminal status was pushed more than once
    list_duplicates: int = 0  # scan ids listed twice by listScans (a user's, or Admin's of everyone)
    list_missing: int = 0  # scans of this run that listScans does not return
    list_foreign: int = 0  # scans of another user in a user's listScans
    wrong_owner: int = 0  # scans whose owner (Admin's listScans) is not the user who created them
    lists_checked: int = 0  # users whose own listScans was read back
    admin_listed: int = 0  # scans in Admin's listScans (the whole table)
    list_seconds: float = 0.0  # one user's listScans, all pages (the slowest of those read)
    misdelivered: int = 0  # events pushed to a load client for a scan that is not its user's
    client_events: int = 0  # events load clients were pushed in all
    verdicts: Counter = field(default_factory=Counter)
    wrong_verdicts: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    clients: int = 0
    in_flight: int = 0
    scan_timeout: float = 0.0
    # the subscribers
    subscribers: int = 0
    subscriber_users: int = 0
    subscriber_uploads: int = 0
    deliveries_expected: int = 0
    deliveries_received: int = 0
    subscribers_complete: int = 0  # connections that were pushed every scan of their own user
    subscriber_misdelivered: int = 0  # events pushed to a subscriber for a scan of another user
    subscriber_events: int = 0  # events subscribers were pushed in all (the misdelivery checks made)
    subscriber_errors: list[str] = field(default_factory=list)
    subscriber_fanout_s: float = 0.0  # upload start -> the last connection of the user got it (max)

    @property
    def scans_per_s(self) -> float:
        return self.results_received / self.wall_s if self.wall_s else 0.0

    def latency(self, p: float) -> float:
        return percentile(self.latencies_ms, p) if self.latencies_ms else float("nan")

    @property
    def problems(self) -> dict[str, int]:
        """The correctness figures: all zero in a healthy run."""
        return {
            "lost": self.lost,
            "duplicated": self.duplicated,
            "repeated": self.repeated,
            "listScans duplicates": self.list_duplicates,
            "listScans missing": self.list_missing,
            "listScans foreign": self.list_foreign,
            "wrong owner": self.wrong_owner,
            "misdelivered": self.misdelivered + self.subscriber_misdelivered,
            "missing subscriber deliveries": self.deliveries_expected - self.deliveries_received,
            "client errors": len(self.client_errors) + len(self.subscriber_errors),
            "not attempted": self.not_attempted,
        }


def provision_users(cloud: LocalCloud, outputs: Outputs, prefix: str, n: int) -> list[UserSession]:
    sessions = []
    for i in range(n):
        email = f"{prefix}{i}@catscan.local"
        add_user(cloud.moto_url, cloud.seeded.user_pool_id, email, PASSWORD)
        session = UserSession.sign_in(outputs, email, PASSWORD)
        session.identity()  # identity-pool credentials up front, not during the load
        sessions.append(session)
    return sessions


async def _bounded_gather(coros: list, limit: int) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(coro):
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


async def run_load(
    load_sessions: list[UserSession],
    subscriber_sessions: list[UserSession],
    samples: list[Sample],
    uploads: int,
    subscribers: int,
    in_flight: int = 4,
    scan_timeout: float = 60.0,
    max_seconds: float = 900.0,
    admin: UserSession | None = None,
    list_users: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Figures:
    """The whole measurement; every figure in the result, nothing asserted.

    Read back: getScan for every scan whose verdict was not pushed; listScans of `list_users` load users
    (None: all of them; each read costs a Scan of the whole table) and, with `admin`, Admin's listScans of
    everything (each scan of the run once, owned by the user who created it).
    """
    fig = Figures(
        uploads_requested=uploads,
        clients=len(load_sessions),
        in_flight=in_flight,
        scan_timeout=scan_timeout,
        subscribers=subscribers,
        subscriber_users=len(subscriber_sessions),
    )
    run_deadline = time.monotonic() + max_seconds
    subs = await _open_subscribers(fig, subscriber_sessions, subscribers, progress)
    clients = [LoadClient(s, in_flight) for s in load_sessions]
    own_ids: dict[str, set[str]] = {}  # username -> its scan ids (subscriber users)
    try:
        progress(f"opening {len(clients)} load clients")
        await asyncio.gather(*(c.__aenter__() for c in clients))
        await _load(fig, clients, samples, uploads, scan_timeout, run_deadline, progress)
        if subscriber_sessions:
            await _subscriber_round(
                fig,
                subs,
                subscriber_sessions,
                samples,
                own_ids,
                min(scan_timeout, max(5.0, run_deadline - time.monotonic())),
                progress,
            )
        await asyncio.sleep(1.0)  # anything misdelivered late still arrives before the count
    finally:
        await asyncio.gather(*(c.__aexit__() for c in clients), return_exceptions=True)
        await _bounded_gather([s.close() for s in subs], 50)

    for client in clients:
        lost_ids = _count_client(fig, client)
        await _read_back(fig, client, lost_ids, list_users, progress)
    if admin is not None:
        await _count_admin(fig, admin, clients, subscriber_sessions, own_ids, progress)
    _count_subscribers(fig, subs, own_ids)
    return fig


async def _open_subscribers(
    fig: Figures, sessions: list[UserSession], n: int, progress: Callable[[str], None]
) -> list[Subscription]:
    """The extra subscriptions, spread over their users, all acknowledged before anything is uploaded."""
    subs = [Subscription(sessions[i % len(sessions)]) for i in range(n)] if sessions else []
    progress(f"opening {len(subs)} subscriptions for {len(sessions)} users")
    opened = await _bounded_gather([_open(s) for s in subs], 20)
    fig.subscriber_errors += [e for e in opened if e]
    return subs


async def _load(
    fig: Figures,
    clients: list[LoadClient],
    samples: list[Sample],
    uploads: int,
    scan_timeout: float,
    run_deadline: float,
    progress: Callable[[str], None],
) -> None:
    """`uploads` scans spread over the clients, each client with its bounded scans in flight."""
    progress(f"load: {uploads} uploads from {len(clients)} clients, {fig.in_flight} in flight each")
    started = time.perf_counter()

    async def work(k: int, client: LoadClient) -> list[ScanRecord | None]:
        async def one(i: int) -> ScanRecord | None:
            if time.monotonic() > run_deadline:
                fig.not_attempted += 1
                return None
            return await client.scan(samples[i % len(samples)], timeout=scan_timeout)

        return await asyncio.gather(*(one(i) for i in range(k, uploads, len(clients))))

    done = await asyncio.gather(*(work(k, c) for k, c in enumerate(clients)))
    fig.wall_s = time.perf_counter() - started
    fig.uploads_made = sum(1 for rs in done for r in rs if r is not None and not r.error)
    progress(f"load done in {fig.wall_s:.1f} s")


async def _subscriber_round(
    fig: Figures,
    subs: list[Subscription],
    sessions: list[UserSession],
    samples: list[Sample],
    own_ids: dict[str, set[str]],
    wait_s: float,
    progress: Callable[[str], None],
) -> None:
    """Each subscriber user uploads one image; every connection of that user must be pushed it."""
    fig.subscriber_uploads = len(sessions)
    progress(f"{len(sessions)} subscriber users upload one image each")
    cat = next(s for s in samples if s.expected == "cat")
    uploaded = await asyncio.gather(*(_upload_one(s, cat.path) for s in sessions))
    for session, (scan_id, _, error) in zip(sessions, uploaded, strict=True):
        own_ids[session.username] = {scan_id} if scan_id else set()
        if error:
            fig.subscriber_errors.append(error)
    mine = [(sub, own_ids[sub.session.username]) for sub in subs]
    fig.deliveries_expected = sum(len(ids) for _, ids in mine)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if all(sub.terminal(i) for sub, ids in mine for i in ids):
            break
        await asyncio.sleep(0.05)
    first_upload = min((u[1] for u in uploaded if u[1]), default=time.perf_counter())
    last = [
        min(t for t, s in sub.events if s["id"] == i and s["status"] in TERMINAL)
        for sub, ids in mine
        for i in ids
        if sub.terminal(i)
    ]
    fig.subscriber_fanout_s = (max(last) - first_upload) if last else 0.0


def _count_client(fig: Figures, client: LoadClient) -> list[str]:
    """One load client's pushes and verdicts into the figures; the ids of its lost scans."""
    fig.client_errors += client.errors
    if client.subscriber.error:
        fig.client_errors.append(f"subscription: {client.subscriber.error}")
    mine = set(client.records)
    fig.client_events += len(client.subscriber.events)
    fig.misdelivered += sum(
        1
        for _, scan in client.subscriber.events
        if scan["id"] not in mine or scan.get("owner") != client.session.owner
    )
    lost_ids = []
    for record in client.records.values():
        if record.error:
            continue
        pushed = client.subscriber.terminal(record.scan_id)
        contents = {tuple(scan.get(f) for f in VERDICT_FIELDS) for scan in pushed}
        # a DONE scan's thumbnail key comes in one more push after the verdict: not a repeat
        distinct = {tuple(scan.get(f) for f in (*VERDICT_FIELDS, "thumbnailKey")) for scan in pushed}
        if len(contents) > 1:
            fig.duplicated += 1
        elif len(pushed) > len(distinct):
            fig.repeated += 1
        if record.final is None:
            fig.lost += 1
            lost_ids.append(record.scan_id)
            fig.late_pushes += int(bool(pushed))
            continue
        fig.results_received += 1
        fig.latencies_ms.append(record.latency_s * 1000)
        verdict = verdict_of(record.final)
        fig.verdicts[verdict] += 1
        if verdict != record.expected:
            fig.wrong_verdicts.append(
                f"{record.scan_id}: expected {record.expected}, got {verdict} ({record.final.get('reason')})"
            )
    return lost_ids


async def _read_back(
    fig: Figures,
    client: LoadClient,
    lost_ids: list[str],
    list_users: int | None,
    progress: Callable[[str], None],
) -> None:
    """getScan of what was not pushed; the user's own listScans while `list_users` allows."""
    async with ScanApi(client.session) as api:
        for scan_id in lost_ids:
            current = await api.get_scan(scan_id)
            if current and current["status"] in TERMINAL:
                fig.lost_terminal_in_get += 1
            else:
                fig.lost_stuck.append(f"{scan_id}: {current and current['status']}")
        if list_users is None or fig.lists_checked < list_users:
            progress(f"listScans of {client.session.username}")
            t = time.perf_counter()
            listed = [s["id"] for s in await api.list_scans()]
            fig.list_seconds = max(fig.list_seconds, time.perf_counter() - t)
            fig.lists_checked += 1
            mine = set(client.records)
            fig.list_duplicates += len(listed) - len(set(listed))
            fig.list_missing += len(mine - set(listed))
            fig.list_foreign += len(set(listed) - mine)


async def _count_admin(
    fig: Figures,
    admin: UserSession,
    clients: list[LoadClient],
    subscriber_sessions: list[UserSession],
    own_ids: dict[str, set[str]],
    progress: Callable[[str], None],
) -> None:
    """Admin's listScans: each scan of the run once, owned by the user who created it."""
    progress("listScans of Admin (every scan)")
    creators = {i: c.session.owner for c in clients for i, r in c.records.items() if not r.error}
    for session in subscriber_sessions:
        creators.update(dict.fromkeys(own_ids.get(session.username, ()), session.owner))
    async with ScanApi(admin) as api:
        everything = await api.list_scans()
    fig.admin_listed = len(everything)
    seen = Counter(s["id"] for s in everything if s["id"] in creators)
    fig.list_duplicates += sum(n - 1 for n in seen.values())
    fig.list_missing += len(set(creators) - set(seen))
    fig.wrong_owner += sum(1 for s in everything if s["id"] in creators and s["owner"] != creators[s["id"]])


def _count_subscribers(fig: Figures, subs: list[Subscription], own_ids: dict[str, set[str]]) -> None:
    for sub in subs:
        ids = own_ids.get(sub.session.username, set())
        fig.subscriber_events += len(sub.events)
        got = sum(1 for i in ids if sub.terminal(i))
        fig.deliveries_received += got
        fig.subscribers_complete += int(got == len(ids) and not sub.error)
        if sub.error:
            fig.subscriber_errors.append(f"subscription: {sub.error}")
        fig.subscriber_misdelivered += sum(
            1 for _, s in sub.events if s["id"] not in ids or s.get("owner") != sub.session.owner
        )


async def _open(sub: Subscription) -> str | None:
    try:
        await sub.open(ack_timeout=20.0)
    except Exception as exc:  # noqa: BLE001
        return f"subscribe {sub.session.username}: {type(exc).__name__}: {exc}"
    return None


async def _upload_one(session: UserSession, path: Path) -> tuple[str | None, float, str | None]:
    try:
        async with ScanApi(session) as api:
            new = await api.create_scan(path)
        at = time.perf_counter()
        await asyncio.to_thread(upload, session, new.key, path)
        return new.scan["id"], at, None
    except Exception as exc:  # noqa: BLE001
        return None, 0.0, f"subscriber upload {session.username}: {type(exc).__name__}: {exc}"


# --- report --------------------------------------------------------------------------------------


def render(fig: Figures, *, cloud_desc: str, started_at: datetime) -> str:
    lines = [
        "# Reliability",
        "",
        f"Recorded by `python -m benchmarks.reliability` on {started_at.strftime('%Y-%m-%d %H:%M UTC')}; "
        f"{os.cpu_count()} cores (shared with other work), Python {platform.python_version()}, "
        f"{platform.machine()}. {cloud_desc}",
        "",
        "Figures, not assertions (`tests/hardening/test_load_small.py` asserts a small run's correctness).",
        "",
        "| measure | result |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in _rows(fig)],
        "",
        "Image mix of the load, per ten uploads: 5 cat photos (866x577 JPEG), 3 photos without a cat "
        "(coffee, rocket, astronaut as JPEG), 1 text file named .jpg and 1 60x60 PNG (both refused).",
        "",
    ]
    details = fig.client_errors[:5] + fig.subscriber_errors[:5] + fig.lost_stuck[:5] + fig.wrong_verdicts[:5]
    if details:
        lines += ["First problems seen:", "", *[f"- `{d}`" for d in details], ""]
    return "\n".join(lines + _what_this_shows(fig))


def _rows(fig: Figures) -> list[tuple[str, str]]:
    lost_detail = (
        f"{fig.lost} ({fig.lost_terminal_in_get} terminal in getScan, "
        f"{len(fig.lost_stuck)} still PENDING/PROCESSING)"
    )
    mix = ", ".join(f"{k} {v}" for k, v in sorted(fig.verdicts.items(), key=lambda kv: -kv[1])) or "-"
    rows = [
        ("uploads (requested / made)", f"{fig.uploads_requested} / {fig.uploads_made}"),
        ("clients (users, one subscription each) x scans in flight", f"{fig.clients} x {fig.in_flight}"),
        ("results received (terminal status pushed within the timeout)", str(fig.results_received)),
        ("lost (no terminal push within the timeout)", lost_detail),
        ("duplicated (two terminal pushes with different content)", str(fig.duplicated)),
        ("same terminal push repeated", str(fig.repeated)),
        (
            "scan ids listed twice / scans of the run missing (listScans of Admin and of users)",
            f"{fig.list_duplicates} / {fig.list_missing}",
        ),
        (
            "another user's scans in a user's listScans / scans owned by someone else than their creator",
            f"{fig.list_foreign} / {fig.wrong_owner}",
        ),
        (
            "listScans read back",
            f"Admin ({fig.admin_listed} scans) and {fig.lists_checked} users; "
            f"one user's list took up to {fig.list_seconds:.1f} s",
        ),
        (
            "events pushed to load clients in all / for another user's scan",
            f"{fig.client_events} / {fig.misdelivered}",
        ),
        ("verdict mix", mix),
        ("verdicts other than the image's expected one", str(len(fig.wrong_verdicts))),
        ("client errors (createScan / upload / subscription)", str(len(fig.client_errors))),
        ("wall time of the load", f"{fig.wall_s:.1f} s"),
        ("throughput", f"{fig.scans_per_s:.1f} scans/s"),
        (
            "upload -> pushed verdict p50 / p95 / max",
            f"{fig.latency(50):.0f} / {fig.latency(95):.0f} / "
            f"{max(fig.latencies_ms, default=float('nan')):.0f} ms",
        ),
        (
            "concurrent subscribers (users x connections)",
            f"{fig.subscribers} ({fig.subscriber_users} x {fig.subscribers // max(1, fig.subscriber_users)})",
        ),
        (
            "subscriber deliveries of their own user's scans (received / expected)",
            f"{fig.deliveries_received} / {fig.deliveries_expected}",
        ),
        ("subscribers that got every scan of their user", f"{fig.subscribers_complete} / {fig.subscribers}"),
        (
            "events pushed to subscribers in all / for another user's scan",
            f"{fig.subscriber_events} / {fig.subscriber_misdelivered}",
        ),
        ("upload -> last of a user's connections got it (max)", f"{fig.subscriber_fanout_s * 1000:.0f} ms"),
    ]
    return rows


def _what_this_shows(fig: Figures) -> list[str]:
    healthy = not any(fig.problems.values()) and not fig.wrong_verdicts and not fig.lost_stuck
    checked = fig.client_events + fig.subscriber_events
    wrong_user = fig.misdelivered + fig.subscriber_misdelivered
    in_flight = fig.clients * fig.in_flight
    return [
        "## What this shows",
        "",
        (
            "No scan was lost, duplicated or delivered to the wrong user under this load. "
            if healthy
            else "**This run found problems** (see the table and the list above). "
        )
        + f"{fig.results_received} of {fig.uploads_made} uploads from {fig.clients} users came back as a pushed "
        f"terminal status within {fig.scan_timeout:.0f} s ({fig.lost} lost, {fig.duplicated} pushed twice with "
        f"different content, {fig.list_duplicates} listed twice, {fig.wrong_owner} with a wrong owner); of the "
        f"{checked} events pushed to {fig.clients + fig.subscribers} WebSocket subscriptions, {wrong_user} "
        f"concerned another user's scan. The {fig.subscribers} extra subscriptions stayed open through the whole "
        f"load, were pushed {fig.subscriber_misdelivered} events of other users, and {fig.subscribers_complete} "
        "of them received their own user's scan: owner filtering holds with many connections per user and "
        "many users at once.",
        "",
        f"The load keeps {in_flight} scans in flight against {fig.scans_per_s:.1f} scans/s, so the latency is "
        f"mostly queueing (in flight / throughput = {in_flight / fig.scans_per_s if fig.scans_per_s else 0:.0f} s, "
        "Little's law), not the time one scan takes (BENCHMARKS.md measures that, unloaded). Throughput is that "
        "of a 2-core machine running the whole local cloud, the detector and the load generator at once, "
        "not of AWS. listScans is a DynamoDB Scan with a filter, as Amplify's resolver is: each page reads "
        "`limit` items of the whole table, so once the local table holds about a thousand scans one user's "
        f"list takes {fig.list_seconds:.1f} s on moto (the run reads back only a few users' lists for that reason).",
        "",
    ]


def render_burst(
    fig: Figures, *, tps: float, runner_concurrency: int, throttled: int, billed: int, started_at: datetime
) -> str:
    """The burst section: every scan of a burst must end DONE under Rekognition's rate quota."""
    failed = fig.verdicts.get("failed", 0)
    return "\n".join(
        [
            "",
            "## Burst under a DetectLabels quota",
            "",
            f"Recorded by `python -m benchmarks.reliability --burst` on {started_at.strftime('%Y-%m-%d %H:%M UTC')}: "
            f"{fig.uploads_made} uploads at once from {fig.clients} users while the local Rekognition allows "
            f"{tps:g} DetectLabels calls a second (`CATSCAN_REKOGNITION_TPS`), with the scanner's event source at "
            f"a maximum concurrency of {runner_concurrency}.",
            "",
            "| measure | result |",
            "|---|---|",
            f"| uploads / ended DONE with the expected verdict | {fig.uploads_made} / "
            f"{fig.results_received - len(fig.wrong_verdicts) - failed} |",
            f"| FAILED / lost / wrong verdict | {failed} / {fig.lost} / {len(fig.wrong_verdicts)} |",
            f"| whole burst, first upload to last verdict | {fig.wall_s:.1f} s (the quota allows no less than "
            f"{fig.uploads_made / tps:.1f} s) |",
            f"| throttled DetectLabels answers / calls billed | {throttled} / {billed} |",
            f"| upload -> verdict p50 / p95 | {fig.latency(50) / 1000:.1f} s / {fig.latency(95) / 1000:.1f} s |",
            "",
            "Throttled calls are retried inside the invocation while its budget allows, then by a later delivery "
            "of the event with backoff; none is billed, and no object is billed twice. "
            "`tests/hardening/test_burst_quota.py` asserts the same for 40 uploads from 8 clients at 2 calls/s.",
            "",
        ]
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="catscan reliability under load (figures, not assertions)")
    parser.add_argument("--uploads", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20, help="load clients, each its own user")
    parser.add_argument("--in-flight", type=int, default=4, help="scans in flight per client")
    parser.add_argument("--subscribers", type=int, default=200, help="extra WebSocket subscriptions")
    parser.add_argument("--subscriber-users", type=int, default=10, help="users the subscribers belong to")
    parser.add_argument("--runner-concurrency", type=int, default=3, help="scanner workers (warm Lambdas)")
    parser.add_argument(
        "--scan-timeout", type=float, default=60.0, help="seconds to wait for a pushed verdict"
    )
    parser.add_argument(
        "--list-users",
        type=int,
        default=3,
        help="load users whose own listScans is read back (each read scans the whole table)",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=1200.0, help="the load stops starting scans after this"
    )
    parser.add_argument(
        "--rekognition-tps",
        type=float,
        default=None,
        help="DetectLabels quota of the local Rekognition (calls/s; default unlimited)",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "RELIABILITY.md")
    parser.add_argument(
        "--burst",
        action="store_true",
        help="a burst of photos (no refused files, no extra subscribers) appended to --out "
        "as its own section; use with --rekognition-tps",
    )
    return parser


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure(args: argparse.Namespace) -> tuple[Figures, dict[str, Any]]:
    """The run on its own local cloud (free ports of 127.0.0.1): the figures and Rekognition's usage."""
    with tempfile.TemporaryDirectory(prefix="catscan-reliability-") as tmp:
        tmpdir = Path(tmp)
        cloud = LocalCloud(
            ports=Ports.free(),
            state_dir=tmpdir / "cloud",
            outputs_path=tmpdir / "outputs.json",
            with_ui=False,
            persist=False,
            runner_concurrency=args.runner_concurrency,
            rekognition_tps=args.rekognition_tps,
        )
        say("starting the local cloud on 127.0.0.1 (free ports)")
        cloud.start(timeout=120)
        try:
            outputs = load_outputs(cloud.outputs_path)
            samples = make_samples(tmpdir)
            if args.burst:
                samples = [x for x in samples if x.expected != "refused"]
            say(f"creating {args.clients} + {args.subscriber_users if args.subscribers else 0} users")
            load_users = provision_users(cloud, outputs, "load", args.clients)
            sub_users = (
                provision_users(cloud, outputs, "listener", args.subscriber_users) if args.subscribers else []
            )
            admin = UserSession.sign_in(outputs, DEMO_USERS[1][0], DEMO_USERS[1][1])
            fig = asyncio.run(
                run_load(
                    load_users,
                    sub_users,
                    samples,
                    args.uploads,
                    args.subscribers,
                    in_flight=args.in_flight,
                    scan_timeout=args.scan_timeout,
                    max_seconds=args.max_seconds,
                    admin=admin,
                    list_users=args.list_users,
                    progress=say,
                )
            )
            with urllib.request.urlopen(f"{cloud.rekognition_url}/_local/usage", timeout=5) as response:
                usage = json.loads(response.read())
        finally:
            say("stopping the local cloud")
            cloud.stop()
    return fig, usage


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.uploads < 0 or args.clients < 1 or args.subscribers < 0 or args.subscriber_users < 1:
        parser.error("--uploads >= 0, --clients >= 1, --subscribers >= 0, --subscriber-users >= 1")
    started_at = datetime.now(UTC)
    fig, usage = measure(args)
    if args.burst:
        section = render_burst(
            fig,
            tps=args.rekognition_tps or 0,
            runner_concurrency=args.runner_concurrency,
            throttled=usage["Throttled"],
            billed=usage["DetectLabels"],
            started_at=started_at,
        )
        with args.out.open("a") as out:
            out.write(section)
        print(section)
        sys.exit(0)
    quota = (
        f"a DetectLabels quota of {args.rekognition_tps:g}/s"
        if args.rekognition_tps
        else "no DetectLabels quota"
    )
    desc = (
        f"Local cloud on 127.0.0.1 with {args.runner_concurrency} scanner workers (the event source's "
        f"maximum concurrency) and {quota}; {args.uploads} uploads from {args.clients} clients, "
        f"{args.subscribers} extra subscribers."
    )
    report = render(fig, cloud_desc=desc, started_at=started_at)
    args.out.write_text(report)
    print(report)
    sys.exit(0)


if __name__ == "__main__":
    main()

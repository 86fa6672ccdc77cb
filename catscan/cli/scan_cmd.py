"""`catscan scan PATH...`: scan files and folders, with each verdict printed the moment it is pushed.

Order matters (README.md, the sequence diagram): subscribe to onUpdateScan first and wait until AppSync
acknowledges it, then createScan + upload each file (bounded concurrency). A verdict normally arrives as a
push; a scan with no push some seconds after its upload is re-read with getScan, and once more at the
timeout, so no verdict is lost to a dropped connection or a late subscription.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError, TransportServerError
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn)
from rich.text import Text

from catscan.cli.common import (BACKEND_HELP, VERDICT_STYLES, CliError, add_backend_args, percent,
                                print_warning, sign_in, stderr_console, stdout_console, verdict)
from catscan.client.api import TERMINAL, ScanApi, subscribe_updates, upload
from catscan.client.filetypes import sniff_file
from catscan.client.session import UserSession

# How long to wait for AppSync's start_ack before scanning anyway (re-reads then cover a late one).
SUBSCRIBE_WAIT_S = 5.0
# Without a push this long after its upload, a scan is re-read with getScan (then again as often).
REREAD_AFTER_S = 3.0
# ... and as often as this when the live subscription is down.
REREAD_WITHOUT_PUSH_S = 1.0

EPILOG = f"""examples:
  catscan scan cat.jpg                      one file
  catscan scan photos/ -r                   a folder and its sub-folders
  catscan scan photos/*.png --json | jq .   one JSON object a line, for scripts
  catscan scan big/ -r --concurrency 8 --timeout 600

Only JPEG and PNG images (by their first bytes, whatever the name) of at most 15 MB are uploaded;
anything else is skipped and counted (--send-all uploads it anyway, for the scanner to judge).
Hidden files and folders (.name) inside a folder are ignored.

verdicts: Cat, No cat, Rejected (not a usable image, with the reason), Failed (the scanner gave up, with
the reason), Timed out (no verdict within --timeout), Error (could not upload), Skipped (not uploaded).
--json keys: file, scanId, status (DONE, REJECTED, FAILED, TIMEOUT, ERROR, SKIPPED), isCat,
confidence (0-100), reason, seconds (create -> verdict), skipped.

exit status: 0 every file is DONE (cat or not); 1 any file was rejected, failed, timed out, could not be
uploaded or was skipped; 2 usage, sign-in or connection error.

{BACKEND_HELP}"""


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("scan", help="scan image files and folders for cats, with live results",
                            description="Upload images and print each verdict the moment it is pushed.",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image files and folders")
    p.add_argument("-r", "--recursive", action="store_true", help="scan folders' sub-folders too")
    p.add_argument("--json", action="store_true", help="one JSON object a line on stdout, nothing else")
    p.add_argument("--concurrency", type=_positive_int, default=4, metavar="N",
                   help="uploads at the same time (default 4)")
    p.add_argument("--timeout", type=_positive_float, default=120.0, metavar="SECONDS",
                   help="for the whole run; scans without a verdict by then are reported as timed out "
                        "(default 120)")
    p.add_argument("--send-all", action="store_true",
                   help="upload files that are not JPEG/PNG too, and let the scanner reject them")
    add_backend_args(p)
    p.set_defaults(run=run)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


@dataclass
class Item:
    """One file of the run and what became of it."""
    path: Path
    label: str
    content_type: str | None = None
    status: str | None = None  # DONE/REJECTED/FAILED, PENDING/PROCESSING on the way, TIMEOUT/ERROR/SKIPPED
    scan_id: str | None = None
    scan: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    started: float | None = None
    seconds: float | None = None
    reported: bool = False
    done: asyncio.Event | None = None

    @property
    def final(self) -> bool:
        return self.status in (*TERMINAL, "TIMEOUT", "ERROR", "SKIPPED")

    def finish(self, status: str, scan: dict[str, Any] | None = None, reason: str | None = None) -> None:
        if self.final:
            return
        self.status = status
        if scan:
            self.scan = scan
        self.reason = reason if reason is not None else (scan or {}).get("reason")
        if self.started is not None and status in TERMINAL:
            self.seconds = time.monotonic() - self.started
        if self.done:
            self.done.set()

    def as_json(self) -> dict[str, Any]:
        return {"file": self.label, "scanId": self.scan_id, "status": self.status,
                "isCat": self.scan.get("isCat"), "confidence": self.scan.get("confidence"),
                "reason": self.reason, "seconds": None if self.seconds is None else round(self.seconds, 3),
                "skipped": self.status == "SKIPPED"}


# ---------------------------------------------------------------------------------------------- files

def collect(paths: list[Path], recursive: bool, send_all: bool) -> tuple[list[Item], list[str]]:
    """Every file to consider, in order, without duplicates; notes for the person (sub-folders left out)."""
    items: list[Item] = []
    notes: list[str] = []
    seen: set[Path] = set()

    def add(path: Path, label: str) -> None:
        key = path.resolve()
        if key in seen:
            return
        seen.add(key)
        items.append(_sniffed(Item(path, label), send_all))

    for arg in paths:
        if arg.is_dir():
            skipped_dirs = 0
            for path in _walk(arg, recursive):
                if path.is_dir():
                    skipped_dirs += 1
                else:
                    add(path, str(path))
            if skipped_dirs:
                notes.append(f"{arg} has {skipped_dirs} sub-folder(s), not scanned: add -r to scan them")
        elif arg.exists() or arg.is_symlink():
            add(arg, str(arg))
        else:
            item = Item(arg, str(arg))
            item.finish("SKIPPED", reason="No such file or folder.")
            items.append(item)
    return items, notes


def _walk(folder: Path, recursive: bool):
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise CliError(f"cannot read the folder {folder}: {exc.strerror or exc}") from exc
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if recursive:
                yield from _walk(entry, recursive)
            else:
                yield entry
        else:
            yield entry


def _sniffed(item: Item, send_all: bool) -> Item:
    if not item.path.is_file():
        item.finish("SKIPPED", reason="Not a regular file.")
        return item
    try:
        sniffed = sniff_file(item.path)
    except OSError as exc:
        item.finish("SKIPPED", reason=f"Cannot read the file: {exc.strerror or exc}.")
        return item
    item.content_type = sniffed.content_type  # None: the scanner judges it by its bytes with --send-all
    if sniffed.reason and not send_all:
        item.finish("SKIPPED", reason=sniffed.reason)  # another format, or over 15 MB: never uploaded
    return item


# --------------------------------------------------------------------------------------------- output

class Reporter:
    """Prints each file's line the moment its answer is known: a table row, or a JSON line."""

    HEADERS = ("FILE", "VERDICT", "CONFIDENCE", "SECONDS", "REASON")

    def __init__(self, items: list[Item], as_json: bool) -> None:
        self.as_json = as_json
        self.out = stdout_console()
        self.err = stderr_console()
        self.live: Console | None = None  # the progress bar's console while it runs
        self.width = min(max([len(self.HEADERS[0])] + [len(i.label) for i in items]), 60)
        self.header_done = False

    @property
    def _target(self) -> Console:
        # A live bar on a terminal owns the cursor: when stdout is that same terminal, print above the bar.
        if self.live is not None and self.out.is_terminal:
            return self.live
        return self.out

    def report(self, item: Item) -> None:
        if item.reported:
            return
        item.reported = True
        if self.as_json:
            line = json.dumps(item.as_json(), ensure_ascii=False)
            if self._target is self.out:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            else:
                self._target.print(line, markup=False, highlight=False, soft_wrap=True)
            if item.status == "SKIPPED":
                self.err.print(Text(f"skipped {item.label}: {item.reason}", style="dim"))
            return
        if not self.header_done:
            self.header_done = True
            self._line([(h, "bold") for h in self.HEADERS])
        word = verdict({"status": item.status, "isCat": item.scan.get("isCat")})
        label = item.label if len(item.label) <= self.width else "…" + item.label[-(self.width - 1):]
        seconds = "-" if item.seconds is None else f"{item.seconds:.1f}"
        self._line([(label, ""), (word, VERDICT_STYLES.get(word, "")),
                    (percent(item.scan.get("confidence")), ""), (seconds, ""), (item.reason or "", "dim")])

    def _line(self, cells: list[tuple[str, str]]) -> None:
        widths = (self.width, 10, 10, 7)
        text = Text()
        for i, (value, style) in enumerate(cells):
            if i < len(widths):
                value = value.ljust(widths[i]) if i < 2 else value.rjust(widths[i])
                text.append(value, style)
                text.append("  ")
            else:
                text.append(value, style)
        text.rstrip()
        self._target.print(text, soft_wrap=True)
        if self._target is self.out:
            self.out.file.flush()

    def summary(self, items: list[Item], seconds: float) -> None:
        counts: dict[str, int] = {}
        for item in items:
            word = verdict({"status": item.status, "isCat": item.scan.get("isCat")})
            counts[word] = counts.get(word, 0) + 1
        order = ["Cat", "No cat", "Rejected", "Failed", "Timed out", "Error", "Skipped"]
        parts = [f"{counts[w]} {w.lower()}" for w in order if counts.get(w)]
        files = f"{len(items)} file{'s' if len(items) != 1 else ''}"
        self.err.print(Text(f"{files}: {', '.join(parts)} in {seconds:.1f} s", style="bold"))


# ------------------------------------------------------------------------------------------------ run

def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    items, notes = collect(args.paths, args.recursive, args.send_all)
    if not items:
        raise CliError("no files to scan in " + ", ".join(str(p) for p in args.paths))
    todo = [item for item in items if item.status is None]
    # Sign in first: a wrong password or a stopped cloud ends the run before any output.
    session = sign_in(args) if todo else None
    reporter = Reporter(items, args.json)
    for note in notes:
        print_warning(note)
    for item in items:
        if item.status == "SKIPPED":
            reporter.report(item)
    if session is not None:
        asyncio.run(scan_all(session, todo, args, reporter))
    reporter.summary(items, time.monotonic() - started)
    return 0 if all(item.status == "DONE" for item in items) else 1


async def scan_all(session: UserSession, items: list[Item], args: argparse.Namespace,
                   reporter: Reporter) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    by_id: dict[str, Item] = {}
    for item in items:
        item.done = asyncio.Event()
    acked = asyncio.Event()

    async def listen() -> None:
        async for scan in subscribe_updates(session, started=acked):
            item = by_id.get(scan.get("id", ""))
            if item is None or item.final:
                continue
            if scan.get("status") in TERMINAL:
                item.finish(scan["status"], scan)
                reporter.report(item)
                progress.advance(task)
            else:
                item.status = scan.get("status")

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("[dim]{task.fields[uploaded]} uploaded"), TimeElapsedColumn(),
                        console=reporter.err, transient=True, disable=not reporter.err.is_terminal)
    task = progress.add_task("connecting", total=len(items), uploaded=0)
    with progress:
        reporter.live = progress.console if not progress.disable else None
        # identity-pool credentials and one S3 client for all uploads (blocking calls: off the loop)
        await asyncio.to_thread(session.identity)
        s3 = await asyncio.to_thread(session.s3)
        progress.update(task, description="subscribing")
        listener = asyncio.create_task(listen())
        await _wait_subscribed(listener, acked)
        progress.update(task, description="scanning")

        def listening() -> bool:
            return not listener.done()

        uploaded = 0

        def on_uploaded() -> None:
            nonlocal uploaded
            uploaded += 1
            progress.update(task, uploaded=uploaded)

        semaphore = asyncio.Semaphore(args.concurrency)
        try:
            async with ScanApi(session) as api:
                async def one(item: Item) -> None:
                    await _scan_one(item, api, session, s3, semaphore, by_id, deadline, listening,
                                    on_uploaded)
                    if item.final and not item.reported:
                        reporter.report(item)
                        progress.advance(task)

                tasks = [asyncio.create_task(one(item)) for item in items]
                try:
                    # A task fails only for what ends the run (lost connection, refused token); the rest
                    # ends in its item. The grace lets a verdict that arrives right at the deadline in.
                    await asyncio.wait(tasks, timeout=max(0.0, deadline - loop.time()) + 5.0,
                                       return_when=asyncio.FIRST_EXCEPTION)
                finally:  # also on Ctrl-C: no task may outlive the API session it uses
                    for pending_task in tasks:
                        pending_task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                for finished in tasks:
                    if not finished.cancelled() and finished.exception() is not None:
                        raise finished.exception()  # type: ignore[misc]
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        for item in items:
            if not item.final:
                item.finish("TIMEOUT", reason=f"No verdict within {args.timeout:g} s"
                                              f" (last status {item.status or 'not created'}).")
            if not item.reported:
                reporter.report(item)
        reporter.live = None


async def _wait_subscribed(listener: asyncio.Task, acked: asyncio.Event) -> None:
    """Until AppSync acknowledged the subscription; a listener that failed to connect ends the run."""
    ack = asyncio.create_task(acked.wait())
    await asyncio.wait({listener, ack}, timeout=SUBSCRIBE_WAIT_S, return_when=asyncio.FIRST_COMPLETED)
    ack.cancel()
    if listener.done():
        exc = listener.exception()
        if isinstance(exc, (TransportConnectionFailed, TransportServerError, OSError)):
            raise exc
        print_warning(f"live updates are unavailable ({exc or 'the subscription ended'}); "
                      "polling for verdicts instead")
    elif not acked.is_set():
        print_warning("the subscription was not acknowledged in time; verdicts may come by polling")


async def _scan_one(item: Item, api: ScanApi, session: UserSession, s3: Any, semaphore: asyncio.Semaphore,
                    by_id: dict[str, Item], deadline: float, listening, on_uploaded) -> None:
    loop = asyncio.get_running_loop()
    async with semaphore:
        if loop.time() >= deadline:
            item.finish("TIMEOUT", reason="Not uploaded before the timeout.")
            return
        item.started = time.monotonic()
        try:
            new = await api.create_scan(item.path, item.content_type)
        except TransportQueryError as exc:
            if _error_type(exc) == "UnauthorizedException":
                raise  # the token itself is refused: the run ends (see errors.py)
            item.finish("ERROR", reason=f"The API refused to create the scan: {_first_error(exc)}")
            return
        except OSError as exc:  # the file vanished since it was sniffed
            item.finish("ERROR", reason=f"Cannot read the file: {exc.strerror or exc}.")
            return
        item.scan_id = new.scan["id"]
        item.status = new.scan.get("status")
        by_id[item.scan_id] = item
        try:
            await asyncio.to_thread(upload, session, new.key, item.path, item.content_type, s3)
        except botocore.exceptions.ConnectionError:
            raise
        except (OSError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            item.finish("ERROR", reason=f"Upload failed: {_upload_error(exc)}")
            with contextlib.suppress(Exception):  # no scan is left PENDING forever
                await api.delete_scan(item.scan_id)
            return
        on_uploaded()
    await _await_verdict(item, api, deadline, listening)


async def _await_verdict(item: Item, api: ScanApi, deadline: float, listening) -> None:
    loop = asyncio.get_running_loop()
    assert item.done and item.scan_id
    while not item.final:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        wait = min(REREAD_AFTER_S if listening() else REREAD_WITHOUT_PUSH_S, remaining)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(item.done.wait(), wait)
            return
        with contextlib.suppress(TransportQueryError):  # a refused re-read: keep waiting for the push
            await _reread(item, api)
    if not item.final:  # one last look before calling it timed out
        with contextlib.suppress(TransportQueryError, TransportConnectionFailed, TimeoutError):
            await _reread(item, api)


async def _reread(item: Item, api: ScanApi) -> None:
    scan = await api.get_scan(item.scan_id)  # type: ignore[arg-type]
    if scan and scan.get("status") in TERMINAL:
        item.finish(scan["status"], scan)
    elif scan:
        item.status = scan.get("status")


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

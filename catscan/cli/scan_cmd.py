"""`catscan scan PATH...`: scan files and folders, with each verdict printed the moment it is pushed.

This module finds the files, refuses what would be refused anyway (before any upload) and renders; the
scan protocol (subscribe, wait for the ack, createScan, upload, the pushed verdict, re-reads) is
catscan.client.scanning's Scanner, which yields each result as it is known.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from catscan.cli.common import (
    BACKEND_HELP,
    VERDICT_STYLES,
    CliError,
    add_backend_args,
    percent,
    print_warning,
    sign_in,
    stderr_console,
    stdout_console,
    verdict,
)
from catscan.client.api import TERMINAL
from catscan.client.filetypes import sniff_file
from catscan.client.scanning import ScanEvents, ScanJob, Scanner, ScanResult
from catscan.client.session import UserSession

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
    p = commands.add_parser(
        "scan",
        help="scan image files and folders for cats, with live results",
        description="Upload images and print each verdict the moment it is pushed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image files and folders")
    p.add_argument("-r", "--recursive", action="store_true", help="scan folders' sub-folders too")
    p.add_argument("--json", action="store_true", help="one JSON object a line on stdout, nothing else")
    p.add_argument(
        "--concurrency",
        type=_positive_int,
        default=4,
        metavar="N",
        help="uploads at the same time (default 4)",
    )
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=120.0,
        metavar="SECONDS",
        help="for the whole run; scans without a verdict by then are reported as timed out (default 120)",
    )
    p.add_argument(
        "--send-all",
        action="store_true",
        help="upload files that are not JPEG/PNG too, and let the scanner reject them",
    )
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
    status: str | None = None  # DONE/REJECTED/FAILED, TIMEOUT/ERROR (from the client), SKIPPED (never sent)
    scan_id: str | None = None
    scan: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    seconds: float | None = None
    reported: bool = False

    def skip(self, reason: str) -> None:
        self.status, self.reason = "SKIPPED", reason

    def finish(self, result: ScanResult) -> None:
        self.status, self.scan_id, self.scan, self.reason = (
            result.status,
            result.scan_id,
            result.scan,
            result.reason,
        )
        self.seconds = result.seconds if result.status in TERMINAL else None

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.label,
            "scanId": self.scan_id,
            "status": self.status,
            "isCat": self.scan.get("isCat"),
            "confidence": self.scan.get("confidence"),
            "reason": self.reason,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "skipped": self.status == "SKIPPED",
        }


# ---------------------------------------------------------------------------------------------- files


def collect(paths: list[Path], recursive: bool, send_all: bool) -> tuple[list[Item], list[str]]:
    """Every file to consider, in order, without duplicates; notes for the person (sub-folders left out)."""
    items: list[Item] = []
    notes: list[str] = []
    seen: set[Path] = set()
    repeated: list[str] = []

    def add(path: Path, label: str) -> None:
        key = path.resolve()
        if key in seen:
            repeated.append(label)
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
            item.skip("No such file or folder.")
            items.append(item)
    if repeated:
        more = f" and {len(repeated) - 1} more" if len(repeated) > 1 else ""
        notes.append(f"{repeated[0]}{more} given more than once: each file is scanned once")
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
        item.skip("Not a regular file.")
        return item
    try:
        sniffed = sniff_file(item.path)
    except OSError as exc:
        item.skip(f"Cannot read the file: {exc.strerror or exc}.")
        return item
    item.content_type = sniffed.content_type  # None: the scanner judges it by its bytes with --send-all
    if sniffed.reason and not send_all:
        item.skip(sniffed.reason)  # another format, or over 15 MB: never uploaded
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
        label = item.label if len(item.label) <= self.width else "…" + item.label[-(self.width - 1) :]
        seconds = "-" if item.seconds is None else f"{item.seconds:.1f}"
        self._line(
            [
                (label, ""),
                (word, VERDICT_STYLES.get(word, "")),
                (percent(item.scan.get("confidence")), ""),
                (seconds, ""),
                (item.reason or "", "dim"),
            ]
        )

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
    started = time.perf_counter()
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
    reporter.summary(items, time.perf_counter() - started)
    return 0 if all(item.status == "DONE" for item in items) else 1


class ProgressBar(ScanEvents):
    """The client's progress on a terminal: phase, files answered, files uploaded (stderr, transient)."""

    def __init__(self, reporter: Reporter, total: int) -> None:
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[dim]{task.fields[uploaded]} uploaded"),
            TimeElapsedColumn(),
            console=reporter.err,
            transient=True,
            disable=not reporter.err.is_terminal,
        )
        self.task = self.bar.add_task("connecting", total=total, uploaded=0)
        self.count = 0

    def phase(self, name: str) -> None:
        self.bar.update(self.task, description=name)

    def uploaded(self, result: ScanResult) -> None:
        self.count += 1
        self.bar.update(self.task, uploaded=self.count)

    def warning(self, message: str) -> None:
        print_warning(message)

    def answered(self) -> None:
        self.bar.advance(self.task)


async def scan_all(
    session: UserSession, items: list[Item], args: argparse.Namespace, reporter: Reporter
) -> None:
    """Renders what the client yields: the scan protocol itself is catscan.client.scanning's."""
    started = time.perf_counter()  # --timeout counts from here: connecting and subscribing included
    by_job = {ScanJob(item.path, item.content_type): item for item in items}
    progress = ProgressBar(reporter, len(items))
    with progress.bar:
        reporter.live = progress.bar.console if not progress.bar.disable else None
        try:
            async with Scanner(session, uploads=args.concurrency, events=progress) as scanner:
                async for result in scanner.scan(by_job, args.timeout, started=started):
                    item = by_job[result.job]
                    item.finish(result)
                    reporter.report(item)
                    progress.answered()
        finally:
            reporter.live = None

"""`catscan watch`: every update of my scans (an Admin: everyone's) as it is pushed, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import OrderedDict
from datetime import datetime

from gql.transport.exceptions import TransportError, TransportQueryError
from rich.text import Text

from catscan.cli.common import (
    BACKEND_HELP,
    VERDICT_STYLES,
    add_backend_args,
    percent,
    print_warning,
    sign_in,
    stderr_console,
    stdout_console,
    verdict,
)
from catscan.client.api import subscribe_updates
from catscan.client.session import UserSession

RECONNECT_DELAYS_S = (1.0, 2.0, 5.0, 10.0)

EPILOG = f"""examples:
  catscan watch                     one line an update: time, verdict, confidence, file, scan id, reason
  catscan watch --json              one JSON object (the pushed Scan) a line

Scans from anywhere (the web UI, `catscan scan`, another terminal) show up as the scanner answers.
An Admin sees every user's scans. Ctrl-C stops (exit status 0); a lost connection is re-opened.

{BACKEND_HELP}"""


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "watch",
        help="stream my scans' updates live until Ctrl-C",
        description="Print every update of my scans the moment it is pushed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="one JSON object (the pushed Scan) a line")
    add_backend_args(p)
    p.set_defaults(run=run, interrupt_ends_normally=True)


def run(args: argparse.Namespace) -> int:
    session = sign_in(args)
    asyncio.run(watch(session, args.json))
    return 0


async def watch(session: UserSession, as_json: bool) -> None:
    out, err = stdout_console(), stderr_console()
    # "watching everyone's scans as admin@… (Admin)" / "watching demo@…'s scans"
    what = (
        f"everyone's scans as {session.username} (Admin)"
        if session.is_admin
        else f"{session.username}'s scans"
    )
    attempt = 0
    connected_once = False
    shown = _Shown()
    while True:
        acked = asyncio.Event()

        async def announce(acked: asyncio.Event = acked, again: bool = connected_once) -> None:
            await acked.wait()
            note = "reconnected: watching" if again else "watching"
            err.print(Text(f"{note} {what}; Ctrl-C stops", style="dim"))
            err.file.flush()

        announcer = asyncio.create_task(announce())
        try:
            async for scan in subscribe_updates(session, started=acked):
                attempt = 0
                if as_json or shown.is_news(scan):  # JSON keeps every update (e.g. the thumbnail's)
                    _print(out, scan, as_json, session.is_admin)
            problem = "the server ended the subscription"
        except TransportQueryError:
            raise  # the subscription itself was refused: nothing to retry
        except (TransportError, OSError, TimeoutError) as exc:
            if not acked.is_set() and not connected_once:
                raise  # never connected: the handler explains (e.g. the local cloud is not running)
            problem = f"connection lost ({exc or type(exc).__name__})"
        finally:
            connected_once = connected_once or acked.is_set()
            announcer.cancel()
        delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
        if attempt == 0:
            print_warning(f"{problem}; reconnecting")
        attempt += 1
        await asyncio.sleep(delay)


class _Shown:
    """What a row already said per scan: an update that changes none of it (the thumbnail written after
    the verdict) is not printed again. Bounded: the oldest scans are forgotten first."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._rows: OrderedDict[str, tuple[object, ...]] = OrderedDict()

    def is_news(self, scan: dict) -> bool:
        row = tuple(scan.get(k) for k in ("status", "isCat", "confidence", "reason"))
        scan_id = str(scan.get("id"))
        if self._rows.get(scan_id) == row:
            return False
        self._rows[scan_id] = row
        self._rows.move_to_end(scan_id)
        if len(self._rows) > self.LIMIT:
            self._rows.popitem(last=False)
        return True


def _print(console, scan: dict, as_json: bool, with_uploader: bool = False) -> None:
    if as_json:
        console.out(json.dumps(scan, ensure_ascii=False), highlight=False)
    else:
        word = verdict(scan)
        console.print(
            Text.assemble(
                (datetime.now().strftime("%H:%M:%S"), "dim"),
                "  ",
                (f"{word:<10}", VERDICT_STYLES.get(word, "")),
                "  ",
                (f"{percent(scan.get('confidence')):>7}", ""),
                "  ",
                (scan.get("fileName") or "-", "bold"),
                "  ",
                (scan.get("id") or "", "dim"),
                # an Admin sees everyone's scans: name the uploader (written by the scanner, from Cognito)
                (f"  {scan.get('ownerEmail') or scan.get('owner') or '-'}" if with_uploader else "", ""),
                (f"  {scan['reason']}" if scan.get("reason") else "", "dim"),
            )
        )
    console.file.flush()

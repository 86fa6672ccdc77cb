"""`catscan list`: my scans, newest first; `--all`: every user's (Admin group only).

Reads the indexes page by page and stops at `--limit`: the cost follows what is printed, not the table."""

from __future__ import annotations

import argparse
import asyncio
import json

from catscan.cli.common import (
    BACKEND_HELP,
    VERDICT_STYLES,
    CliError,
    add_backend_args,
    local_time,
    percent,
    print_table,
    sign_in,
    stdout_console,
    verdict,
)
from catscan.client.api import ScanApi
from catscan.client.listing import STATUSES, ScanLister

EPILOG = f"""examples:
  catscan list                      my scans, newest first
  catscan list --limit 10           the 10 newest
  catscan list --all                every user's scans, by last update (Admin group only)
  catscan list --all --status FAILED --uploader demo@catscan.local
  catscan list --json | jq -r 'select(.isCat) | .fileName'

exit status: 0 listed; 2 usage, sign-in, permission or connection error.

{BACKEND_HELP}"""


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "list",
        help="list my scans (--all: everyone's, Admin only)",
        description="List scans, newest first.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--all", action="store_true", help="every user's scans (Admin group only)")
    p.add_argument("--limit", type=int, metavar="N", help="only the N newest (reads only those)")
    p.add_argument("--status", choices=STATUSES, type=str.upper, help="with --all: only scans in this status")
    p.add_argument(
        "--uploader",
        metavar="EMAIL",
        help="with --all: only this uploader's scans (by e-mail; scans the scanner has seen)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object (a Scan) a line")
    add_backend_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.status or args.uploader) and not args.all:
        raise CliError("--status and --uploader filter every user's scans: use them with --all")
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1")
    session = sign_in(args)
    if args.all and not session.is_admin:
        raise CliError(
            f"--all lists every user's scans and is for the Admin group only; {session.username} is not in it"
        )
    scans = asyncio.run(_list(session, args))
    console = stdout_console()
    if args.json:
        for scan in scans:
            console.out(json.dumps(scan, ensure_ascii=False), highlight=False)
        return 0
    if not scans:
        console.print("no scans yet" if not args.all else "no scans")
        return 0
    headers = [
        "UPDATED" if args.all else "CREATED",
        "ID",
        "FILE",
        "VERDICT",
        "CONFIDENCE",
        *(["OWNER"] if args.all else []),
        "REASON",
    ]
    rows = []
    for scan in scans:
        word = verdict(scan)
        row = [
            (local_time(scan.get("updatedAt" if args.all else "createdAt")), "dim"),
            (scan["id"], ""),
            (scan.get("fileName") or "", ""),
            (word, VERDICT_STYLES.get(word, "")),
            (percent(scan.get("confidence")), ""),
        ]
        if args.all:
            row.append((scan.get("ownerEmail") or scan.get("owner") or "-", "dim"))
        row.append((scan.get("reason") or "", "dim"))
        rows.append(row)
    print_table(console, headers, rows, right=(4,))
    return 0


async def _list(session, args: argparse.Namespace) -> list[dict]:
    async with ScanApi(session) as api:
        lister = ScanLister(api)
        if args.all:
            scans = lister.everyone(args.limit, status=args.status, owner_email=args.uploader)
        else:
            scans = lister.mine(session.owner_key, args.limit)
        return [scan async for scan in scans]

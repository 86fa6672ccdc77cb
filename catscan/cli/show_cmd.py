"""`catscan show ID`: one scan; `--debug` adds the detector's raw data (Admin group only)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from typing import Any

from gql.transport.exceptions import TransportQueryError
from rich.text import Text

from catscan.cli.common import (
    BACKEND_HELP,
    VERDICT_STYLES,
    CliError,
    add_backend_args,
    local_time,
    percent,
    sign_in,
    stdout_console,
    verdict,
)
from catscan.client.api import ScanApi

EPILOG = f"""examples:
  catscan show 0b7e6f0e-2f1c-4c86-9a57-3d1f7c2a9e41
  catscan show 0b7e6f0e-2f1c-4c86-9a57-3d1f7c2a9e41 --debug     raw detector output, thresholds, timings
  catscan show 0b7e6f0e-2f1c-4c86-9a57-3d1f7c2a9e41 --json

The scan ids are in `catscan list` and `catscan scan --json`. --debug is for the Admin group only.
exit status: 0 shown; 1 no such scan; 2 usage, sign-in, permission or connection error.

{BACKEND_HELP}"""


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "show",
        help="show one scan (--debug: detector data, Admin only)",
        description="Show one scan.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("id", metavar="ID", help="the scan's id")
    p.add_argument(
        "--debug",
        action="store_true",
        help="also the raw detector response, thresholds, timings, request ids (Admin only)",
    )
    p.add_argument("--json", action="store_true", help="the scan as one JSON object")
    add_backend_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    session = sign_in(args)
    if args.debug and not session.is_admin:
        raise CliError(
            f"--debug shows the detector's raw data and is for the Admin group only; "
            f"{session.username} is not in it (leave out --debug to see the scan)"
        )
    refused: str | None = None
    try:
        scan = asyncio.run(_get(session, args.id, args.debug))
    except TransportQueryError as exc:
        errors = [e for e in (exc.errors or []) if isinstance(e, dict)]
        data = (exc.data or {}).get("getScan") if isinstance(exc.data, dict) else None
        if args.debug and data and errors and all(e.get("errorType") == "Unauthorized" for e in errors):
            # The token says Admin but the API does not agree: show what it did return.
            scan, refused = data, errors[0].get("message", "not authorized")
        elif errors and errors[0].get("errorType") == "Unauthorized":
            raise CliError(f"scan {args.id} is not yours: the API refused to show it") from exc
        else:
            raise
    if scan is None:
        raise CliError(f"no scan {args.id}", code=1)
    if isinstance(scan.get("debug"), str):
        with contextlib.suppress(ValueError):
            scan["debug"] = json.loads(scan["debug"])
    console = stdout_console()
    if args.json:
        console.out(json.dumps(scan, ensure_ascii=False), highlight=False)
    else:
        _print(console, scan, args.debug)
    if refused:
        raise CliError(f"the API refused the debug data: {refused}")
    return 0


async def _get(session, scan_id: str, debug: bool) -> dict[str, Any] | None:
    async with ScanApi(session) as api:
        return await api.get_scan(scan_id, debug=debug)


def _print(console, scan: dict[str, Any], debug: bool) -> None:
    word = verdict(scan)
    size = scan.get("sizeBytes")
    boxes = scan.get("catBoxes") or []
    fields = [
        ("id", scan["id"], ""),
        ("file", scan.get("fileName") or "-", ""),
        ("verdict", word, VERDICT_STYLES.get(word, "")),
        ("confidence", percent(scan.get("confidence")), ""),
        ("status", scan.get("status") or "-", ""),
        ("reason", scan.get("reason") or "-", ""),
        ("cat boxes", "; ".join(_box(b) for b in boxes if b) or "-", ""),
        ("type", scan.get("contentType") or "-", ""),
        ("size", "-" if size is None else f"{size:,} bytes", ""),
        ("uploader", scan.get("ownerEmail") or "-", ""),
        ("owner", scan.get("owner") or "-", ""),
        ("image key", scan.get("imageKey") or "-", ""),
        ("thumbnail", scan.get("thumbnailKey") or "-", ""),
        ("created", local_time(scan.get("createdAt")), ""),
        ("updated", local_time(scan.get("updatedAt")), ""),
    ]
    for name, value, style in fields:
        console.print(Text.assemble((f"{name:<12}", "bold"), (str(value), style)))
    if debug:
        console.print(Text("debug", style="bold"))
        debug_data = scan.get("debug")
        text = json.dumps(debug_data, indent=2, ensure_ascii=False) if debug_data is not None else "  (none)"
        console.out(text, highlight=False)


def _box(box: dict[str, Any]) -> str:
    text = f"left {box['left']:.2f} top {box['top']:.2f} width {box['width']:.2f} height {box['height']:.2f}"
    if box.get("confidence") is not None:
        text += f" ({box['confidence']:.1f} %)"
    return text

"""`catscan redrive`: move the scanner events parked in its dead-letter queue back to the scan queue."""

from __future__ import annotations

import argparse
from pathlib import Path

from catscan.cli.common import resolve_outputs
from catscan.client.redrive import redrive


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "redrive",
        help="replay failed scanner events from the dead-letter queue (after an outage)",
        description="Replays the S3 events that failed every delivery to the scanner (they are in its "
        "dead-letter queue) by moving them back to the scan queue. The sweeper does this "
        "on its own (every 5 minutes in AWS, every minute on the local cloud), at most twice per "
        "event; this does it "
        "now. In AWS this needs credentials allowed to receive from and send to both queues.",
        epilog="examples:\n  catscan redrive --dry-run\n  catscan redrive --max 100",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--max", type=int, default=None, help="replay at most this many events")
    p.add_argument("--dry-run", action="store_true", help="list what would be replayed, change nothing")
    p.add_argument(
        "--outputs",
        type=Path,
        default=Path("amplify_outputs.json"),
        help="amplify_outputs.json of the backend (default: ./amplify_outputs.json)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Loaded first so that a connection error names the backend (the local cloud: "start it with make dev").
    resolve_outputs(args)
    result = redrive(args.outputs, limit=args.max, dry_run=args.dry_run)
    verb = "would replay" if args.dry_run else "replayed"
    for key in result.replayed:
        print(f"{verb} {key}")
    print(
        f"{verb} {len(result.replayed)} event(s)"
        + (f", skipped {result.skipped} unreadable" if result.skipped else "")
    )
    return 0

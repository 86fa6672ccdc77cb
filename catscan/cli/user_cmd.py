"""`catscan user add`: a confirmed user in the running local cloud's user pool."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from catscan.local.cloud import REPO_ROOT
from catscan.local.seed import add_user


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("user", help="manage users of the local cloud")
    sub = p.add_subparsers(dest="user_command", metavar="ACTION")
    add = sub.add_parser("add", help="add a confirmed user to the running local cloud")
    add.add_argument("email")
    add.add_argument("--password", required=True)
    add.add_argument("--admin", action="store_true", help="add the user to the Admin group")
    add.add_argument("--outputs", type=Path, default=REPO_ROOT / "amplify_outputs.json",
                     help="amplify_outputs.json of the local cloud")
    add.set_defaults(run=run_add)


def run_add(args: argparse.Namespace) -> int:
    try:
        outputs = json.loads(args.outputs.read_text())
        endpoint = outputs["custom"]["local"]["endpoints"]["cognito-idp"]
        pool_id = outputs["auth"]["user_pool_id"]
    except (OSError, ValueError, KeyError):
        print(f"error: no local cloud outputs at {args.outputs}; start it with `make dev`", file=sys.stderr)
        return 2
    try:
        add_user(endpoint, pool_id, args.email, args.password, admin=args.admin)
    except ClientError as exc:
        print(f"error: {exc.response['Error'].get('Message', exc)}", file=sys.stderr)
        return 2
    except BotoCoreError as exc:
        print(f"error: the local cloud at {endpoint} does not answer ({exc}); is `make dev` running?",
              file=sys.stderr)
        return 2
    print(f"added {args.email}{' to group Admin' if args.admin else ''}")
    return 0

"""`catscan user add` / `catscan user confirm`: users of the running local cloud's user pool.

Both call the user pool's admin operations (in AWS they need IAM credentials allowed to; the local cloud's
Cognito takes its local key), through the endpoint the outputs give: the storage gate, which answers
`AdminConfirmSignUp` as Cognito does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from catscan.cli.common import REPO_ROOT
from catscan.cli.errors import local_cloud_not_running
from catscan.local.seed import add_user, client, password_rules

EPILOG = """examples:
  catscan user add me@example.com --password 'Str0ng-pass' [--admin]
  catscan user confirm me@example.com      # a user who signed up in the web UI but never entered the code
"""


class UserError(Exception):
    """One line for stderr, with the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "user",
        help="manage users of the local cloud",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="user_command", metavar="ACTION")
    add = sub.add_parser("add", help="add a confirmed user to the running local cloud")
    add.add_argument("email")
    add.add_argument("--password", required=True)
    add.add_argument("--admin", action="store_true", help="add the user to the Admin group")
    add.set_defaults(run=lambda args: _run(args, run_add))
    confirm = sub.add_parser(
        "confirm",
        help="confirm a signed-up user without the e-mailed code",
        description="Confirm a user who signed up but did not enter the code (an "
        "administrator's AdminConfirmSignUp); their e-mail counts as verified.",
    )
    confirm.add_argument("email")
    confirm.set_defaults(run=lambda args: _run(args, run_confirm))
    for command in (add, confirm):
        command.add_argument(
            "--outputs",
            type=Path,
            default=REPO_ROOT / "amplify_outputs.json",
            help="amplify_outputs.json of the local cloud",
        )


def _run(args: argparse.Namespace, action: Any) -> int:
    try:
        outputs = json.loads(args.outputs.read_text())
        endpoint = outputs["custom"]["local"]["endpoints"]["cognito-idp"]
        pool_id = outputs["auth"]["user_pool_id"]
    except (OSError, ValueError, KeyError, TypeError):
        print(f"error: no local cloud outputs at {args.outputs}; start it with `make dev`", file=sys.stderr)
        return 2
    try:
        print(action(args, endpoint, pool_id))
        return 0
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except ClientError as exc:
        error = exc.response["Error"]
        message = error.get("Message", str(exc))
        if error.get("Code") == "InvalidPasswordException":
            message = f"the password does not meet the user pool's policy: {password_rules()}"
        print(f"error: {message}", file=sys.stderr)
        return 2
    except EndpointConnectionError:
        print(f"error: {local_cloud_not_running(endpoint)}", file=sys.stderr)
        return 2
    except BotoCoreError as exc:
        print(f"error: the local cloud at {endpoint} failed: {exc}", file=sys.stderr)
        return 2


def _status(endpoint: str, pool_id: str, email: str) -> str | None:
    """The user's UserStatus (CONFIRMED, UNCONFIRMED, ...), None if there is no such user."""
    try:
        return client("cognito-idp", endpoint).admin_get_user(UserPoolId=pool_id, Username=email)[
            "UserStatus"
        ]
    except ClientError as exc:
        if exc.response["Error"].get("Code") == "UserNotFoundException":
            return None
        raise


def run_add(args: argparse.Namespace, endpoint: str, pool_id: str) -> str:
    try:
        add_user(endpoint, pool_id, args.email, args.password, admin=args.admin)
    except ClientError as exc:
        if exc.response["Error"].get("Code") != "UsernameExistsException":
            raise
        status = _status(endpoint, pool_id, args.email)
        if status == "UNCONFIRMED":
            raise UserError(
                f"{args.email} exists but is not confirmed; run `catscan user confirm {args.email}`", 1
            ) from None
        raise UserError(f"{args.email} already exists", 1) from None
    return f"added {args.email}{' to group Admin' if args.admin else ''}"


def run_confirm(args: argparse.Namespace, endpoint: str, pool_id: str) -> str:
    status = _status(endpoint, pool_id, args.email)
    if status is None:
        raise UserError(
            f"there is no user {args.email} in the local cloud; add one with `catscan user add`", 1
        )
    if status == "CONFIRMED":
        return f"{args.email} is already confirmed"
    if status != "UNCONFIRMED":
        raise UserError(f"{args.email} cannot be confirmed: its status is {status}", 1)
    idp = client("cognito-idp", endpoint)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=args.email)
    # Confirming by code verifies the e-mail; an administrator's confirmation does not, so say it is verified
    # (else the sign-in screen asks the user to verify it before going on).
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=args.email, UserAttributes=[{"Name": "email_verified", "Value": "true"}]
    )
    return f"confirmed {args.email}: they can sign in with the password they chose"

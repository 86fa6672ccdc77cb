"""What the client subcommands share: which backend (amplify_outputs.json), who signs in, the consoles."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from catscan.client.outputs import Outputs, OutputsError, load_outputs
from catscan.client.session import UserSession
from catscan.local.seed import DEMO_USERS
from catscan.local.usernames import fold

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUTS_NAME = "amplify_outputs.json"
PASSWORD_ENV = "CATSCAN_PASSWORD"
USER_ENV = "CATSCAN_USER"
DEFAULT_LOCAL_USER = DEMO_USERS[0][0]

BACKEND_HELP = f"""backend and user:
  The backend is the one in --outputs PATH, else ./{OUTPUTS_NAME}, else the repository's
  ({OUTPUTS_NAME} is written by `make dev` for the local cloud, by `npx ampx sandbox` in AWS).
  The user is --user, else ${USER_ENV}; on the local cloud {DEFAULT_LOCAL_USER} by default.
  The password comes from ${PASSWORD_ENV}, else a prompt (local demo accounts need neither).
"""


class CliError(Exception):
    """An expected failure: a message for a person and the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def add_backend_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outputs",
        type=Path,
        metavar="PATH",
        help=f"the backend's {OUTPUTS_NAME} (default: ./{OUTPUTS_NAME}, then the repository's)",
    )
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        help=f"sign in as EMAIL (default: ${USER_ENV}; {DEFAULT_LOCAL_USER} on the local cloud)",
    )


def resolve_outputs(args: argparse.Namespace) -> Outputs:
    """Loads the outputs file and remembers it on args (the error handler words messages with it)."""
    if args.outputs is not None:
        candidates = [args.outputs]
    else:
        candidates = [Path.cwd() / OUTPUTS_NAME, REPO_ROOT / OUTPUTS_NAME]
        found = [path for path in candidates if path.is_file()]
        if not found:
            raise CliError(
                f"no {OUTPUTS_NAME} in {Path.cwd()} or {REPO_ROOT}: start the local cloud with "
                "`make dev`, deploy with `npx ampx sandbox`, or pass --outputs PATH"
            )
        candidates = found[:1]
    try:
        outputs = load_outputs(candidates[0])
    except OutputsError as exc:
        raise CliError(str(exc)) from exc
    args.loaded_outputs = outputs
    return outputs


def credentials(args: argparse.Namespace, outputs: Outputs) -> tuple[str, str]:
    user = args.user or os.environ.get(USER_ENV)
    if not user:
        if not outputs.is_local:
            raise CliError(f"who are you? pass --user EMAIL (or set {USER_ENV})")
        user = DEFAULT_LOCAL_USER
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return user, password
    if outputs.is_local:
        demo = {email: secret for email, secret, _ in DEMO_USERS}
        if fold(user) in demo:  # e-mails are case-insensitive, as the user pool's sign-in is
            return user, demo[fold(user)]
    if not sys.stdin.isatty():
        raise CliError(f"no password for {user}: set {PASSWORD_ENV}, or run in a terminal to be asked")
    try:
        password = getpass.getpass(f"password for {user}: ")
    except EOFError as exc:
        raise CliError(f"no password for {user}") from exc
    if not password:
        raise CliError(f"no password for {user}")
    return user, password


def sign_in(args: argparse.Namespace) -> UserSession:
    """Signs in from the command line's --outputs / --user; errors go to the top-level handler."""
    outputs = resolve_outputs(args)
    user, password = credentials(args, outputs)
    args.signing_in_as = user
    return UserSession.sign_in(outputs, user, password)


def stdout_console() -> Console:
    # soft_wrap: a piped stdout must never be wrapped or cropped at a guessed width.
    return Console(soft_wrap=True, highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def print_error(message: str) -> None:
    stderr_console().print(Text.assemble(("error:", "bold red"), " ", message))


def print_warning(message: str) -> None:
    stderr_console().print(Text.assemble(("warning:", "yellow"), " ", message))


def verdict(scan: dict) -> str:
    """Cat / No cat / Rejected / Failed, or the status while a scan is running."""
    status = scan.get("status")
    if status == "DONE":
        return "Cat" if scan.get("isCat") else "No cat"
    return {
        "REJECTED": "Rejected",
        "FAILED": "Failed",
        "PENDING": "Pending",
        "PROCESSING": "Processing",
        "TIMEOUT": "Timed out",
        "ERROR": "Error",
        "SKIPPED": "Skipped",
    }.get(str(status), str(status))


VERDICT_STYLES = {
    "Cat": "bold green",
    "No cat": "cyan",
    "Rejected": "yellow",
    "Failed": "bold red",
    "Timed out": "red",
    "Error": "bold red",
    "Skipped": "dim",
    "Pending": "dim",
    "Processing": "dim",
}


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


def print_table(
    console: Console, headers: list[str], rows: list[list[tuple[str, str]]], right: tuple[int, ...] = ()
) -> None:
    """Plain aligned columns (the last one unpadded): readable on a terminal, greppable in a pipe."""
    widths = [max([len(headers[i])] + [len(row[i][0]) for row in rows]) for i in range(len(headers))]

    def line(cells: list[tuple[str, str]]) -> Text:
        text = Text()
        for i, (value, style) in enumerate(cells):
            if i < len(cells) - 1:
                value = value.rjust(widths[i]) if i in right else value.ljust(widths[i])
                text.append(value, style)
                text.append("  ")
            else:
                text.append(value, style)
        text.rstrip()
        return text

    console.print(line([(h, "bold") for h in headers]))
    for row in rows:
        console.print(line(row))


def local_time(timestamp: str | None) -> str:
    """An AWSDateTime (UTC, ISO 8601) as local time to the second."""
    if not timestamp:
        return "-"
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")

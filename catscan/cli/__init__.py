"""The `catscan` command: one entry point, one module per subcommand.

Each subcommand module has `register(commands)` and a `run(args) -> exit code`; expected failures
(see errors.py) become one `error: ...` line on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from catscan import __version__

EPILOG = """examples:
  catscan dev                       run the whole app on the local cloud
  catscan scan photos/ -r           scan a folder; verdicts appear as they are pushed
  catscan scan cat.jpg --json       one JSON object a line, for scripts
  catscan list                      my scans (--all: everyone's, Admin only)
  catscan show SCAN_ID --debug      one scan, with the detector's debug data (Admin only)
  catscan watch                     live stream of my scans' updates until Ctrl-C
  catscan user add me@example.com --password 'S3cret-pass' --admin
  catscan redrive --dry-run         failed scanner events parked in the on-failure queue

`catscan COMMAND --help` tells more. scan/list/show/watch talk to the backend in amplify_outputs.json:
the local cloud (`make dev`) or AWS (`npx ampx sandbox`), the same way.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="catscan",
        description="Does this image contain a cat?",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"catscan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Imported here, not at the top: `python -m catscan` stays cheap to import, and a Ctrl-C while the
    # heavy libraries load is handled by main().
    from catscan.cli import dev_cmd, list_cmd, redrive_cmd, scan_cmd, show_cmd, user_cmd, watch_cmd

    for module in (scan_cmd, list_cmd, show_cmd, watch_cmd, dev_cmd, user_cmd, redrive_cmd):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    try:
        parser = build_parser()
    except KeyboardInterrupt:
        sys.exit(130)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        sys.exit(2)
    sys.exit(run_command(args))


def run_command(args: argparse.Namespace) -> int:
    """Runs the subcommand; maps expected failures to a message and an exit code."""
    from catscan.cli.common import print_error
    from catscan.cli.errors import explain

    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        if getattr(args, "interrupt_ends_normally", False):
            return 0
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`catscan list | head`): not an error; silence the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # expected failures are mapped, the rest re-raised with their traceback
        explained = explain(exc, args)
        if explained is None:
            raise
        message, code = explained
        print_error(message)
        return code

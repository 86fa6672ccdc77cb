"""The `catscan` command: one entry point, one module per subcommand."""
from __future__ import annotations

import argparse
import sys

from catscan import __version__
from catscan.cli import dev_cmd, user_cmd

EPILOG = """examples:
  catscan dev                       run the whole app on the local cloud
  catscan user add me@example.com --password 'S3cret-pass' --admin
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catscan", description="Does this image contain a cat?",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"catscan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (dev_cmd, user_cmd):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        sys.exit(2)
    sys.exit(args.run(args) or 0)

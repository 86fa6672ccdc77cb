"""Every subcommand explains itself with examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from catscan import __version__
from catscan.cli import build_parser

REPO_ROOT = Path(__file__).resolve().parents[2]


def subcommands() -> dict:
    parser = build_parser()
    [action] = [a for a in parser._actions if a.dest == "command"]
    return action.choices


@pytest.mark.parametrize("name", ["scan", "list", "show", "watch"])
def test_help_has_examples(name):
    text = subcommands()[name].format_help()
    assert "examples:" in text and f"catscan {name}" in text and "--outputs" in text


def test_version():
    done = subprocess.run(
        [sys.executable, "-m", "catscan", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 0 and done.stdout.strip() == f"catscan {__version__}"

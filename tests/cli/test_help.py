"""Every subcommand explains itself with examples; the client's file sniffing agrees with the scanner's."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from catscan import __version__
from catscan.cli import build_parser
from catscan.client import filetypes

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
    done = subprocess.run([sys.executable, "-m", "catscan", "--version"], capture_output=True, text=True,
                          cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0 and done.stdout.strip() == f"catscan {__version__}"


def scanner_image_header():
    path = REPO_ROOT / "functions" / "scan_image" / "image_header.py"
    spec = importlib.util.spec_from_file_location("scanner_image_header", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLES = [b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"\xff\xd8\xff\xe0" + b"\0" * 20, b"GIF89a", b"GIF87a",
           b"RIFF\0\0\0\0WEBPVP8 ", b"BM\0\0", b"II*\x00", b"MM\x00*", b"%PDF-1.7", b"\0\0\0\x18ftypheic",
           b"\0\0\0\x18ftypavif", b"PK\x03\x04", b"\x00\x00\x01\x00", b"<svg xmlns=", b"<!DOCTYPE html>",
           b"<?xml version='1.0'?><a/>", b"hello, this is text\n", "caf\u00e9".encode() * 100,
           b"\x00\x01\x02", b""]


@pytest.mark.parametrize("head", SAMPLES)
def test_client_sniffing_agrees_with_the_scanner(head):
    scanner = scanner_image_header()
    assert filetypes.sniff_format(head) == scanner.sniff_format(head)
    assert filetypes.rejection_for_format(head) == scanner.rejection_for_format(head)
    assert filetypes.SNIFF_BYTES == scanner.SNIFF_BYTES

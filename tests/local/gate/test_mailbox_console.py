"""The `catscan dev` console prints each code the gate mails, once, and not the mail of earlier runs."""

from __future__ import annotations

import os
from pathlib import Path

from catscan.cli.dev_cmd import MailPrinter
from catscan.local.gate.mailbox import Mailbox


def _touch_later(path: Path) -> None:
    """The printer looks for a changed file; make sure the change shows on a coarse-mtime file system."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_new_mail_is_printed_once(tmp_path: Path, capsys) -> None:
    path = tmp_path / "local-mailbox.json"
    mailbox = Mailbox(path)
    mailbox.send("sub-old", "old@catscan.local", "sign-up")
    printer = MailPrinter(path)
    printer.print_new()
    assert capsys.readouterr().out == ""  # an earlier run's mail stays on the page

    sent = mailbox.send("sub-1", "me@catscan.local", "sign-up")
    reset = mailbox.send("sub-1", "me@catscan.local", "password-reset")
    _touch_later(path)
    printer.print_new()
    lines = capsys.readouterr().out.splitlines()
    assert [line.strip() for line in lines] == [sent.line(), reset.line()]
    assert f"mail to me@catscan.local: your verification code is {sent.code} (valid 24 h, until" in lines[0]
    assert f"your password reset code is {reset.code}" in lines[1]
    printer.print_new()
    assert capsys.readouterr().out == ""


def test_no_mailbox_yet(tmp_path: Path, capsys) -> None:
    printer = MailPrinter(tmp_path / "local-mailbox.json")
    printer.print_new()
    assert capsys.readouterr().out == ""
    Mailbox(tmp_path / "local-mailbox.json").send("sub-1", "first@catscan.local", "sign-up")
    printer.print_new()
    assert "mail to first@catscan.local" in capsys.readouterr().out

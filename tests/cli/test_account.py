"""`catscan list`, `show` and `watch`: what each user may see, and the live stream."""

from __future__ import annotations

import json
import time

import pytest

from tests.cli.conftest import ADMIN
from tests.support.images import photo


@pytest.fixture(scope="module")
def demo_scan(catscan) -> dict:
    result = catscan("scan", photo("chelsea.png"), "--json")
    assert result.code == 0, result.stderr
    return result.json_lines()[0]


def test_list_shows_my_scans(catscan, demo_scan):
    result = catscan("list")
    assert result.code == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if demo_scan["scanId"] in line]
    assert "chelsea.png" in line and " Cat " in line
    listed = [json.loads(line) for line in catscan("list", "--json").stdout.splitlines()]
    assert any(scan["id"] == demo_scan["scanId"] and scan["isCat"] for scan in listed)


def test_list_all_is_refused_to_a_non_admin(catscan, demo_scan):
    result = catscan("list", "--all")
    assert result.code == 2
    assert "Admin group only" in result.stderr and result.stdout == "" and "Traceback" not in result.stderr


def test_list_all_shows_everyone_to_an_admin(catscan, demo_scan):
    result = catscan("list", "--all", user=ADMIN)
    assert result.code == 0, result.stderr
    assert "OWNER" in result.stdout.splitlines()[0]
    assert demo_scan["scanId"] in result.stdout
    # without --all, an admin lists only their own scans
    assert demo_scan["scanId"] not in catscan("list", user=ADMIN).stdout


def test_show_debug_is_admin_only(catscan, demo_scan):
    mine = catscan("show", demo_scan["scanId"])
    assert mine.code == 0 and "chelsea.png" in mine.stdout and "debug" not in mine.stdout
    [boxes] = [line for line in mine.stdout.splitlines() if line.startswith("cat boxes")]
    assert "left 0." in boxes and "width 0." in boxes and "%" in boxes  # the local detector's box

    refused = catscan("show", demo_scan["scanId"], "--debug")
    assert refused.code == 2 and "Admin group only" in refused.stderr and refused.stdout == ""

    admin = catscan("show", demo_scan["scanId"], "--debug", "--json", user=ADMIN)
    assert admin.code == 0, admin.stderr
    shown = json.loads(admin.stdout)
    assert shown["id"] == demo_scan["scanId"]
    assert shown["debug"]["thresholds"]["targetLabel"] == "Cat"


def test_show_an_unknown_scan(catscan):
    result = catscan("show", "no-such-scan")
    assert result.code == 1 and "no scan no-such-scan" in result.stderr


def test_watch_prints_updates_until_ctrl_c(catscan):
    watcher = catscan.start("watch", "--json")
    try:
        assert "watching" in watcher.line("stderr")  # the subscription is registered
        scanned = catscan("scan", photo("chelsea.png"), "--json")
        scan_id = scanned.json_lines()[0]["scanId"]
        deadline = time.monotonic() + 15
        while True:
            assert time.monotonic() < deadline, "no update for the scan"
            update = json.loads(watcher.line("stdout"))
            if update["id"] == scan_id and update["status"] == "DONE":
                break
        assert update["isCat"] is True and update["fileName"] == "chelsea.png"
        code, stderr = watcher.interrupt()
        assert code == 0, stderr
        assert "Traceback" not in stderr and "Error" not in stderr
    finally:
        watcher.kill()


def test_watch_as_admin_says_whose_scans(catscan):
    watcher = catscan.start("watch", user=ADMIN)
    try:
        line = watcher.line("stderr")
        assert line.strip() == f"watching everyone's scans as {ADMIN[0]} (Admin); Ctrl-C stops"
        code, _ = watcher.interrupt()
        assert code == 0
    finally:
        watcher.kill()

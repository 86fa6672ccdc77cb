"""`catscan list` reads the indexes page by page: --limit, --all with server-side filters."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import ADMIN
from tests.support.images import photo


@pytest.fixture(scope="module")
def three(catscan, tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("three")
    for name in ("chelsea.png", "rocket.jpg", "coffee.png"):
        (folder / name).write_bytes(photo(name).read_bytes())
    result = catscan("scan", folder, "--json", "--concurrency", "1")
    assert result.code == 0, result.stderr
    return result.json_lines()


def lines(result) -> list[dict]:
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_limit_gives_the_newest_first(catscan, three):
    everything = lines(catscan("list", "--json"))
    created = [s["createdAt"] for s in everything]
    assert created == sorted(created, reverse=True)
    two = lines(catscan("list", "--json", "--limit", "2"))
    assert [s["id"] for s in two] == [s["id"] for s in everything[:2]]
    assert {s["id"] for s in everything} >= {s["scanId"] for s in three}


def test_admin_lists_everyone_by_last_update_and_filters_on_the_server(catscan, three):
    every = lines(catscan("list", "--all", "--json", "--limit", "50", user=ADMIN))
    updated = [s["updatedAt"] for s in every]
    assert updated == sorted(updated, reverse=True)
    done = lines(catscan("list", "--all", "--json", "--status", "done", user=ADMIN))
    assert done and {s["status"] for s in done} == {"DONE"}
    assert {s["scanId"] for s in three} <= {s["id"] for s in done}


def test_filters_need_all_and_limit_must_be_positive(catscan):
    refused = catscan("list", "--status", "DONE")
    assert refused.code == 2 and "use them with --all" in refused.stderr
    assert catscan("list", "--limit", "0").code == 2


def test_admin_filters_by_uploader_and_sees_emails(catscan, three):
    rows = lines(catscan("list", "--all", "--json", "--uploader", "Demo@CatScan.local", user=ADMIN))
    assert {s["scanId"] for s in three} <= {s["id"] for s in rows}
    assert {s["ownerEmail"] for s in rows} == {"demo@catscan.local"}
    table = catscan("list", "--all", "--limit", "3", user=ADMIN)
    assert table.code == 0 and "demo@catscan.local" in table.stdout


def test_watch_names_the_uploader_to_an_admin(catscan):
    watcher = catscan.start("watch", user=ADMIN)
    try:
        assert "watching" in watcher.line("stderr")
        scanned = catscan("scan", photo("chelsea.png"), "--json")
        scan_id = scanned.json_lines()[0]["scanId"]
        while True:
            line = watcher.line("stdout")
            if scan_id in line and " Cat " in line:
                break
        assert "demo@catscan.local" in line
        code, _ = watcher.interrupt()
        assert code == 0
    finally:
        watcher.kill()


def test_a_demo_account_typed_with_a_capital_needs_no_password(catscan):
    """Locally the demo accounts sign in without a password, however the e-mail is capitalised."""
    listed = catscan("list", "--limit", "1", user=("Demo@CatScan.local", ""), password="")
    assert listed.code == 0, listed.stderr

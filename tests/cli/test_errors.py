"""Expected failures end with one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import pytest

from tests.cli.conftest import DEMO
from tests.support.images import photo


def assert_clear(result, *words: str) -> None:
    assert result.code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr


def test_wrong_password(catscan):
    assert_clear(catscan("list", user=(DEMO[0], "Not-the-password-1")), "wrong user name or password")


@pytest.mark.parametrize("command", [["scan", str(photo("chelsea.png"))], ["list"], ["watch"], ["show", "x"]])
def test_no_local_cloud(catscan, closed_outputs, command):
    assert_clear(catscan(*command, outputs=closed_outputs), "the local cloud is not running", "make dev")


def test_missing_outputs_file(catscan, tmp_path):
    assert_clear(catscan("list", outputs=tmp_path / "amplify_outputs.json"), "not found", "make dev")


def test_no_password_and_no_terminal(catscan):
    assert_clear(catscan("list", user=("someone@example.com", "")), "CATSCAN_PASSWORD")


def test_usage_errors_exit_2(catscan):
    result = catscan("scan", photo("chelsea.png"), "--concurrency", "0")
    assert result.code == 2 and "--concurrency" in result.stderr

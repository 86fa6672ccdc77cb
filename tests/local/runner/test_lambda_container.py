"""The local Lambda container: a handler that outlives its timeout is killed, as Lambda kills it, and the
next invocation gets a fresh container (a cold start)."""

from __future__ import annotations

import textwrap
import time

from catscan.local.runner import Container


def test_an_invocation_past_its_timeout_is_killed_and_the_container_replaced(tmp_path, monkeypatch):
    (tmp_path / "slow.py").write_text(
        textwrap.dedent("""
        import os, time
        def lambda_handler(event, context):
            time.sleep(event["sleep"])
            return {"pid": os.getpid(), "left_ms": context.get_remaining_time_in_millis()}
    """)
    )
    monkeypatch.syspath_prepend(tmp_path)  # the spawned container gets the test's import path
    container = Container({}, "slow.lambda_handler", "slow-test")
    try:
        fast = container.invoke({"sleep": 0}, timeout=2.0)
        assert fast["ok"] and 0 < fast["result"]["left_ms"] <= 2000
        first_pid = fast["result"]["pid"]

        started = time.monotonic()
        slow = container.invoke({"sleep": 30}, timeout=1.0)
        assert time.monotonic() - started < 5  # not the 30 s the handler wanted
        assert not slow["ok"] and slow["errorType"] == "Sandbox.Timedout"

        again = container.invoke({"sleep": 0}, timeout=2.0)
        assert again["ok"] and again["result"]["pid"] != first_pid  # a new container
        assert container.cold_starts == 2
    finally:
        container.stop()


def test_an_unhandled_error_is_reported_as_lambda_does(tmp_path, monkeypatch):
    (tmp_path / "boom.py").write_text("def lambda_handler(event, context):\n    raise ValueError('no')\n")
    monkeypatch.syspath_prepend(tmp_path)
    container = Container({}, "boom.lambda_handler", "boom-test")
    try:
        outcome = container.invoke({}, timeout=2.0)
        assert not outcome["ok"] and outcome["errorType"] == "ValueError" and outcome["errorMessage"] == "no"
        assert container.cold_starts == 1  # the container survives an error
    finally:
        container.stop()

"""getScan behind AppSync is an eventually consistent DynamoDB read: an upload's event may overtake the
createScan write. The emulator models that (read lag); the scanner retries "no scan yet" for a recent
event instead of ignoring it, and the scan still ends DONE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catscan.client.api import upload
from catscan.local.cloud import LocalCloud
from tests.support.clouds import demo_of, own_cloud
from tests.support.images import photo
from tests.support.steps import create, get, wait_for


@pytest.fixture(scope="module")
def lagging_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    yield from own_cloud(
        tmp_path_factory,
        "lag-cloud",
        runner_concurrency=1,
        appsync_read_lag_ms=2500,
        retry_backoff_base=1.0,
        retry_backoff_max=2.0,
        sweeper_period=None,
    )


def test_an_event_that_overtakes_its_scan_is_retried_and_the_scan_ends_done(lagging_cloud):
    demo = demo_of(lagging_cloud)
    new = create(demo, photo("chelsea.png"))
    upload(demo, new.key, photo("chelsea.png"))  # at once: the scan is not readable for 2.5 s
    final = wait_for(lambda: (s := get(demo, new.scan["id"])) and s["status"] == "DONE" and s, 60, "DONE")
    assert final["isCat"] is True
    log = (lagging_cloud.state_dir / "logs" / "runner.log").read_text()
    assert "no scan for this upload (yet)" in log  # the first delivery did miss it, and was retried

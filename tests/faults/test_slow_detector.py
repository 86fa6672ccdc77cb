"""A detector slower than the invocation's budget (CATSCAN_REKOGNITION_LATENCY_MS): every delivery gives
up before the function timeout, and the last one writes FAILED with the reason. Nothing hangs in
PROCESSING, and the scan ends within the bound the limits give (docs/architecture.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from catscan.client.api import upload
from catscan.local.cloud import LocalCloud
from tests.support.clouds import demo_of, own_cloud
from tests.support.images import photo
from tests.support.steps import create, get, wait_for

TIMEOUT, DELIVERIES, BACKOFF_MAX = 6.0, 2, 1.0


@pytest.fixture(scope="module")
def slow_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    yield from own_cloud(
        tmp_path_factory,
        "slow-cloud",
        runner_concurrency=1,
        rekognition_latency_ms=4000,
        function_timeout=TIMEOUT,
        service_timeout=1.5,
        queue_visibility_timeout=8,
        max_receive_count=DELIVERIES,
        retry_backoff_base=0.5,
        retry_backoff_max=BACKOFF_MAX,
        sweeper_period=None,
    )


def test_a_detector_slower_than_the_budget_ends_failed_with_the_reason(slow_cloud):
    demo = demo_of(slow_cloud)
    new = create(demo, photo("chelsea.png"))
    started = time.monotonic()
    upload(demo, new.key, photo("chelsea.png"))
    bound = DELIVERIES * TIMEOUT + (DELIVERIES - 1) * BACKOFF_MAX  # every delivery, every backoff
    final = wait_for(
        lambda: (s := get(demo, new.scan["id"]))["status"] == "FAILED" and s,
        3 * bound + 10,
        "FAILED by the last delivery",
    )
    took = time.monotonic() - started
    print(f"\nslow detector: FAILED after {took:.1f} s (bound {bound:.0f} s): {final['reason']}")
    assert (
        final["reason"]
        == f"The cat detector did not answer in time or failed; it was tried {DELIVERIES} times."
    )
    log = (slow_cloud.state_dir / "logs" / "runner.log").read_text()
    assert "Sandbox.Timedout" not in log  # the budget ended each delivery before Lambda would have

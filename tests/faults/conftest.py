"""A local cloud of its own, with short Lambda timings, that these tests may break and mend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud
from tests.support.clouds import demo_of, own_cloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    # Every limit shortened in proportion (visibility > function timeout > one dependency call), so
    # that retries, dead letters and the sweeper happen within seconds. Persisted, like a
    # `catscan dev` cloud (LocalCloud's default).
    yield from own_cloud(
        tmp_path_factory,
        "fault-cloud",
        persist=True,
        runner_concurrency=2,
        function_timeout=6.0,
        service_timeout=1.5,
        queue_visibility_timeout=8,
        max_receive_count=3,
        retry_backoff_base=0.5,
        retry_backoff_max=2.0,
        sweeper_period=2.0,
        upload_grace_seconds=4,
        stuck_after_seconds=120,
        max_redrives=2,
    )


@pytest.fixture(scope="module")
def demo(cloud: LocalCloud) -> UserSession:
    return demo_of(cloud)

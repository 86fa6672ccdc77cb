"""The local cloud for the tests that need one (tests/integration, tests/cli): started once per test run.

Each folder's conftest imports the `cloud` fixture from here. pytest keeps one instance per conftest that
registers a fixture, so the cloud itself is shared through this module and stopped by the last user.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from catscan.local.cloud import LocalCloud, Ports

_shared: LocalCloud | None = None
_users = 0


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    global _shared, _users
    if _shared is None:
        state = tmp_path_factory.mktemp("local-cloud")
        local = LocalCloud(ports=Ports.free(), state_dir=state, outputs_path=state / "amplify_outputs.json",
                           with_ui=False, param_cache_seconds=0,
                           runner_concurrency=2, retry_backoff_base=0.5, sweeper_period=None)
        try:
            local.start(timeout=90)
        except BaseException:
            local.stop()
            raise
        _shared = local
    _users += 1
    try:
        yield _shared
    finally:
        _users -= 1
        if _users == 0 and _shared is not None:
            _shared.stop()
            _shared = None

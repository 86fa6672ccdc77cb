"""A local cloud of its own, with short Lambda timings, that these tests may break and mend."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud, Ports
from catscan.local.seed import DEMO_USERS


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    state = tmp_path_factory.mktemp("fault-cloud")
    # Function timeout 3 s and visibility 5 s keep Lambda's proportions (visibility > timeout).
    local = LocalCloud(ports=Ports.free(), state_dir=state, outputs_path=state / "amplify_outputs.json",
                       with_ui=False, retry_delays=(0.3, 0.6), function_timeout=3.0, visibility_timeout=5)
    local.start(timeout=90)
    yield local
    local.stop()


@pytest.fixture(scope="module")
def demo(cloud: LocalCloud) -> UserSession:
    email, password, _ = DEMO_USERS[0]
    return UserSession.sign_in(load_outputs(cloud.outputs_path), email, password)

"""One local cloud for the whole session, on free ports, started and stopped by the tests."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud, Ports
from catscan.local.seed import DEMO_USERS, add_user


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    state = tmp_path_factory.mktemp("local-cloud")
    local = LocalCloud(ports=Ports.free(), state_dir=state, outputs_path=state / "amplify_outputs.json",
                       with_ui=False, retry_delays=(0.2, 0.4), param_cache_seconds=0)
    local.start(timeout=90)
    yield local
    local.stop()


@pytest.fixture(scope="session")
def outputs(cloud: LocalCloud):
    return load_outputs(cloud.outputs_path)


@pytest.fixture(scope="session")
def demo(outputs) -> UserSession:
    email, password, _ = DEMO_USERS[0]
    return UserSession.sign_in(outputs, email, password)


@pytest.fixture(scope="session")
def admin(outputs) -> UserSession:
    email, password, _ = DEMO_USERS[1]
    return UserSession.sign_in(outputs, email, password)


@pytest.fixture(scope="session")
def other(cloud: LocalCloud, outputs) -> UserSession:
    add_user(cloud.moto_url, cloud.seeded.user_pool_id, "other@catscan.local", "Other-user-1")
    return UserSession.sign_in(outputs, "other@catscan.local", "Other-user-1")


@pytest.fixture
def tmp_image(tmp_path: Path):
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write

"""Fixtures of the local-cloud tests; the cloud itself comes from tests/conftest_cloud.py (shared)."""
from __future__ import annotations

from pathlib import Path

import pytest

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud
from catscan.local.seed import DEMO_USERS, add_user
from tests.conftest_cloud import cloud  # noqa: F401 - the shared local cloud fixture


@pytest.fixture(scope="session")
def outputs(cloud: LocalCloud):  # noqa: F811 - the imported fixture
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
def other(cloud: LocalCloud, outputs) -> UserSession:  # noqa: F811
    add_user(cloud.moto_url, cloud.seeded.user_pool_id, "other@catscan.local", "Other-user-1")
    return UserSession.sign_in(outputs, "other@catscan.local", "Other-user-1")


@pytest.fixture
def tmp_image(tmp_path: Path):
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write

"""Fixtures of the local-cloud tests; the cloud and its demo/admin sessions come from tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from catscan.client.outputs import Outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud
from catscan.local.seed import add_user


@pytest.fixture(scope="session")
def other(cloud: LocalCloud, outputs: Outputs) -> UserSession:
    add_user(cloud.moto_url, cloud.seeded.user_pool_id, "other@catscan.local", "Other-user-1")
    return UserSession.sign_in(outputs, "other@catscan.local", "Other-user-1")


@pytest.fixture
def tmp_image(tmp_path: Path):
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write

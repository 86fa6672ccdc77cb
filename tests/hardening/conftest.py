"""Fixtures of the hardening tests: the shared local cloud (tests/conftest_cloud.py) and its users."""
from __future__ import annotations

import pytest

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud
from catscan.local.seed import DEMO_USERS
from tests.conftest_cloud import cloud  # noqa: F401 - the shared local cloud fixture


@pytest.fixture(scope="session")
def outputs(cloud: LocalCloud):
    return load_outputs(cloud.outputs_path)


@pytest.fixture(scope="session")
def demo(outputs) -> UserSession:
    email, password, _ = DEMO_USERS[0]
    return UserSession.sign_in(outputs, email, password)

"""Whole local clouds for tests: the shared one (tests/conftest.py) and the ones folders configure for
their scenario (faults, e2e) are all started and stopped here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud, Ports
from catscan.local.seed import DEMO_USERS

DEMO, ADMIN = DEMO_USERS[0], DEMO_USERS[1]  # (email, password, admin?) as seeded


def own_cloud(
    tmp_path_factory: pytest.TempPathFactory, name: str, *, timeout: float = 90, **settings: Any
) -> Iterator[LocalCloud]:
    """A started LocalCloud on free ports with its own state (without UI or persistence unless
    `settings` say so); stopped when the generator ends, also when it failed halfway through starting."""
    state = tmp_path_factory.mktemp(name)
    local = LocalCloud(
        ports=Ports.free(),
        state_dir=state,
        outputs_path=state / "amplify_outputs.json",
        **{"with_ui": False, "persist": False, **settings},
    )
    try:
        local.start(timeout=timeout)
        yield local
    finally:
        local.stop()


def sign_in(cloud: LocalCloud, user: tuple[str, str, bool] = DEMO) -> UserSession:
    email, password, _ = user
    return UserSession.sign_in(load_outputs(cloud.outputs_path), email, password)


def demo_of(cloud: LocalCloud) -> UserSession:
    return sign_in(cloud, DEMO)

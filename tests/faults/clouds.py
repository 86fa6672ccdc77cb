"""Local clouds of their own for fault tests: each with the limits or faults its scenario needs."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud, Ports
from catscan.local.seed import DEMO_USERS


def own_cloud(tmp_path_factory: pytest.TempPathFactory, name: str, **settings: Any) -> Iterator[LocalCloud]:
    """A started LocalCloud on free ports, without UI or persistence; stopped when the generator ends."""
    state = tmp_path_factory.mktemp(name)
    local = LocalCloud(ports=Ports.free(), state_dir=state, outputs_path=state / "amplify_outputs.json",
                       with_ui=False, persist=False, **settings)
    local.start(timeout=90)
    try:
        yield local
    finally:
        local.stop()


def demo_of(cloud: LocalCloud) -> UserSession:
    email, password, _ = DEMO_USERS[0]
    return UserSession.sign_in(load_outputs(cloud.outputs_path), email, password)

"""Fixtures shared by every test folder, each started lazily (only when a collected test asks for it) and
once per run.

`cloud` is the shared local cloud of tests/integration, tests/cli, tests/hardening and tests/security;
folders that need a cloud configured otherwise (tests/faults, tests/e2e) override it or use their own,
built with tests/support/clouds.py. `templates` is the synth read by tests/infra and tests/parity.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catscan.client.outputs import Outputs, load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import LocalCloud
from tests.support.clouds import ADMIN, DEMO, own_cloud
from tests.support.templates import CDK_OUT, Templates


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    yield from own_cloud(
        tmp_path_factory,
        "local-cloud",
        persist=True,
        param_cache_seconds=0,
        runner_concurrency=2,
        retry_backoff_base=0.5,
        sweeper_period=None,
    )


@pytest.fixture(scope="session")
def outputs(cloud: LocalCloud) -> Outputs:
    return load_outputs(cloud.outputs_path)


@pytest.fixture(scope="session")
def demo(outputs: Outputs) -> UserSession:
    return UserSession.sign_in(outputs, DEMO[0], DEMO[1])


@pytest.fixture(scope="session")
def admin(outputs: Outputs) -> UserSession:
    return UserSession.sign_in(outputs, ADMIN[0], ADMIN[1])


@pytest.fixture(scope="session")
def templates() -> Templates:
    if not CDK_OUT.is_dir() or not list(CDK_OUT.glob("*.template.json")):
        pytest.fail(f"no templates under {CDK_OUT}: run `make synth` (scripts/synth.sh) first")
    return Templates(CDK_OUT)

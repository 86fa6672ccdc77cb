"""Fixtures for the AppSync emulator tests (helpers live in appsync_testkit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catscan.local.appsync import RunningEmulator, run_in_thread
from tests.local.appsync.appsync_testkit import Api, Cognito, _client, make_config
from tests.support.clock import Clock
from tests.support.moto_server import moto_server


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    yield from moto_server()


@pytest.fixture(scope="session")
def cognito(moto_endpoint: str) -> Cognito:
    idp = _client("cognito-idp", moto_endpoint)
    pool_id = idp.create_user_pool(PoolName="catscan-test")["UserPool"]["Id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=flows)[
        "UserPoolClient"
    ]["ClientId"]
    other = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="not-configured", ExplicitAuthFlows=flows
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="Admin")
    cog = Cognito(moto_endpoint, pool_id, client_id, other, idp)
    cog.add_user("alice")
    cog.add_user("bob")
    cog.add_user("carol", admin=True)
    return cog


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def emulator(cognito: Cognito, clock: Clock) -> Any:
    running = run_in_thread(make_config(cognito, clock))
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _reset_clock(clock: Clock) -> Any:
    yield
    clock.offset = 0.0


@pytest.fixture(scope="session")
def ddb(moto_endpoint: str) -> Any:
    return _client("dynamodb", moto_endpoint)


@pytest.fixture
def alice(emulator: RunningEmulator, cognito: Cognito) -> Api:
    return Api(emulator, token=cognito.id_token("alice"))


@pytest.fixture
def bob(emulator: RunningEmulator, cognito: Cognito) -> Api:
    return Api(emulator, token=cognito.access_token("bob"))


@pytest.fixture
def carol(emulator: RunningEmulator, cognito: Cognito) -> Api:
    return Api(emulator, token=cognito.id_token("carol"))


@pytest.fixture
def scanner(emulator: RunningEmulator) -> Api:
    return Api(emulator)

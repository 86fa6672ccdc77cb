"""Fixtures for the storage gate tests: one moto server seeded like the local cloud, the gate as a process
(what `catscan dev` runs) and, for tests that move the clock, the same gate in a thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catscan.local.gate import GateConfig, RunningGate, run_in_thread
from catscan.local.seed import REGION, Seeded, add_user, seed
from tests.local.gate.gate_testkit import (
    ADMIN,
    DEMO,
    OTHER,
    SERVICE_KEY,
    SERVICE_SECRET,
    UI_ORIGIN,
    GateProcess,
    Identity,
    client,
    id_token,
    identity,
    start_gate_process,
)
from tests.support.clock import Clock
from tests.support.moto_server import moto_server


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    yield from moto_server()


@pytest.fixture(scope="session")
def seeded(moto_url: str) -> Seeded:
    result = seed(moto_url, UI_ORIGIN)
    add_user(moto_url, result.user_pool_id, *OTHER)
    return result


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gate-state")


@pytest.fixture(scope="session")
def gate(moto_url: str, seeded: Seeded, state_dir: Path) -> Iterator[GateProcess]:
    running = start_gate_process(moto_url, seeded, state_dir, state_dir / "gate.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def thread_gate(
    moto_url: str, seeded: Seeded, clock: Clock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGate]:
    config = GateConfig(
        moto_endpoint=moto_url,
        region=REGION,
        user_pool_id=seeded.user_pool_id,
        client_ids=(seeded.user_pool_client_id,),
        identity_pool_id=seeded.identity_pool_id,
        bucket=seeded.bucket,
        state_dir=tmp_path_factory.mktemp("thread-gate"),
        service_credentials={SERVICE_KEY: SERVICE_SECRET},
        clock=clock,
    )
    running = run_in_thread(config)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _reset_clock(clock: Clock) -> Iterator[None]:
    yield
    clock.offset = 0.0


def _token(moto_url: str, seeded: Seeded, user: tuple[str, str]) -> str:
    return id_token(moto_url, seeded.user_pool_client_id, user)


@pytest.fixture(scope="session")
def demo(gate: GateProcess, moto_url: str, seeded: Seeded) -> Identity:
    return identity(gate.url, seeded, _token(moto_url, seeded, DEMO))


@pytest.fixture(scope="session")
def admin(gate: GateProcess, moto_url: str, seeded: Seeded) -> Identity:
    return identity(gate.url, seeded, _token(moto_url, seeded, ADMIN))


@pytest.fixture(scope="session")
def other(gate: GateProcess, moto_url: str, seeded: Seeded) -> Identity:
    return identity(gate.url, seeded, _token(moto_url, seeded, OTHER))


@pytest.fixture(scope="session")
def service_s3(gate: GateProcess) -> object:
    """The scanner's local key through the gate (full access)."""
    return client("s3", gate.url, SERVICE_KEY, SERVICE_SECRET)


@pytest.fixture(scope="session")
def moto_s3(moto_url: str) -> object:
    """moto itself, to look at what really got stored."""
    return client("s3", moto_url)

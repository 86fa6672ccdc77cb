"""Fixtures: the synthesized resolvers and transformed schema (cdk.out/, from `make synth`; the `templates`
fixture is shared from tests/conftest.py), the VTL engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.templates import Templates

from .vtl import PipelineRunner, Resolver, VtlEngine, load_resolvers, transformed_schema_text

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def resolvers(templates: Templates) -> dict[str, Resolver]:
    return load_resolvers(templates)


@pytest.fixture(scope="session")
def transformed_sdl(templates: Templates) -> str:
    return transformed_schema_text(templates)


@pytest.fixture(scope="session")
def schema_sdl() -> str:
    return (REPO / "schema.graphql").read_text()


@pytest.fixture(scope="session")
def vtl_engine() -> Iterator[VtlEngine]:
    if not (Path(__file__).parent / "node_modules").is_dir():
        pytest.fail("tests/parity/node_modules missing: run scripts/setup_node.sh")
    engine = VtlEngine()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def runner(vtl_engine: VtlEngine, resolvers: dict[str, Resolver]) -> PipelineRunner:
    return PipelineRunner(vtl_engine, resolvers)

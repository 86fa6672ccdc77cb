"""Fixtures: the synthesized resolvers and transformed schema (cdk.out/, from `make synth`), the VTL engine."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.infra.conftest import CDK_OUT, Templates

from .vtl import PipelineRunner, Resolver, VtlEngine, load_resolvers, transformed_schema_text

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def synth() -> Templates:
    if not CDK_OUT.is_dir() or not list(CDK_OUT.glob("*.template.json")):
        pytest.fail(f"no templates under {CDK_OUT}: run `make synth` (scripts/synth.sh) first")
    return Templates(CDK_OUT)


@pytest.fixture(scope="session")
def resolvers(synth: Templates) -> dict[str, Resolver]:
    return load_resolvers(synth)


@pytest.fixture(scope="session")
def transformed_sdl(synth: Templates) -> str:
    return transformed_schema_text(synth)


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

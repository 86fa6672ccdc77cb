"""The emulator's AppSync schema (generated from schema.graphql) and the web UI's copy of it equal the
transformed schema in cdk.out."""

from __future__ import annotations

from pathlib import Path

from catscan.local.appsync.schema_model import build_api_model

from .schema_parity import differences, structure

REPO = Path(__file__).resolve().parents[2]


def test_emulator_schema_equals_the_transformed_schema(transformed_sdl, schema_sdl):
    emulator_sdl = build_api_model(schema_sdl).sdl
    assert structure(transformed_sdl), "empty transformed schema"
    diff = differences(transformed_sdl, emulator_sdl)
    assert not diff, f"{len(diff)} difference(s) (transformed schema vs emulator):\n" + "\n".join(diff)


def test_ui_schema_copy_equals_the_transformed_schema(transformed_sdl):
    """The web UI's GraphQL Code Generator reads a committed copy of the transformed schema, so that
    `make dev` and `npm run codegen` need no synth; this keeps the copy equal to the synthesized one."""
    copy = REPO / "frontend" / "src" / "graphql" / "schema" / "appsync.graphql"
    assert copy.read_text() == transformed_sdl, (
        f"{copy.relative_to(REPO)} differs from the schema in cdk.out: run `cd frontend && npm run codegen:schema` "
        "(after `bash scripts/synth.sh`) and commit the schema and src/graphql/generated.ts"
    )

"""The emulator's AppSync schema (generated from schema.graphql) equals the transformed schema in cdk.out."""
from __future__ import annotations

from catscan.local.appsync.schema_model import build_api_model

from .schema_parity import differences, structure


def test_emulator_schema_equals_the_transformed_schema(transformed_sdl, schema_sdl):
    emulator_sdl = build_api_model(schema_sdl).sdl
    assert structure(transformed_sdl), "empty transformed schema"
    diff = differences(transformed_sdl, emulator_sdl)
    assert not diff, f"{len(diff)} difference(s) (transformed schema vs emulator):\n" + "\n".join(diff)

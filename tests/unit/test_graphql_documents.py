"""Every document of scan_image/graphql_documents.py (the scanner's, the client's and the emulator tests')
is valid against the API's schema: a field renamed or removed in schema.graphql fails here, in milliseconds,
not in a scan against the running cloud.

The schema is the AppSync schema the emulator generates from schema.graphql, which tests/parity pins equal to
the one Amplify's transformer writes into cdk.out."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from catscan.local.appsync.schema_model import load_api_model
from scan_image import graphql_documents

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
DOCUMENTS = {
    name: value
    for name, value in vars(graphql_documents).items()
    if name.isupper() and not name.startswith("_") and name != "SCAN_FIELDS"
}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(load_api_model(SCHEMA).sdl)


def test_every_operation_is_collected() -> None:
    assert {"GET_SCAN", "UPDATE_SCAN", "SCANS_UPDATED_BEFORE", "CREATE_SCAN", "ON_UPDATE_SCAN"} <= set(
        DOCUMENTS
    )


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_the_api_schema(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(DOCUMENTS[name]))
    assert not errors, "\n".join(e.message for e in errors)


def test_a_field_the_schema_lacks_is_caught(schema: GraphQLSchema) -> None:
    renamed = graphql_documents.GET_SCAN.replace("imageKey", "imageKeyRenamed")
    messages = [e.message for e in validate(schema, parse(renamed))]
    assert messages == ["Cannot query field 'imageKeyRenamed' on type 'Scan'. Did you mean 'imageKey'?"]

"""The @index directives in the synthesized backend: the GSIs, the query fields, and the generated auth that
the local AppSync emulator (catscan/local/appsync/index_resolver.py) mirrors."""

from __future__ import annotations

import graphql

from catscan.local.appsync.schema_model import load_api_model
from tests.support.templates import CDK_OUT, Templates, pipeline_vtl

REPO = CDK_OUT.parent


def test_scan_table_has_the_owner_and_status_gsis(templates: Templates) -> None:
    (table,) = [r for r in templates.of_type("Custom::AmplifyDynamoDBTable") if r.logical_id == "ScanTable"]
    gsis = {
        g["indexName"]: ([k["attributeName"] for k in g["keySchema"]], g["projection"]["projectionType"])
        for g in table.properties["globalSecondaryIndexes"]
    }
    assert gsis == {
        "byOwner": (["owner", "createdAt"], "ALL"),
        "byStatus": (["status", "updatedAt"], "ALL"),
        "byOwnerEmail": (["ownerEmail", "createdAt"], "ALL"),
    }


def _query_fields(sdl: str) -> dict[str, tuple[dict[str, str], str]]:
    """Query field -> ({argument: type}, result type), from the SDL's AST (no AWS scalars needed)."""
    out = {}
    for d in graphql.parse(sdl).definitions:
        if isinstance(d, graphql.ObjectTypeDefinitionNode) and d.name.value == "Query":
            for f in d.fields:
                out[f.name.value] = (
                    {a.name.value: graphql.print_ast(a.type) for a in f.arguments},
                    graphql.print_ast(f.type),
                )
    return out


def test_query_fields_equal_the_emulators(templates: Templates) -> None:
    (sdl_file,) = CDK_OUT.glob("asset.*.graphql")
    synthesized = _query_fields(sdl_file.read_text())
    emulated = _query_fields(load_api_model(REPO / "schema.graphql").sdl)
    for name in ("scansByOwner", "scansByStatus", "scansByOwnerEmail"):
        assert synthesized[name] == emulated[name]
        assert synthesized[name][1] == "ModelScanConnection"


def test_index_queries_are_dynamodb_queries_on_their_gsi(templates: Templates) -> None:
    for field, index in (("scansByOwner", "byOwner"), ("scansByStatus", "byStatus")):
        request = pipeline_vtl(templates, "Query", field)[-1][0]
        assert '"operation": "Query"' in request and f'"index": "{index}"' in request
        assert "$util.defaultIfNull($context.args.limit, 100)" in request
        assert '$ctx.args.sortDirection == "DESC"' in request


def test_owner_index_auth_checks_the_key_instead_of_filtering(templates: Templates) -> None:
    """What the emulator mirrors: on byOwner an owner is authorized by passing one of its own claims as
    `owner` (and is then not filtered); on byStatus owners get the list auth filter."""
    owner_auth = pipeline_vtl(templates, "Query", "scansByOwner")[0][0]
    assert "$ownerClaimsList0.contains($ctx.args.owner)" in owner_auth
    assert '$ctx.stash.put("authFilter", null)' in owner_auth
    assert '$authFilter.add({"owner"' not in owner_auth
    status_auth = pipeline_vtl(templates, "Query", "scansByStatus")[0][0]
    assert '$authFilter.add({"owner": { "eq": $ownerClaim0 }})' in status_auth
    assert "ctx.args.owner" not in status_auth

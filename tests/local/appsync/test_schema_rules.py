"""Pure tests: the generated AppSync schema, the access-control matrix and the authorization decisions are
derived from the directives, for schema.graphql and for other schemas."""

from __future__ import annotations

import graphql
import pytest

from catscan.local.appsync import authorization as authz
from catscan.local.appsync.auth import Identity
from catscan.local.appsync.filters import ConditionBuilder, matches
from catscan.local.appsync.schema_model import build_api_model, load_api_model
from tests.local.appsync.appsync_testkit import SCHEMA

ALICE = Identity("userPools", {"sub": "s-alice", "cognito:username": "alice", "token_use": "id"})
BOB = Identity("userPools", {"sub": "s-bob", "username": "bob", "token_use": "access"})
ADMIN = Identity("userPools", {"sub": "s-carol", "username": "carol", "cognito:groups": ["Admin"]})
SCANNER = Identity("iam", access_key="AKID")


@pytest.fixture(scope="module")
def scan():
    return load_api_model(SCHEMA).models["Scan"]


def test_generated_operations_and_inputs():
    api = load_api_model(SCHEMA)
    schema = graphql.build_schema(api.sdl)
    q, m, s = schema.query_type.fields, schema.mutation_type.fields, schema.subscription_type.fields
    assert set(q) == {
        "getScan",
        "listScans",
        "scansByOwner",
        "scansByStatus",
        "scansByOwnerEmail",
    }  # the last two: @index
    assert set(m) == {"createScan", "updateScan", "deleteScan"}
    assert set(s) == {"onCreateScan", "onUpdateScan", "onDeleteScan"}
    assert str(q["listScans"].type) == "ModelScanConnection"
    assert {k: str(v.type) for k, v in q["listScans"].args.items()} == {
        "filter": "ModelScanFilterInput",
        "limit": "Int",
        "nextToken": "String",
    }
    assert {k: str(v.type) for k, v in m["updateScan"].args.items()} == {
        "input": "UpdateScanInput!",
        "condition": "ModelScanConditionInput",
    }
    assert {k: str(v.type) for k, v in s["onUpdateScan"].args.items()} == {
        "filter": "ModelSubscriptionScanFilterInput",
        "owner": "String",
    }
    create = schema.type_map["CreateScanInput"].fields
    assert str(create["id"].type) == "ID" and str(create["imageKey"].type) == "String!"
    assert str(create["catBoxes"].type) == "[CatBoxInput]"
    assert str(schema.type_map["UpdateScanInput"].fields["status"].type) == "ScanStatus"
    filt = schema.type_map["ModelScanFilterInput"].fields
    assert str(filt["status"].type) == "ModelScanStatusInput" and "catBoxes" not in filt
    assert {"and", "or", "not", "owner"} <= set(filt)
    sub_filt = schema.type_map["ModelSubscriptionScanFilterInput"].fields
    # the owner field is re-added as ModelStringInput, as in the transformed schema (cdk.out)
    assert str(sub_filt["owner"].type) == "ModelStringInput" and "not" not in sub_filt
    string_ops = set(schema.type_map["ModelStringInput"].fields)
    assert {
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "contains",
        "notContains",
        "beginsWith",
        "between",
        "attributeExists",
    } <= string_ops
    assert api.subscriptions_for("updateScan") == ["onUpdateScan"]


def test_access_control_matrix(scan):
    owner = next(r for r in scan.roles.values() if r.strategy == "owner")
    admin = next(r for r in scan.roles.values() if r.strategy == "groups")
    assert owner.claim == "sub::username" and owner.entity == "owner"
    assert scan.is_allowed(owner, "imageKey", "create") and not scan.is_allowed(owner, "imageKey", "update")
    for verdict in ("status", "isCat", "confidence", "catBoxes", "reason", "debug"):  # the scanner's alone
        assert not any(scan.is_allowed(owner, verdict, op) for op in ("create", "update"))
        assert scan.is_allowed(owner, verdict, "delete")
    assert scan.defaults == {"status": "PENDING"}
    assert not any(scan.is_allowed(owner, "debug", op) for op in ("create", "get", "update"))
    assert scan.is_allowed(owner, "debug", "delete")  # so an owner may delete the whole record
    assert scan.is_allowed(admin, "debug", "get") and not scan.is_allowed(admin, "debug", "update")
    assert scan.field_read_roles("debug") == [admin]
    assert scan.field_read_roles("status") is None


def test_create_fills_and_checks_the_owner(scan):
    stored = authz.authorize_create(scan, ALICE, {"imageKey": "k"}, "createScan")
    assert stored["owner"] == "s-alice::alice"
    for own in ("s-alice::alice", "s-alice", "alice"):
        assert authz.authorize_create(scan, ALICE, {"owner": own}, "createScan")["owner"] == own
    with pytest.raises(authz.Unauthorized, match="Not Authorized to access createScan on type Mutation"):
        authz.authorize_create(scan, ALICE, {"owner": "bob"}, "createScan")
    with pytest.raises(authz.Unauthorized, match=r"Unauthorized on \[debug\]"):
        authz.authorize_create(scan, ALICE, {"imageKey": "k", "debug": {}}, "createScan")
    assert authz.authorize_create(scan, SCANNER, {"imageKey": "k"}, "createScan") == {"imageKey": "k"}


def test_reads(scan):
    mine = {"id": "1", "owner": "s-alice::alice"}
    access = authz.read_access(scan, ALICE, "list", "listScans")
    assert access.allows(mine) and not access.allows({"id": "2", "owner": "s-bob::bob"})
    assert authz.read_access(scan, ADMIN, "get", "getScan").all
    assert authz.read_access(scan, SCANNER, "get", "getScan").all
    assert not authz.field_read_allowed(scan, "debug", ALICE, mine)
    assert authz.field_read_allowed(scan, "debug", ADMIN, mine)
    assert authz.field_read_allowed(scan, "debug", SCANNER, mine)


def test_writes(scan):
    mine = {"id": "1", "owner": "s-alice::alice"}
    # No rule of Scan grants update: the owner is refused the mutation, even with the key alone.
    for input_ in ({"id": "1", "status": "DONE"}, {"id": "1"}):
        with pytest.raises(authz.Unauthorized, match="Not Authorized to access updateScan on type Mutation"):
            authz.authorize_update(scan, ALICE, mine, input_, "updateScan")
    with pytest.raises(authz.Unauthorized, match="Not Authorized to access updateScan on type Mutation"):
        authz.authorize_update(scan, BOB, mine, {"id": "1", "status": "DONE"}, "updateScan")
    authz.authorize_update(scan, SCANNER, mine, {"id": "1", "status": "DONE"}, "updateScan")
    # Owners have delete on every field (debug grants it explicitly), so they may delete their records.
    authz.authorize_delete(scan, ALICE, mine, "deleteScan")
    with pytest.raises(authz.Unauthorized, match="Not Authorized to access deleteScan on type Mutation"):
        authz.authorize_delete(scan, BOB, mine, "deleteScan")
    authz.authorize_delete(scan, SCANNER, mine, "deleteScan")


def test_subscription_auth(scan):
    assert authz.subscription_filter(scan, ALICE, {}, "onUpdateScan") == {"or": [{"owner": {"eq": "alice"}}]}
    assert authz.subscription_filter(scan, ADMIN, {}, "onUpdateScan") is None
    assert authz.subscription_filter(scan, SCANNER, {}, "onUpdateScan") is None
    assert (
        authz.subscription_filter(scan, ALICE, {"owner": "alice"}, "onUpdateScan") is None
    )  # basic filtering
    with pytest.raises(
        authz.Unauthorized, match="Not Authorized to access onUpdateScan on type Subscription"
    ):
        authz.subscription_filter(scan, ALICE, {"owner": "bob"}, "onUpdateScan")


OTHER_SCHEMA = """
type Category @model @auth(rules: [
  { allow: owner, ownerField: "author", identityClaim: "sub", operations: [create, read, update, delete] }
  { allow: groups, groupsField: "editors", operations: [read, update] }
  { allow: private, operations: [read] }
]) {
  name: String!
  editors: [String]
  secret: String @auth(rules: [{ allow: owner, ownerField: "author", identityClaim: "sub" }])
}
"""


def test_other_schema_is_derived_from_its_directives():
    api = build_api_model(OTHER_SCHEMA)
    model = api.models["Category"]
    schema = graphql.build_schema(api.sdl)
    assert {"getCategory", "listCategories"} == set(schema.query_type.fields)
    assert {"id", "author", "createdAt", "updatedAt"} <= set(model.fields)  # implicit fields are added
    assert str(schema.type_map["Category"].fields["createdAt"].type) == "AWSDateTime!"
    assert set(schema.subscription_type.fields["onCreateCategory"].args) == {"filter", "author"}
    stored = authz.authorize_create(model, ALICE, {"name": "x"}, "createCategory")
    assert stored["author"] == "s-alice"  # single claim: no `::`
    item = {"id": "1", "author": "s-alice", "editors": ["Editors"]}
    editor = Identity("userPools", {"sub": "s-ed", "username": "ed", "cognito:groups": ["Editors"]})
    authz.authorize_update(model, editor, item, {"id": "1", "name": "y"}, "updateCategory")
    with pytest.raises(authz.Unauthorized):
        authz.authorize_update(model, BOB, item, {"id": "1", "name": "y"}, "updateCategory")
    assert authz.read_access(model, BOB, "list", "listCategories").all  # private read
    assert authz.field_read_allowed(model, "secret", ALICE, item)
    assert not authz.field_read_allowed(model, "secret", editor, item)
    authz.authorize_delete(model, ALICE, item, "deleteCategory")  # the owner has delete on every field


def test_filters_follow_dynamodb_semantics():
    item = {"status": "DONE", "confidence": 97.5, "fileName": "cat.jpg", "tags": ["a", "b"]}
    assert matches({"status": {"eq": "DONE"}, "confidence": {"between": [90, 100]}}, item)
    assert matches({"or": [{"status": {"eq": "X"}}, {"fileName": {"beginsWith": "cat"}}]}, item)
    assert matches({"not": {"status": {"eq": "X"}}}, item)
    assert matches({"reason": {"ne": "x"}}, item) and not matches({"reason": {"eq": "x"}}, item)
    assert matches({"reason": {"attributeExists": False}}, item)
    assert matches({"tags": {"contains": "a"}, "fileName": {"notContains": "dog"}}, item)
    assert not matches({"confidence": {"gt": "9"}}, item)  # different types never compare
    assert matches({"status": {"in": ["DONE", "FAILED"]}}, item)
    b = ConditionBuilder()
    expr = b.with_required(
        "attribute_exists(#id)",
        {"status": {"eq": "A"}, "or": [{"isCat": {"eq": True}}, {"confidence": {"gt": 3}}]},
    )
    assert expr == "attribute_exists(#id) AND (#n0 = :v0 AND (#n1 = :v1 OR #n2 > :v2))"

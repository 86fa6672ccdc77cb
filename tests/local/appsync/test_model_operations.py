"""Queries and mutations over HTTP with gql, as owners, another user, an Admin and the IAM scanner."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.local.appsync.appsync_testkit import CREATE, DELETE, GET, GET_DEBUG, LIST, UPDATE, Api, new_scan

pytestmark = pytest.mark.asyncio

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def create(api: Api, **fields) -> dict:
    return (await api.ok(CREATE, input=new_scan(**fields)))["createScan"]


async def test_owner_creates_and_the_owner_is_set_by_the_api(alice, cognito, ddb):
    scan = await create(alice)
    assert scan["owner"] == "alice"  # read back through the owner field resolver: <username>
    assert scan["status"] == "PENDING"
    assert ISO_MS.match(scan["createdAt"]) and scan["createdAt"] == scan["updatedAt"]
    stored = ddb.get_item(TableName="Scan-test", Key={"id": {"S": scan["id"]}})["Item"]
    assert stored["owner"]["S"] == f"{cognito.sub('alice')}::alice"  # stored as <sub>::<username>
    assert stored["__typename"]["S"] == "Scan"
    assert stored["sizeBytes"]["N"] == "1234"


FORGED_VERDICT = {
    "status": "DONE",
    "isCat": True,
    "confidence": 99.9,
    "reason": "a cat, trust me",
    "catBoxes": [{"left": 0.1, "top": 0.1, "width": 0.5, "height": 0.5, "confidence": 99.0}],
}


@pytest.mark.parametrize(
    "fields", [{k: v} for k, v in FORGED_VERDICT.items()] + [FORGED_VERDICT], ids=[*FORGED_VERDICT, "all"]
)
async def test_owners_cannot_create_a_verdict(alice, ddb, fields):
    """Each verdict field, alone or all at once, is refused for owners, as the generated create resolver
    refuses fields outside the owner's allowed list; nothing is stored."""
    scan = new_scan(id=str(uuid.uuid4()), **fields)
    data, errors = await alice.call(CREATE, input=scan)
    assert data == {"createScan": None}
    assert errors[0]["errorType"] == "Unauthorized"
    denied = errors[0]["message"].removeprefix("Unauthorized on [").removesuffix("]").split(", ")
    assert sorted(denied) == sorted(fields)
    assert "Item" not in ddb.get_item(TableName="Scan-test", Key={"id": {"S": scan["id"]}})


async def test_status_starts_pending_and_an_explicit_null_counts_as_absent(alice, ddb):
    scan = await create(alice, status=None)
    assert scan["status"] == "PENDING"
    stored = ddb.get_item(TableName="Scan-test", Key={"id": {"S": scan["id"]}})["Item"]
    assert stored["status"] == {"S": "PENDING"}


async def test_owner_may_name_themself_but_nobody_else(alice, cognito):
    mine = await create(alice, owner=cognito.sub("alice"))
    assert mine["owner"] == cognito.sub("alice")
    data, errors = await alice.call(CREATE, input=new_scan(owner="bob"))
    assert data == {"createScan": None}
    assert errors[0]["errorType"] == "Unauthorized"
    assert errors[0]["message"] == "Not Authorized to access createScan on type Mutation"
    assert errors[0]["path"] == ["createScan"]


async def test_owner_cannot_write_the_admin_only_field(alice):
    data, errors = await alice.call(CREATE, input=new_scan(debug=json.dumps({"x": 1})))
    assert data == {"createScan": None}
    assert errors[0]["errorType"] == "Unauthorized"
    assert errors[0]["message"] == "Unauthorized on [debug]"


async def test_owner_reads_own_scan_and_lists_only_own(alice, bob):
    mine = await create(alice)
    theirs = await create(bob)
    got = (await alice.ok(GET, id=mine["id"]))["getScan"]
    assert got == mine
    alice_ids = {i["id"] for i in (await alice.ok(LIST, limit=1000))["listScans"]["items"]}
    bob_ids = {i["id"] for i in (await bob.ok(LIST, limit=1000))["listScans"]["items"]}
    assert mine["id"] in alice_ids and theirs["id"] not in alice_ids
    assert theirs["id"] in bob_ids and mine["id"] not in bob_ids


async def test_other_user_gets_unauthorized_for_someone_elses_scan(alice, bob):
    mine = await create(alice)
    data, errors = await bob.call(GET, id=mine["id"])
    assert data == {"getScan": None}
    assert [(e["errorType"], e["message"], e["path"]) for e in errors] == [
        ("Unauthorized", "Not Authorized to access getScan on type Query", ["getScan"])
    ]


async def test_get_of_a_missing_id_is_null_without_error(alice):
    assert await alice.ok(GET, id="does-not-exist") == {"getScan": None}


async def test_owner_cannot_update_the_verdict(alice, bob):
    mine = await create(alice)
    data, errors = await alice.call(UPDATE, input={"id": mine["id"], "status": "DONE", "isCat": True})
    assert data == {"updateScan": None}
    assert errors[0]["errorType"] == "Unauthorized"
    # No rule grants update: every user is refused the whole mutation, as after
    # amplify/data/updates-need-an-update-rule.ts (even with the id alone, which bumped updatedAt).
    assert errors[0]["message"] == "Not Authorized to access updateScan on type Mutation"
    for caller in (alice, bob):
        data, errors = await caller.call(UPDATE, input={"id": mine["id"]})
        assert data == {"updateScan": None}
        assert errors[0]["message"] == "Not Authorized to access updateScan on type Mutation"


async def test_scanner_updates_and_field_auth_fields_are_null_in_the_mutation_response(alice, scanner, carol):
    mine = await create(alice)
    debug = {"labels": [{"Name": "Cat", "Confidence": 97.5}], "threshold": 30, "modelVersion": "lite0"}
    res = await scanner.ok(
        UPDATE,
        input={
            "id": mine["id"],
            "status": "DONE",
            "isCat": True,
            "confidence": 97.5,
            "debug": json.dumps(debug),
            "catBoxes": [{"left": 0.1, "top": 0.2, "width": 0.5, "height": 0.4, "confidence": 97.5}],
        },
    )
    scan = res["updateScan"]
    assert scan["debug"] is None  # AppSync: field-level-auth fields are null in every mutation response
    assert scan["owner"] == "alice" and scan["status"] == "DONE" and scan["isCat"] is True
    assert scan["catBoxes"] == [{"left": 0.1, "top": 0.2, "width": 0.5, "height": 0.4, "confidence": 97.5}]
    assert ISO_MS.match(scan["updatedAt"])
    # the Admin reads debug with getScan; the owner gets null and an Unauthorized error for that field
    admin_view = (await carol.ok(GET_DEBUG, id=mine["id"]))["getScan"]
    assert json.loads(admin_view["debug"]) == debug
    data, errors = await alice.call(GET_DEBUG, id=mine["id"])
    assert data == {"getScan": {"id": mine["id"], "owner": "alice", "status": "DONE", "debug": None}}
    assert [(e["errorType"], e["message"], e["path"]) for e in errors] == [
        ("Unauthorized", "Not Authorized to access debug on type Scan", ["getScan", "debug"])
    ]
    # the scanner (IAM) reads everything, debug included
    assert json.loads((await scanner.ok(GET_DEBUG, id=mine["id"]))["getScan"]["debug"]) == debug


async def test_admin_lists_everyones_scans_but_cannot_update_them(alice, bob, carol):
    a, b = await create(alice), await create(bob)
    ids = {i["id"] for i in (await carol.ok(LIST, limit=1000))["listScans"]["items"]}
    assert {a["id"], b["id"]} <= ids
    assert (await carol.ok(GET, id=b["id"]))["getScan"]["owner"] == "bob"
    _data, errors = await carol.call(UPDATE, input={"id": a["id"], "status": "DONE"})
    assert errors[0]["message"] == "Not Authorized to access updateScan on type Mutation"
    # the owner rule covers every signed-in user: an Admin creates (and owns) their own scans
    assert (await create(carol))["owner"] == "carol"


async def test_list_filters_and_pagination(alice, scanner):
    made = [await create(alice, fileName=f"page-{i}.png") for i in range(5)]
    await scanner.ok(UPDATE, input={"id": made[0]["id"], "status": "REJECTED", "reason": "too small"})
    flt = {"fileName": {"beginsWith": "page-"}, "status": {"eq": "REJECTED"}}
    found = [
        i
        for i in (await alice.ok(LIST, filter=flt, limit=1000))["listScans"]["items"]
        if i["id"] in {m["id"] for m in made}
    ]
    assert [i["id"] for i in found] == [made[0]["id"]]
    seen, token, pages = [], None, 0
    while True:
        page = (await scanner.ok(LIST, limit=2, nextToken=token))["listScans"]
        seen += [i["id"] for i in page["items"]]
        pages += 1
        token = page["nextToken"]
        if not token:
            break
    assert {m["id"] for m in made} <= set(seen) and pages > 1 and len(seen) == len(set(seen))


async def test_conditional_update_failure(alice, scanner):
    mine = await create(alice)
    data, errors = await scanner.call(
        UPDATE, input={"id": mine["id"], "status": "DONE"}, condition={"status": {"eq": "PROCESSING"}}
    )
    assert data == {"updateScan": None}
    assert errors[0]["errorType"] == "DynamoDB:ConditionalCheckFailedException"
    assert errors[0]["message"].startswith("The conditional request failed")
    ok = await scanner.ok(
        UPDATE, input={"id": mine["id"], "status": "PROCESSING"}, condition={"status": {"eq": "PENDING"}}
    )
    assert ok["updateScan"]["status"] == "PROCESSING"
    data, errors = await scanner.call(UPDATE, input={"id": "no-such-scan", "status": "DONE"})
    assert errors[0]["errorType"] == "DynamoDB:ConditionalCheckFailedException"


async def test_create_with_an_existing_id_fails_the_condition(alice):
    mine = await create(alice)
    _data, errors = await alice.call(CREATE, input=new_scan(id=mine["id"]))
    assert errors[0]["errorType"] == "DynamoDB:ConditionalCheckFailedException"


async def test_awsjson_must_be_valid_json(alice, scanner):
    mine = await create(alice)
    data, errors = await scanner.call(UPDATE, input={"id": mine["id"], "debug": "{not json"})
    assert data is None and errors and "JSON" in errors[0]["message"]


async def test_update_with_null_removes_the_attribute(alice, scanner, ddb):
    mine = await create(alice)
    await scanner.ok(UPDATE, input={"id": mine["id"], "reason": "temporary"})
    await scanner.ok(UPDATE, input={"id": mine["id"], "reason": None})
    assert "reason" not in ddb.get_item(TableName="Scan-test", Key={"id": {"S": mine["id"]}})["Item"]


async def test_owner_delete_follows_the_field_level_delete_rule(alice, bob, emulator):
    """Amplify lets only roles with `delete` on *every* field delete. schema.graphql's `debug` rule grants
    only Admin read, so (like AppSync) the owner may delete only if that rule also grants owner delete."""
    from catscan.local.appsync.schema_model import load_api_model
    from tests.local.appsync.appsync_testkit import SCHEMA

    model = load_api_model(SCHEMA).models["Scan"]
    owner_may_delete = any(r.strategy == "owner" for r in model.roles_for("delete", on_all_fields=True))
    mine = await create(alice)
    data, errors = await bob.call(DELETE, input={"id": mine["id"]})
    assert errors[0]["message"] == "Not Authorized to access deleteScan on type Mutation"
    data, errors = await alice.call(DELETE, input={"id": mine["id"]})
    if owner_may_delete:
        assert not errors and data["deleteScan"]["id"] == mine["id"]
    else:
        assert data == {"deleteScan": None}
        assert errors[0]["message"] == "Not Authorized to access deleteScan on type Mutation"


async def test_scanner_deletes(alice, scanner):
    mine = await create(alice)
    deleted = (await scanner.ok(DELETE, input={"id": mine["id"]}))["deleteScan"]
    assert deleted == {"id": mine["id"], "owner": "alice", "status": "PENDING"}
    assert await alice.ok(GET, id=mine["id"]) == {"getScan": None}


async def test_validation_errors_have_no_data(alice):
    data, errors = await alice.call('query { getScan(id: "x") { nope } }')
    assert data is None and "nope" in errors[0]["message"]

"""@index: the generated query fields, GSIs in the local DynamoDB and their auth, over HTTP with gql.

The expectations follow the resolvers Amplify generates for schema.graphql's indexes (`bash scripts/synth.sh`,
then the scansByOwner / scansByStatus functions in cdk.out): an owner-auth query on an index whose partition
key is the owner field is authorized only for the caller's own owner value (anything else is Unauthorized,
not an empty page) and is not filtered; on another index owners get the list auth filter.
"""

from __future__ import annotations

import asyncio

import graphql
import pytest

from catscan.local.appsync import run_in_thread
from catscan.local.appsync.indexes import IndexSchemaError
from catscan.local.appsync.schema_model import build_api_model, load_api_model
from catscan.local.appsync.server import ENGINE
from tests.local.appsync.appsync_testkit import (
    CREATE,
    SCAN_FIELDS,
    SCHEMA,
    UPDATE,
    Api,
    Cognito,
    make_config,
    new_scan,
)

BY_OWNER = f"""query ByOwner($owner: String!, $createdAt: ModelStringKeyConditionInput,
  $sortDirection: ModelSortDirection, $filter: ModelScanFilterInput, $limit: Int, $nextToken: String) {{
  scansByOwner(owner: $owner, createdAt: $createdAt, sortDirection: $sortDirection, filter: $filter,
               limit: $limit, nextToken: $nextToken) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"""
BY_STATUS = f"""query ByStatus($status: ScanStatus!, $updatedAt: ModelStringKeyConditionInput,
  $sortDirection: ModelSortDirection, $filter: ModelScanFilterInput, $limit: Int, $nextToken: String) {{
  scansByStatus(status: $status, updatedAt: $updatedAt, sortDirection: $sortDirection, filter: $filter,
                limit: $limit, nextToken: $nextToken) {{ items {{ {SCAN_FIELDS} }} nextToken }} }}"""


@pytest.fixture(scope="module")
def indexed(cognito: Cognito, clock, ddb):
    """An emulator on a table of its own, so the pages below hold only this module's scans."""
    running = run_in_thread(make_config(cognito, clock, table_suffix="indexes"))
    calls: list[str] = []
    store = running.app[ENGINE].store
    store.items.observe(calls.append)
    running.calls = calls
    yield running
    running.stop()


@pytest.fixture(scope="module")
def owners(cognito: Cognito) -> dict[str, str]:
    """Stored owner values (<sub>::<username>), the partition keys of byOwner."""
    return {u: f"{cognito.sub(u)}::{u}" for u in ("alice", "bob", "carol")}


def api_for(emulator, cognito: Cognito, user: str | None) -> Api:
    return Api(emulator) if user is None else Api(emulator, token=cognito.id_token(user))


@pytest.fixture(scope="module")
def seeded(indexed, cognito, clock):
    """alice: 3 scans a second apart; bob: 1; the scanner finishes alice's second one."""
    alice, bob, scanner = (api_for(indexed, cognito, u) for u in ("alice", "bob", None))
    made: dict[str, list[dict]] = {"alice": [], "bob": []}

    async def seed() -> None:
        for user, api, n in (("alice", alice, 3), ("bob", bob, 1)):
            for i in range(n):
                clock.offset += 1
                made[user].append(
                    (await api.ok(CREATE, input=new_scan(fileName=f"{user}-{i}.jpg")))["createScan"]
                )
        clock.offset += 1
        await scanner.ok(UPDATE, input={"id": made["alice"][1]["id"], "status": "DONE", "isCat": True})

    asyncio.run(seed())
    clock.offset = 0.0
    return made


def ids(data: dict, field: str) -> list[str]:
    return [i["id"] for i in data[field]["items"]]


# ---------------------------------------------------------------------------------------------------------
# schema


def test_generated_query_fields_are_the_transformers():
    schema = graphql.build_schema(load_api_model(SCHEMA).sdl)
    q = schema.query_type.fields
    args = {
        name: {k: str(v.type) for k, v in q[name].args.items()} for name in ("scansByOwner", "scansByStatus")
    }
    # as in the schema Amplify synthesizes from schema.graphql (cdk.out/*.graphql)
    assert args["scansByOwner"] == {
        "owner": "String!",
        "createdAt": "ModelStringKeyConditionInput",
        "sortDirection": "ModelSortDirection",
        "filter": "ModelScanFilterInput",
        "limit": "Int",
        "nextToken": "String",
    }
    assert args["scansByStatus"] == {
        "status": "ScanStatus!",
        "updatedAt": "ModelStringKeyConditionInput",
        "sortDirection": "ModelSortDirection",
        "filter": "ModelScanFilterInput",
        "limit": "Int",
        "nextToken": "String",
    }
    assert str(q["scansByOwner"].type) == "ModelScanConnection"
    assert set(schema.type_map["ModelStringKeyConditionInput"].fields) == {
        "eq",
        "le",
        "lt",
        "ge",
        "gt",
        "between",
        "beginsWith",
    }


def test_defaults_and_other_key_types():
    api = build_api_model("""
      type Post @model @auth(rules: [{ allow: owner }]) {
        title: String @index
        rank: Int @index(name: "byRank", queryField: null)
        blog: ID! @index(sortKeyFields: ["rank"])
      }""")
    post = api.models["Post"]
    assert [(i.name, i.query_field, i.sort_keys) for i in post.indexes] == [
        ("postsByTitle", "postsByTitle", ()),
        ("byRank", None, ()),
        ("postsByBlogAndRank", "postsByBlogAndRank", ("rank",)),
    ]
    q = graphql.build_schema(api.sdl).query_type.fields
    assert "byRank" not in q and "postsByTitle" in q
    assert str(q["postsByBlogAndRank"].args["rank"].type) == "ModelIntKeyConditionInput"
    assert "title" in q["postsByTitle"].args and "rank" not in q["postsByTitle"].args


@pytest.mark.parametrize(
    "sdl, message",
    [
        ('type T @model { a: String @index(sortKeyFields: ["nope"]) }', "Can't find field 'nope' in T"),
        (
            'type T @model { a: String @index(sortKeyFields: ["b", "c"]) b: String c: String }',
            "composite sort keys",
        ),
        ("type T @model { a: [String] @index }", "cannot be a non-scalar"),
        (
            'type T @model { a: String @index(name: "x") b: String @index(name: "x") }',
            "only supply one @index",
        ),
    ],
)
def test_refused_indexes(sdl, message):
    with pytest.raises(IndexSchemaError, match=message):
        build_api_model(sdl)


@pytest.mark.asyncio
async def test_tables_get_their_gsis_also_when_they_existed_before(indexed, cognito, clock, ddb):
    gsis = ddb.describe_table(TableName="Scan-indexes")["Table"]["GlobalSecondaryIndexes"]
    assert {g["IndexName"]: [k["AttributeName"] for k in g["KeySchema"]] for g in gsis} == {
        "byOwner": ["owner", "createdAt"],
        "byStatus": ["status", "updatedAt"],
        "byOwnerEmail": ["ownerEmail", "createdAt"],
    }
    # a table kept from before the indexes were declared (state survives restarts) gets them on start
    ddb.create_table(
        TableName="Scan-oldstate",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    old = run_in_thread(make_config(cognito, clock, table_suffix="oldstate"))
    try:
        names = {
            g["IndexName"]
            for g in ddb.describe_table(TableName="Scan-oldstate")["Table"]["GlobalSecondaryIndexes"]
        }
        assert names == {"byOwner", "byStatus", "byOwnerEmail"}
    finally:
        old.stop()


# ---------------------------------------------------------------------------------------------------------
# scansByOwner


@pytest.mark.asyncio
async def test_owner_pages_through_own_scans_newest_first_with_a_query(indexed, cognito, seeded, owners):
    alice = api_for(indexed, cognito, "alice")
    newest_first = [s["id"] for s in reversed(seeded["alice"])]
    indexed.calls.clear()
    first = await alice.ok(BY_OWNER, owner=owners["alice"], sortDirection="DESC", limit=2)
    assert ids(first, "scansByOwner") == newest_first[:2]
    assert first["scansByOwner"]["items"][0]["owner"] == "alice"  # read through the owner field resolver
    second = await alice.ok(
        BY_OWNER,
        owner=owners["alice"],
        sortDirection="DESC",
        limit=2,
        nextToken=first["scansByOwner"]["nextToken"],
    )
    assert ids(second, "scansByOwner") == newest_first[2:]
    assert indexed.calls == ["Query", "Query"]  # a DynamoDB Query on the GSI each, never a Scan
    oldest_first = await alice.ok(BY_OWNER, owner=owners["alice"])
    assert ids(oldest_first, "scansByOwner") == newest_first[::-1]


@pytest.mark.asyncio
async def test_sort_key_conditions_and_filter(indexed, cognito, seeded, owners):
    alice = api_for(indexed, cognito, "alice")
    created = [s["createdAt"] for s in seeded["alice"]]
    after_first = await alice.ok(BY_OWNER, owner=owners["alice"], createdAt={"gt": created[0]})
    assert ids(after_first, "scansByOwner") == [s["id"] for s in seeded["alice"][1:]]
    between = await alice.ok(BY_OWNER, owner=owners["alice"], createdAt={"between": [created[1], created[2]]})
    assert ids(between, "scansByOwner") == [s["id"] for s in seeded["alice"][1:]]
    prefix = await alice.ok(BY_OWNER, owner=owners["alice"], createdAt={"beginsWith": created[0][:4]})
    assert len(ids(prefix, "scansByOwner")) == 3
    done = await alice.ok(BY_OWNER, owner=owners["alice"], filter={"status": {"eq": "DONE"}})
    assert ids(done, "scansByOwner") == [seeded["alice"][1]["id"]]


@pytest.mark.asyncio
async def test_another_users_owner_value_is_not_authorized(indexed, cognito, seeded, owners):
    bob = api_for(indexed, cognito, "bob")
    for value in (owners["alice"], cognito.sub("alice"), "alice"):
        data, errors = await bob.call(BY_OWNER, owner=value)
        assert data == {"scansByOwner": None}
        assert errors[0]["errorType"] == "Unauthorized"
        assert errors[0]["message"] == "Not Authorized to access scansByOwner on type Query"


@pytest.mark.asyncio
async def test_own_claims_are_accepted_but_only_the_stored_value_finds_scans(
    indexed, cognito, seeded, owners
):
    """As generated: `<sub>` and `<username>` pass the auth check, but the Query compares the stored
    `<sub>::<username>`, so they find nothing."""
    alice = api_for(indexed, cognito, "alice")
    for value in (cognito.sub("alice"), "alice"):
        data = await alice.ok(BY_OWNER, owner=value)
        assert data["scansByOwner"]["items"] == []


@pytest.mark.asyncio
async def test_admin_and_the_scanner_read_any_owners_scans(indexed, cognito, seeded, owners):
    for user in ("carol", None):
        api = api_for(indexed, cognito, user)
        data = await api.ok(BY_OWNER, owner=owners["alice"], sortDirection="DESC")
        assert ids(data, "scansByOwner") == [s["id"] for s in reversed(seeded["alice"])]
        data = await api.ok(BY_OWNER, owner=owners["bob"])
        assert ids(data, "scansByOwner") == [seeded["bob"][0]["id"]]


# ---------------------------------------------------------------------------------------------------------
# scansByStatus


@pytest.mark.asyncio
async def test_status_index_filters_owners_and_not_admins(indexed, cognito, seeded):
    pending_alice = [seeded["alice"][0]["id"], seeded["alice"][2]["id"]]
    alice, bob, carol, scanner = (api_for(indexed, cognito, u) for u in ("alice", "bob", "carol", None))
    indexed.calls.clear()
    mine = await alice.ok(BY_STATUS, status="PENDING", sortDirection="DESC")
    assert ids(mine, "scansByStatus") == pending_alice[::-1]  # the auth filter keeps only alice's
    assert indexed.calls == ["Query"]
    assert ids(await bob.ok(BY_STATUS, status="PENDING"), "scansByStatus") == [seeded["bob"][0]["id"]]
    assert ids(await bob.ok(BY_STATUS, status="DONE"), "scansByStatus") == []
    everyone = [seeded["alice"][0]["id"], seeded["alice"][2]["id"], seeded["bob"][0]["id"]]
    for api in (carol, scanner):
        assert ids(await api.ok(BY_STATUS, status="PENDING"), "scansByStatus") == everyone
        assert ids(await api.ok(BY_STATUS, status="DONE"), "scansByStatus") == [seeded["alice"][1]["id"]]


@pytest.mark.asyncio
async def test_a_filtered_page_may_be_short_while_more_follow(indexed, cognito, seeded):
    """The auth filter applies after `limit` items were read (a DynamoDB FilterExpression): bob's first page
    of PENDING scans, oldest first, holds alice's and so nothing, with a nextToken."""
    bob = api_for(indexed, cognito, "bob")
    items, token, pages = [], None, 0
    while True:
        page = (await bob.ok(BY_STATUS, status="PENDING", limit=1, nextToken=token))["scansByStatus"]
        pages += 1
        items += [i["id"] for i in page["items"]]
        token = page["nextToken"]
        if token is None:
            break
    assert items == [seeded["bob"][0]["id"]] and pages >= 3


@pytest.mark.asyncio
async def test_stale_scans_by_status_and_time_for_the_scanner(indexed, cognito, seeded):
    """The sweep of issue 9: PENDING scans not updated since a time, as the scanner's IAM principal."""
    scanner = api_for(indexed, cognito, None)
    cutoff = seeded["alice"][2]["updatedAt"]
    stale = await scanner.ok(BY_STATUS, status="PENDING", updatedAt={"lt": cutoff})
    assert ids(stale, "scansByStatus") == [seeded["alice"][0]["id"]]


@pytest.mark.asyncio
async def test_bad_arguments(indexed, cognito, seeded, owners):
    alice = api_for(indexed, cognito, "alice")
    data, errors = await alice.call(BY_OWNER, owner=owners["alice"], nextToken="not-a-token")
    assert data == {"scansByOwner": None} and "Invalid nextToken" in errors[0]["message"]
    data, errors = await alice.call(BY_OWNER, owner=owners["alice"], createdAt={"gt": "a", "lt": "b"})
    assert data == {"scansByOwner": None} and errors[0]["errorType"] == "DynamoDB:ValidationException"
    data, errors = await alice.call(BY_STATUS, status="NOPE")
    assert data is None and "NOPE" in errors[0]["message"]

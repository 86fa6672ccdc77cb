"""The emulator follows the directives of the schema it is given: with schema.graphql's `debug` rule extended
by `{ allow: owner, operations: [delete] }` the owner may delete (and still not read `debug`)."""
from __future__ import annotations

import pytest

from appsync_testkit import CREATE, DELETE, GET_DEBUG, SCHEMA, Api, make_config, new_scan, tap
from catscan.local.appsync import run_in_thread

pytestmark = pytest.mark.asyncio

ADMIN_READ = '@auth(rules: [{ allow: groups, groups: ["Admin"], operations: [read] }])'
WITH_OWNER_DELETE = ('@auth(rules: [{ allow: groups, groups: ["Admin"], operations: [read] }, '
                     '{ allow: owner, operations: [delete] }])')


@pytest.fixture(scope="module")
def variant(cognito, clock, tmp_path_factory):
    text = SCHEMA.read_text()
    assert ADMIN_READ in text, "schema.graphql's debug rule changed; update this test"
    path = tmp_path_factory.mktemp("schema") / "schema.graphql"
    path.write_text(text.replace(ADMIN_READ, WITH_OWNER_DELETE))
    running = run_in_thread(make_config(cognito, clock, schema=path, table_suffix="variant"))
    yield running
    running.stop()


async def test_owner_deletes_own_scan_when_the_field_rule_allows_it(variant, cognito):
    alice = Api(variant, token=cognito.id_token("alice"))
    bob = Api(variant, token=cognito.id_token("bob"))
    scan = (await alice.ok(CREATE, input=new_scan()))["createScan"]
    data, errors = await bob.call(DELETE, input={"id": scan["id"]})
    assert errors[0]["message"] == "Not Authorized to access deleteScan on type Mutation"
    async with tap(variant, "subscription { onDeleteScan { id owner } }", token=cognito.access_token("alice")) as sub:
        deleted = (await alice.ok(DELETE, input={"id": scan["id"]}))["deleteScan"]
        assert deleted == {"id": scan["id"], "owner": "alice", "status": "PENDING"}
        assert await sub.next() == {"onDeleteScan": {"id": scan["id"], "owner": "alice"}}
    assert await alice.ok(GET_DEBUG, id=scan["id"]) == {"getScan": None}
    data, errors = await alice.call(DELETE, input={"id": scan["id"]})
    assert errors[0]["message"] == "Not Authorized to access deleteScan on type Mutation"  # nothing left to own

"""Subscriptions over the AppSync realtime protocol: gql's AppSyncWebsocketsTransport (JWT and IAM) and a raw
`websockets` client speaking it the way Amplify JS v6 does (header-<base64url> subprotocol)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from gql.transport.exceptions import TransportQueryError, TransportServerError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from catscan.local.appsync import run_in_thread
from tests.local.appsync.appsync_testkit import (
    CREATE,
    DELETE,
    ON_UPDATE,
    REGION,
    UPDATE,
    make_config,
    new_scan,
    scanner_credentials,
    tap,
)
from tests.support.forged_tokens import signed_by_another_key

pytestmark = pytest.mark.asyncio

# a scanner-style mutation that selects owner but not `reason`/`fileName`
UPDATE_VERDICT = (
    """mutation U($input: UpdateScanInput!) { updateScan(input: $input) { id owner status isCat } }"""
)
UPDATE_NO_OWNER = """mutation U($input: UpdateScanInput!) { updateScan(input: $input) { id status } }"""
ON_CREATE = "subscription { onCreateScan { id owner status fileName } }"
ON_DELETE = "subscription { onDeleteScan { id owner status } }"


async def create(api, **fields):
    return (await api.ok(CREATE, input=new_scan(**fields)))["createScan"]


async def test_owner_receives_only_the_fields_the_mutation_selected(emulator, cognito, alice, scanner):
    scan = await create(alice)
    await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "reason": "set before"})
    async with tap(emulator, ON_UPDATE, token=cognito.access_token("alice")) as sub:
        assert sub.error is None
        await scanner.ok(
            UPDATE_VERDICT,
            input={
                "id": scan["id"],
                "status": "DONE",
                "isCat": True,
                "reason": "a cat",
                "debug": json.dumps({"p": 0.9}),
            },
        )
        event = await sub.next()
    assert event == {
        "onUpdateScan": {
            "id": scan["id"],
            "owner": "alice",
            "status": "DONE",
            "isCat": True,
            "reason": None,
            "confidence": None,
            "debug": None,
        }
    }


async def test_debug_is_null_in_subscriptions_even_when_the_mutation_selected_it(
    emulator, cognito, alice, scanner
):
    scan = await create(alice)
    async with tap(emulator, ON_UPDATE, token=cognito.id_token("carol")) as admin:
        await scanner.ok(UPDATE, input={"id": scan["id"], "status": "DONE", "debug": json.dumps({"p": 1})})
        event = (await admin.next())["onUpdateScan"]
    assert event["id"] == scan["id"] and event["debug"] is None and event["owner"] == "alice"


async def test_other_users_see_nothing_and_admin_sees_everything(emulator, cognito, alice, bob, scanner):
    a, b = await create(alice), await create(bob)
    async with (
        tap(emulator, ON_UPDATE, token=cognito.access_token("bob")) as bobs,
        tap(emulator, ON_UPDATE, token=cognito.id_token("carol")) as admin,
    ):
        await scanner.ok(UPDATE_VERDICT, input={"id": a["id"], "status": "PROCESSING"})
        assert (await admin.next())["onUpdateScan"]["id"] == a["id"]
        await bobs.nothing(within=0.5)
        await scanner.ok(UPDATE_VERDICT, input={"id": b["id"], "status": "PROCESSING"})
        assert (await bobs.next())["onUpdateScan"]["id"] == b["id"]
        assert (await admin.next())["onUpdateScan"]["id"] == b["id"]


async def test_owner_filtering_needs_owner_in_the_mutation_selection(emulator, cognito, alice, scanner):
    scan = await create(alice)
    async with (
        tap(emulator, ON_UPDATE, token=cognito.access_token("alice")) as owner,
        tap(emulator, ON_UPDATE, token=cognito.id_token("carol")) as admin,
    ):
        await scanner.ok(UPDATE_NO_OWNER, input={"id": scan["id"], "status": "PROCESSING"})
        event = (await admin.next())["onUpdateScan"]
        assert event["id"] == scan["id"] and event["owner"] is None
        await owner.nothing(within=0.5)


async def test_iam_subscription_receives_everything(emulator, alice, bob, scanner):
    a = await create(alice)
    async with tap(emulator, ON_UPDATE) as iam:
        assert iam.error is None
        await scanner.ok(UPDATE_VERDICT, input={"id": a["id"], "status": "FAILED"})
        assert (await iam.next())["onUpdateScan"]["status"] == "FAILED"


async def test_filter_argument(emulator, cognito, alice, scanner):
    scan = await create(alice)
    async with tap(
        emulator,
        ON_UPDATE,
        token=cognito.access_token("alice"),
        filter={"status": {"in": ["DONE", "REJECTED"]}},
    ) as sub:
        await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": "PROCESSING"})
        await sub.nothing(within=0.3)
        await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": "DONE", "isCat": False})
        assert (await sub.next())["onUpdateScan"]["status"] == "DONE"


async def test_filter_by_owner(emulator, cognito, alice, bob, scanner):
    """`filter: {owner: ...}` is accepted (ModelSubscription<T>FilterInput has the owner field, as on AppSync)."""
    mine, theirs = await create(alice), await create(bob)
    async with tap(
        emulator, ON_UPDATE, token=cognito.id_token("carol"), filter={"owner": {"eq": "alice"}}
    ) as sub:
        assert sub.error is None
        await scanner.ok(UPDATE_VERDICT, input={"id": theirs["id"], "status": "DONE"})
        await scanner.ok(UPDATE_VERDICT, input={"id": mine["id"], "status": "DONE"})
        event = (await sub.next())["onUpdateScan"]
        assert (event["id"], event["owner"]) == (mine["id"], "alice")
        await sub.nothing(within=0.3)


async def test_owner_argument_must_be_the_callers(emulator, cognito, alice, scanner):
    async with tap(emulator, ON_UPDATE, token=cognito.access_token("alice"), owner="bob") as denied:
        await asyncio.sleep(0.2)
        assert isinstance(denied.error, TransportQueryError)
        # gql hands over the whole `error` payload: {"errors": [...]}
        assert denied.error.errors[0] == {
            "errors": [
                {
                    "errorType": "Unauthorized",
                    "message": "Not Authorized to access onUpdateScan on type Subscription",
                }
            ]
        }
    scan = await create(alice)
    async with tap(emulator, ON_UPDATE, token=cognito.access_token("alice"), owner="alice") as sub:
        assert sub.error is None
        await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": "DONE"})
        assert (await sub.next())["onUpdateScan"]["owner"] == "alice"


async def test_on_create_and_on_delete(emulator, cognito, alice, bob, scanner):
    async with (
        tap(emulator, ON_CREATE, token=cognito.id_token("alice")) as created,
        tap(emulator, ON_DELETE, token=cognito.id_token("alice")) as deleted,
    ):
        await create(bob)
        scan = await create(alice, fileName="new.png")
        assert (await created.next())["onCreateScan"] == {
            "id": scan["id"],
            "owner": "alice",
            "status": "PENDING",
            "fileName": "new.png",
        }
        await created.nothing(within=0.2)
        await scanner.ok(DELETE, input={"id": scan["id"]})
        assert (await deleted.next())["onDeleteScan"] == {
            "id": scan["id"],
            "owner": "alice",
            "status": "PENDING",
        }


async def test_forged_and_expired_tokens_are_refused_at_connection(emulator, cognito, clock):
    forged = signed_by_another_key(cognito.id_token("alice"), kid="dummy")
    async with tap(emulator, ON_UPDATE, token=forged) as sub:
        await asyncio.sleep(0.1)
        assert isinstance(sub.error, TransportServerError)
        assert "UnauthorizedException" in str(sub.error)
    clock.offset = 2 * 3600
    async with tap(emulator, ON_UPDATE, token=cognito.access_token("alice")) as sub:
        await asyncio.sleep(0.1)
        assert isinstance(sub.error, TransportServerError) and "Token has expired." in str(sub.error)


async def test_wrong_iam_secret_is_refused(emulator):
    async with tap(emulator, ON_UPDATE, credentials=scanner_credentials(secret="wrong")) as sub:
        await asyncio.sleep(0.1)
        assert isinstance(sub.error, TransportServerError)
        assert "InvalidSignatureException" in str(sub.error)


# ---------------------------------------------------------------------------------------------------------
# the wire protocol as Amplify JS v6 speaks it


def _b64url(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


async def _recv(ws, *, skip_ka: bool = True, timeout: float = 5.0) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if not (skip_ka and message["type"] == "ka"):
            return message


async def test_amplify_js_style_header_subprotocol(emulator, cognito, alice, scanner):
    token = cognito.access_token("alice")  # Amplify JS sends the access token for userPool subscriptions
    header = {"Authorization": token, "host": emulator.host_header}
    scan = await create(alice)
    async with connect(emulator.realtime_url, subprotocols=["graphql-ws", f"header-{_b64url(header)}"]) as ws:
        assert ws.subprotocol == "graphql-ws"
        await ws.send(json.dumps({"type": "connection_init"}))
        assert await _recv(ws) == {"type": "connection_ack", "payload": {"connectionTimeoutMs": 300000}}
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "ka"}
        data = json.dumps({"query": ON_UPDATE, "variables": {}})
        await ws.send(
            json.dumps(
                {
                    "id": "4ff6-sub",
                    "type": "start",
                    "payload": {
                        "data": data,
                        "extensions": {
                            "authorization": {
                                **header,
                                "x-amz-user-agent": "aws-amplify/6.22.1 api/1 framework/1",
                            }
                        },
                    },
                }
            )
        )
        assert await _recv(ws) == {"type": "start_ack", "id": "4ff6-sub"}
        await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": "DONE", "isCat": True})
        message = await _recv(ws)
        assert message == {
            "id": "4ff6-sub",
            "type": "data",
            "payload": {
                "data": {
                    "onUpdateScan": {
                        "id": scan["id"],
                        "owner": "alice",
                        "status": "DONE",
                        "isCat": True,
                        "reason": None,
                        "confidence": None,
                        "debug": None,
                    }
                }
            },
        }
        await ws.send(json.dumps({"type": "stop", "id": "4ff6-sub"}))
        assert await _recv(ws) == {"type": "complete", "id": "4ff6-sub"}
        await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": "FAILED"})
        with pytest.raises(asyncio.TimeoutError):
            await _recv(ws, timeout=0.3)


async def test_raw_protocol_errors(emulator, cognito):
    header = {"Authorization": cognito.id_token("bob"), "host": emulator.host_header}
    async with connect(emulator.realtime_url, subprotocols=["graphql-ws", f"header-{_b64url(header)}"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert (await _recv(ws))["type"] == "connection_ack"
        query = json.dumps({"query": "query { listScans { items { id } } }", "variables": {}})
        await ws.send(
            json.dumps(
                {
                    "id": "q",
                    "type": "start",
                    "payload": {"data": query, "extensions": {"authorization": header}},
                }
            )
        )
        assert await _recv(ws) == {
            "type": "error",
            "id": "q",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "query not supported through the realtime channel",
                    }
                ]
            },
        }
        sub = json.dumps({"query": ON_UPDATE, "variables": {}})
        await ws.send(json.dumps({"id": "noauth", "type": "start", "payload": {"data": sub}}))
        error = await _recv(ws)
        assert (
            error["type"] == "error" and error["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
        )
        # IAM on a start: SigV4 over the data string POSTed to /graphql, here with the wrong secret
        request = AWSRequest(
            method="POST",
            url=f"https://{emulator.host_header}/graphql",
            data=sub,
            headers={
                "accept": "application/json, text/javascript",
                "content-encoding": "amz-1.0",
                "content-type": "application/json; charset=UTF-8",
            },
        )
        SigV4Auth(scanner_credentials(secret="nope"), "appsync", REGION).add_auth(request)
        await ws.send(
            json.dumps(
                {
                    "id": "iam",
                    "type": "start",
                    "payload": {
                        "data": sub,
                        "extensions": {
                            "authorization": {**dict(request.headers), "host": emulator.host_header}
                        },
                    },
                }
            )
        )
        error = await _recv(ws)
        assert (
            error["id"] == "iam" and error["payload"]["errors"][0]["errorType"] == "InvalidSignatureException"
        )
        SigV4Auth(scanner_credentials(), "appsync", REGION).add_auth(request)
        await ws.send(
            json.dumps(
                {
                    "id": "iam2",
                    "type": "start",
                    "payload": {
                        "data": sub,
                        "extensions": {
                            "authorization": {**dict(request.headers), "host": emulator.host_header}
                        },
                    },
                }
            )
        )
        assert await _recv(ws) == {"type": "start_ack", "id": "iam2"}


async def test_connection_error_for_a_bad_handshake(emulator, cognito):
    header = {"Authorization": cognito.id_token("bob") + "x", "host": emulator.host_header}
    async with connect(emulator.realtime_url, subprotocols=["graphql-ws", f"header-{_b64url(header)}"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        message = await _recv(ws)
        assert message["type"] == "connection_error"
        assert message["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
        assert message["payload"]["errors"][0]["errorCode"] == 401


async def test_subscribe_to_event_latency(emulator, cognito, alice, scanner):
    """Mutation -> pushed event, measured end to end through real clients (sanity bound, not a benchmark)."""
    scan = await create(alice)
    async with tap(emulator, ON_UPDATE, token=cognito.access_token("alice")) as sub:
        took = []
        for status in ("PROCESSING", "DONE", "PROCESSING", "DONE", "PROCESSING"):
            start = time.perf_counter()
            await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": status})
            await sub.next()
            took.append(time.perf_counter() - start)
    assert sorted(took)[len(took) // 2] < 0.1


async def test_non_null_fields_the_mutation_did_not_select(emulator, cognito, alice, scanner):
    """The subscriber asks `fileName: String!`, the mutation did not select it: the payload has it null, so
    GraphQL null propagation nulls the root field and reports the error (AppSync does the same)."""
    header = {"Authorization": cognito.id_token("carol"), "host": emulator.host_header}
    scan = await create(alice)
    async with connect(emulator.realtime_url, subprotocols=["graphql-ws", f"header-{_b64url(header)}"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert (await _recv(ws))["type"] == "connection_ack"
        data = json.dumps({"query": "subscription { onUpdateScan { id fileName } }", "variables": {}})
        await ws.send(
            json.dumps(
                {
                    "id": "s",
                    "type": "start",
                    "payload": {"data": data, "extensions": {"authorization": header}},
                }
            )
        )
        assert (await _recv(ws))["type"] == "start_ack"
        await scanner.ok(UPDATE_VERDICT, input={"id": scan["id"], "status": "DONE"})
        message = await _recv(ws)
    assert message["payload"]["data"] == {"onUpdateScan": None}
    assert message["payload"]["errors"][0]["path"] == ["onUpdateScan", "fileName"]


async def test_a_shutdown_tells_open_connections_the_server_is_going_away(cognito, clock):
    """Stopping the emulator (Ctrl-C in `make dev`) closes its WebSockets with 1001 at once, instead of waiting
    for every client to hang up; the clients reconnect, as after AppSync closes a connection."""
    running = run_in_thread(make_config(cognito, clock, table_suffix="shutdown"))
    try:
        header = {"Authorization": cognito.id_token("bob"), "host": running.host_header}
        async with connect(
            running.realtime_url, subprotocols=["graphql-ws", f"header-{_b64url(header)}"]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert (await _recv(ws))["type"] == "connection_ack"
            await asyncio.to_thread(running.stop)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    finally:
        running.stop()

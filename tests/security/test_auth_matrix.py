"""Every API operation x every kind of caller, against the running local cloud, compared with what
AppSync (with the Amplify-generated resolvers) and S3 (with the Amplify storage policy) would do.

The observed table is printed and written to test-artifacts/auth-matrix.md; SECURITY.md holds it.
"""
from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.appsync_auth import AppSyncAuthentication, AppSyncIAMAuthentication, AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportQueryError

from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.seed import DEMO_USERS, add_user
from tests.security.identities import Caller, callers

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "auth-matrix.md"
FIELDS = "id owner status"
CREATE = f"mutation($i: CreateScanInput!) {{ createScan(input: $i) {{ {FIELDS} }} }}"
GET = f"query($id: ID!) {{ getScan(id: $id) {{ {FIELDS} }} }}"
LIST = f"query {{ listScans(limit: 1000) {{ items {{ {FIELDS} }} }} }}"
UPDATE = f"mutation($i: UpdateScanInput!) {{ updateScan(input: $i) {{ {FIELDS} }} }}"
DELETE = f"mutation($i: DeleteScanInput!) {{ deleteScan(input: $i) {{ {FIELDS} }} }}"
SUBSCRIPTIONS = {name: f"subscription {{ {name} {{ {FIELDS} }} }}" for name in ("onCreateScan", "onUpdateScan", "onDeleteScan")}

D, A = "denied", "allowed"
FORGED = ["anonymous", "unsigned JWT", "JWT, other key", "tampered claims", "expired JWT", "wrong SigV4"]
GRAPHQL_COLUMNS = ["getScan", "listScans", "createScan", "updateScan", "deleteScan", *SUBSCRIPTIONS]
# What AppSync does with this schema (owner create/read/delete, Admin read, IAM = the scanner).
EXPECTED: dict[str, list[str]] = {
    "owner": [A, "sees it", A, D, A, "receives", "receives", "receives"],
    "other user": [D, "hidden", A, D, D, "no event", "no event", "no event"],
    "Admin": [A, "sees it", A, D, D, "receives", "receives", "receives"],
    "scanner (IAM)": [A, "sees it", A, A, A, "receives", "receives", "receives"],
    **{name: [D] * 8 for name in FORGED},
}


class NoAuth(AppSyncAuthentication):
    def __init__(self, host: str) -> None:
        self._host = host

    def get_headers(self, data=None, headers=None) -> dict:
        return {"host": self._host}


def _auth(caller: Caller, url: str, region: str) -> AppSyncAuthentication:
    host = urlparse(url).netloc
    if caller.token is not None:
        return AppSyncJWTAuthentication(host=host, jwt=caller.token)
    if caller.credentials is not None:
        return AppSyncIAMAuthentication(host=host, region_name=region, credentials=caller.credentials)
    return NoAuth(host)


async def call(caller: Caller, outputs, query: str, **variables: Any) -> tuple[dict | None, list]:
    transport = AIOHTTPTransport(url=outputs.graphql_url, auth=_auth(caller, outputs.graphql_url, outputs.region),
                                 ssl_close_timeout=1)
    async with Client(transport=transport) as session:
        try:
            return await session.execute(GraphQLRequest(query, variable_values=variables or None)), []
        except TransportQueryError as exc:
            return exc.data, list(exc.errors or [{"message": str(exc)}])


def subscriptions_registered(outputs) -> int:
    url = outputs.graphql_url.replace("/graphql", "/health")
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())["subscriptions"]


class Listener:
    """One caller's subscription; `outcome` after the trigger: receives / no event / denied."""

    def __init__(self, caller: Caller, outputs, query: str) -> None:
        auth = _auth(caller, outputs.graphql_url, outputs.region)
        self.transport = AppSyncWebsocketsTransport(url=outputs.realtime_url, auth=auth, connect_timeout=5)
        self.query, self.ids, self.error = query, [], None
        self.task: asyncio.Task | None = None

    async def _run(self) -> None:
        try:
            async with Client(transport=self.transport) as session:
                async for result in session.subscribe(GraphQLRequest(self.query)):
                    self.ids.append(next(iter(result.values()))["id"])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a refused connection or start is the outcome
            self.error = exc

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    def outcome(self, target: str) -> str:
        if self.error is not None:
            return D
        return "receives" if target in self.ids else "no event"


async def subscription_column(all_callers, outputs, name: str, trigger) -> dict[str, str]:
    before = subscriptions_registered(outputs)
    listeners = {c.name: Listener(c, outputs, SUBSCRIPTIONS[name]) for c in all_callers}
    for listener in listeners.values():
        listener.start()
    allowed = sum(1 for row in EXPECTED.values() if row[GRAPHQL_COLUMNS.index(name)] != D)
    for _ in range(100):  # until the allowed ones are registered and the refused ones have failed
        settled = sum(1 for l in listeners.values() if l.error is not None or (l.task and l.task.done()))
        if subscriptions_registered(outputs) - before >= allowed and settled >= len(listeners) - allowed:
            break
        await asyncio.sleep(0.1)
    target = await trigger()
    await asyncio.sleep(1.0)
    outcomes = {n: l.outcome(target) for n, l in listeners.items()}
    for listener in listeners.values():
        await listener.stop()
    return outcomes


def new_scan_input(owner: UserSession) -> dict[str, Any]:
    identity_id, _ = owner.identity()
    scan_id = str(uuid.uuid4())
    return {"id": scan_id, "imageKey": f"uploads/{identity_id}/{scan_id}/cat.jpg", "fileName": "cat.jpg",
            "status": "PENDING"}


@pytest.fixture(scope="module")
def people(cloud):
    outputs = load_outputs(cloud.outputs_path)
    add_user(cloud.moto_url, cloud.seeded.user_pool_id, "matrix-other@catscan.local", "Matrix-other-1")
    owner = UserSession.sign_in(outputs, DEMO_USERS[0][0], DEMO_USERS[0][1])
    admin = UserSession.sign_in(outputs, DEMO_USERS[1][0], DEMO_USERS[1][1])
    other = UserSession.sign_in(outputs, "matrix-other@catscan.local", "Matrix-other-1")
    return outputs, owner, other, admin


def test_graphql_auth_matrix(people):
    outputs, owner, other, admin = people
    everyone = callers(owner, other, admin)
    by_name = {c.name: c for c in everyone}

    async def observe() -> dict[str, list[str]]:
        target = (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0]["createScan"]["id"]
        rows: dict[str, list[str]] = {}
        for caller in everyone:
            data, errors = await call(caller, outputs, GET, id=target)
            get = A if data and data.get("getScan") and not errors else D
            data, errors = await call(caller, outputs, LIST)
            listed = D if errors else ("sees it" if any(i["id"] == target for i in data["listScans"]["items"]) else "hidden")
            data, errors = await call(caller, outputs, CREATE, i={**new_scan_input(owner), "fileName": "mine.jpg"})
            create = A if data and data.get("createScan") and not errors else D
            data, errors = await call(caller, outputs, UPDATE, i={"id": target, "reason": f"set by {caller.name}"})
            update = A if data and data.get("updateScan") and not errors else D
            victim = (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0]["createScan"]["id"]
            data, errors = await call(caller, outputs, DELETE, i={"id": victim})
            delete = A if data and data.get("deleteScan") and not errors else D
            rows[caller.name] = [get, listed, create, update, delete]

        async def on_create() -> str:
            return (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0]["createScan"]["id"]

        async def on_update() -> str:
            await call(by_name["scanner (IAM)"], outputs, UPDATE, i={"id": target, "status": "PROCESSING"})
            return target

        async def on_delete() -> str:
            victim = await on_create()
            await call(by_name["owner"], outputs, DELETE, i={"id": victim})
            return victim

        for name, trigger in (("onCreateScan", on_create), ("onUpdateScan", on_update), ("onDeleteScan", on_delete)):
            column = await subscription_column(everyone, outputs, name, trigger)
            for caller_name, outcome in column.items():
                rows[caller_name].append(outcome)
        return rows

    observed = asyncio.run(observe())
    table = render(GRAPHQL_COLUMNS, observed)
    print("\n" + table)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("## GraphQL (AppSync emulator)\n\n" + table + "\n")
    mismatches = {name: (observed[name], EXPECTED[name]) for name in EXPECTED if observed[name] != EXPECTED[name]}
    assert not mismatches, f"differs from AppSync: {mismatches}"


def render(columns: list[str], rows: dict[str, list[str]]) -> str:
    lines = ["| caller | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows.items()]
    return "\n".join(lines)

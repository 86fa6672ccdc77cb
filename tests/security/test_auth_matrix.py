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
from gql.transport.appsync_auth import (
    AppSyncAuthentication,
    AppSyncIAMAuthentication,
    AppSyncJWTAuthentication,
)
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportQueryError

from catscan.client.session import UserSession
from catscan.local.seed import add_user
from tests.security.expected_matrix import EXPECTED, GRAPHQL_COLUMNS, SUBSCRIPTION_NAMES, A, D
from tests.security.identities import Caller, callers

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "auth-matrix.md"
FIELDS = "id owner status"
CREATE = f"mutation($i: CreateScanInput!) {{ createScan(input: $i) {{ {FIELDS} }} }}"
GET = f"query($id: ID!) {{ getScan(id: $id) {{ {FIELDS} }} }}"
LIST = f"query {{ listScans(limit: 1000) {{ items {{ {FIELDS} }} }} }}"
BY_OWNER = f"query($o: String!) {{ scansByOwner(owner: $o, sortDirection: DESC, limit: 1000) {{ items {{ {FIELDS} }} }} }}"
BY_STATUS = (
    f"query {{ scansByStatus(status: PENDING, sortDirection: DESC, limit: 1000) {{ items {{ {FIELDS} }} }} }}"
)
UPDATE = f"mutation($i: UpdateScanInput!) {{ updateScan(input: $i) {{ {FIELDS} }} }}"
DELETE = f"mutation($i: DeleteScanInput!) {{ deleteScan(input: $i) {{ {FIELDS} }} }}"
SUBSCRIPTIONS = {name: f"subscription {{ {name} {{ {FIELDS} }} }}" for name in SUBSCRIPTION_NAMES}


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
    transport = AIOHTTPTransport(
        url=outputs.graphql_url, auth=_auth(caller, outputs.graphql_url, outputs.region), ssl_close_timeout=1
    )
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
        settled = sum(1 for li in listeners.values() if li.error is not None or (li.task and li.task.done()))
        if subscriptions_registered(outputs) - before >= allowed and settled >= len(listeners) - allowed:
            break
        await asyncio.sleep(0.1)
    target = await trigger()
    await asyncio.sleep(1.0)
    outcomes = {n: li.outcome(target) for n, li in listeners.items()}
    for listener in listeners.values():
        await listener.stop()
    return outcomes


def new_scan_input(owner: UserSession) -> dict[str, Any]:
    identity_id, _ = owner.identity()
    scan_id = str(uuid.uuid4())
    return {"id": scan_id, "imageKey": f"uploads/{identity_id}/{scan_id}/cat.jpg", "fileName": "cat.jpg"}


@pytest.fixture(scope="module")
def people(cloud, outputs, demo, admin):
    """The shared cloud's demo user (the owner), its admin, and another user of its own."""
    add_user(cloud.moto_url, cloud.seeded.user_pool_id, "matrix-other@catscan.local", "Matrix-other-1")
    other = UserSession.sign_in(outputs, "matrix-other@catscan.local", "Matrix-other-1")
    return outputs, demo, other, admin


def test_graphql_auth_matrix(people):
    outputs, owner, other, admin = people
    everyone = callers(owner, other, admin)
    by_name = {c.name: c for c in everyone}

    async def observe() -> dict[str, list[str]]:
        target = (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0]["createScan"][
            "id"
        ]
        rows: dict[str, list[str]] = {}
        for caller in everyone:
            data, errors = await call(caller, outputs, GET, id=target)
            get = A if data and data.get("getScan") and not errors else D
            data, errors = await call(caller, outputs, LIST)
            listed = (
                D
                if errors
                else ("sees it" if any(i["id"] == target for i in data["listScans"]["items"]) else "hidden")
            )
            by_index = []
            for query, name, variables in (
                (BY_OWNER, "scansByOwner", {"o": owner.owner_key}),
                (BY_STATUS, "scansByStatus", {}),
            ):
                data, errors = await call(caller, outputs, query, **variables)
                by_index.append(
                    D
                    if errors or not data or data.get(name) is None
                    else ("sees it" if any(i["id"] == target for i in data[name]["items"]) else "hidden")
                )
            data, errors = await call(
                caller, outputs, CREATE, i={**new_scan_input(owner), "fileName": "mine.jpg"}
            )
            create = A if data and data.get("createScan") and not errors else D
            data, errors = await call(
                caller, outputs, UPDATE, i={"id": target, "reason": f"set by {caller.name}"}
            )
            update = A if data and data.get("updateScan") and not errors else D
            victim = (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0][
                "createScan"
            ]["id"]
            data, errors = await call(caller, outputs, DELETE, i={"id": victim})
            delete = A if data and data.get("deleteScan") and not errors else D
            rows[caller.name] = [get, listed, *by_index, create, update, delete]

        async def on_create() -> str:
            return (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0]["createScan"][
                "id"
            ]

        async def on_update() -> str:
            await call(by_name["scanner (IAM)"], outputs, UPDATE, i={"id": target, "status": "PROCESSING"})
            return target

        async def on_delete() -> str:
            victim = await on_create()
            await call(by_name["owner"], outputs, DELETE, i={"id": victim})
            return victim

        for name, trigger in (
            ("onCreateScan", on_create),
            ("onUpdateScan", on_update),
            ("onDeleteScan", on_delete),
        ):
            column = await subscription_column(everyone, outputs, name, trigger)
            for caller_name, outcome in column.items():
                rows[caller_name].append(outcome)
        return rows

    observed = asyncio.run(observe())
    table = render(GRAPHQL_COLUMNS, observed)
    print("\n" + table)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("## GraphQL (AppSync emulator)\n\n" + table + "\n")
    mismatches = {
        name: (observed[name], EXPECTED[name]) for name in EXPECTED if observed[name] != EXPECTED[name]
    }
    assert not mismatches, f"differs from AppSync: {mismatches}"


VERDICT = {
    "status": "DONE",
    "isCat": True,
    "confidence": 99.9,
    "reason": "a cat, trust me",
    "catBoxes": [{"left": 0.1, "top": 0.1, "width": 0.5, "height": 0.5, "confidence": 99.0}],
}
# Written by the scanner only: the uploader's e-mail (from Cognito) and the thumbnail's key.
SCANNER_WRITTEN = {"ownerEmail": "someone-else@example.com", "thumbnailKey": "thumbnails/x/forged.jpg"}
# Set by the API: a far-future updatedAt would keep a never-uploaded scan out of the sweeper's reach.
API_WRITTEN = {"createdAt": "2999-01-01T00:00:00.000Z", "updatedAt": "2999-01-01T00:00:00.000Z"}
FORGE_ATTEMPTS = {
    **{f"{k} alone": {k: v} for k, v in VERDICT.items()},
    "all at once": VERDICT,
    **{f"{k} alone": {k: v} for k, v in SCANNER_WRITTEN.items()},
    **{f"{k} alone": {k: v} for k, v in API_WRITTEN.items()},
    "status: null": {"status": None},
}
FORGE_CALLERS = ["owner", "other user", "Admin"]


def test_verdict_forge_attempts(people):
    """createScan with verdict fields: refused for every signed-in user (the generated create resolver's
    allowed fields), and a scan created with an explicit null status still starts PENDING."""
    outputs, owner, other, admin = people
    by_name = {c.name: c for c in callers(owner, other, admin)}

    async def attempt(caller: Caller, session: UserSession, fields: dict[str, Any]) -> str:
        query = (
            "mutation($i: CreateScanInput!) { createScan(input: $i) "
            "{ id status isCat confidence reason catBoxes { left } } }"
        )
        scan = {**new_scan_input(session), **fields}
        data, errors = await call(caller, outputs, query, i=scan)
        created = (data or {}).get("createScan")
        if errors or not created:
            return "refused" if errors and errors[0].get("errorType") == "Unauthorized" else f"error {errors}"
        stored, _ = await call(
            by_name["scanner (IAM)"],
            outputs,
            GET.replace(FIELDS, "status isCat confidence reason"),
            id=scan["id"],
        )
        clean = stored["getScan"] == {"status": "PENDING", "isCat": None, "confidence": None, "reason": None}
        return "neutralised (PENDING)" if clean else f"ACCEPTED {stored['getScan']}"

    async def observe() -> dict[str, list[str]]:
        sessions = {"owner": owner, "other user": other, "Admin": admin}
        return {
            label: [await attempt(by_name[n], sessions[n], fields) for n in FORGE_CALLERS]
            for label, fields in FORGE_ATTEMPTS.items()
        }

    observed = asyncio.run(observe())
    table = render(FORGE_CALLERS, observed).replace("| caller |", "| createScan with |", 1)
    print("\n" + table)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    with ARTIFACT.open("a") as out:
        out.write("\n## Forged verdicts (createScan with verdict fields)\n\n" + table + "\n")
    expected = {label: ["refused"] * 3 for label in FORGE_ATTEMPTS}
    expected["status: null"] = [
        "neutralised (PENDING)"
    ] * 3  # every signed-in user may create their own scans
    assert observed == expected


KEY_ONLY_UPDATES = {
    "input {id}": ({}, None),
    "{id} + condition on debug": ({}, {"debug": {"attributeExists": True}}),
    "{id} + condition on status": ({}, {"status": {"eq": "PENDING"}}),
    "{id, reason: null}": ({"reason": None}, None),
}
UPDATE_WITH_CONDITION = (
    "mutation($i: UpdateScanInput!, $c: ModelScanConditionInput) "
    "{ updateScan(input: $i, condition: $c) { id updatedAt } }"
)


def test_no_user_updates_a_scan_even_with_the_key_alone(people):
    """Nobody but the scanner updates a scan. The generated update auth step would let an owner (who has
    `delete`) through with the id alone: bumping updatedAt, and answering a condition on the Admin-only
    debug. amplify/data/updates-need-an-update-rule.ts refuses it; so does the emulator."""
    outputs, owner, other, admin = people
    by_name = {c.name: c for c in callers(owner, other, admin)}
    read = GET.replace(FIELDS, "updatedAt")

    async def attempt(caller: Caller, scan_id: str, extra: dict[str, Any], condition: Any) -> str:
        before = (await call(by_name["scanner (IAM)"], outputs, read, id=scan_id))[0]["getScan"]["updatedAt"]
        data, errors = await call(
            caller, outputs, UPDATE_WITH_CONDITION, i={"id": scan_id, **extra}, c=condition
        )
        after = (await call(by_name["scanner (IAM)"], outputs, read, id=scan_id))[0]["getScan"]["updatedAt"]
        if after != before:
            return f"CHANGED updatedAt ({data}, {errors})"
        if errors and errors[0].get("errorType") == "Unauthorized" and not (data or {}).get("updateScan"):
            return "refused"
        return f"unexpected {data} {errors}"

    async def observe() -> dict[str, list[str]]:
        scan_id = (await call(by_name["owner"], outputs, CREATE, i=new_scan_input(owner)))[0]["createScan"][
            "id"
        ]
        return {
            label: [await attempt(by_name[n], scan_id, extra, condition) for n in FORGE_CALLERS]
            for label, (extra, condition) in KEY_ONLY_UPDATES.items()
        }

    observed = asyncio.run(observe())
    table = render(FORGE_CALLERS, observed).replace("| caller |", "| updateScan with |", 1)
    print("\n" + table)
    with ARTIFACT.open("a") as out:
        out.write(
            "\n## Updates with the key alone (updateScan, with and without a condition)\n\n" + table + "\n"
        )
    assert observed == {label: ["refused"] * 3 for label in KEY_ONLY_UPDATES}


def render(columns: list[str], rows: dict[str, list[str]]) -> str:
    lines = ["| caller | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows.items()]
    return "\n".join(lines)


# --- storage: S3 through the storage gate, with identity-pool credentials -------------------------

STORAGE_COLUMNS = [
    "identity-pool credentials",
    "PUT own prefix",
    "GET owner's image",
    "PUT in owner's prefix",
    "DELETE owner's image",
    "LIST owner's prefix",
    "GET owner's thumbnail",
    "PUT owner's thumbnail",
    "DELETE owner's thumbnail",
]
S = "n/a"
# What S3 does with the Amplify storage rules: `uploads/{entity_id}/*` read/write/delete for the
# identity itself, read for the Admin group; `thumbnails/{entity_id}/*` read/delete for the identity,
# read for the Admin group; the scanner's role may only read uploads/* and write thumbnails/*.
STORAGE_EXPECTED: dict[str, list[str]] = {
    "anonymous": [S, D, D, D, D, D, D, D, D],
    "owner": [A, A, A, A, A, A, A, D, A],
    "other user": [A, A, D, D, D, D, D, D, D],
    "Admin": [A, A, A, D, D, A, A, D, D],
    "scanner (IAM)": [S, D, A, D, D, D, D, A, D],
    "unsigned JWT": [D, S, S, S, S, S, S, S, S],
    "JWT, other key": [D, S, S, S, S, S, S, S, S],
    "tampered claims": [D, S, S, S, S, S, S, S, S],
    "expired JWT": [D, S, S, S, S, S, S, S, S],
    "wrong SigV4": [S, D, D, D, D, D, D, D, D],
}


def _s3(outputs, **credentials):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 1},
        signature_version=UNSIGNED if not credentials else "s3v4",
    )
    return boto3.client(
        "s3", region_name=outputs.region, endpoint_url=outputs.endpoint("s3"), config=config, **credentials
    )


def _identity_credentials(outputs, token: str):
    import boto3

    cognito = boto3.client(
        "cognito-identity",
        region_name=outputs.region,
        endpoint_url=outputs.endpoint("cognito-identity"),
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    logins = {f"cognito-idp.{outputs.region}.amazonaws.com/{outputs.user_pool_id}": token}
    identity = cognito.get_id(IdentityPoolId=outputs.identity_pool_id, Logins=logins)["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
    return identity, creds


def _attempt(action) -> str:
    from botocore.exceptions import ClientError

    try:
        action()
        return A
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in (
            "AccessDenied",
            "403",
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "InvalidToken",
            "ExpiredToken",
            "NotAuthorizedException",
        ):
            return D
        raise


def _moto_s3(cloud):
    import boto3

    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=cloud.moto_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_storage_auth_matrix(people, cloud):
    outputs, owner, other, admin = people
    bucket = outputs.bucket
    owner_id, _ = owner.identity()
    image = f"uploads/{owner_id}/matrix/{uuid.uuid4()}.png"
    owner.s3().put_object(Bucket=bucket, Key=image, Body=b"\x89PNG\r\n\x1a\n-matrix")
    thumb = f"thumbnails/{owner_id}/matrix-{uuid.uuid4()}.jpg"  # as the scanner writes it (straight to S3)
    _moto_s3(cloud).put_object(Bucket=bucket, Key=thumb, Body=b"\xff\xd8\xff-thumbnail")
    observed: dict[str, list[str]] = {}
    for caller in callers(owner, other, admin):
        if caller.session is not None:
            identity_id, creds = caller.session.identity()
            s3, pool = caller.session.s3(), A
        elif caller.token is not None:  # a forged token never gets identity-pool credentials
            observed[caller.name] = [_attempt(lambda: _identity_credentials(outputs, caller.token)), *[S] * 8]
            continue
        elif caller.name == "wrong SigV4":
            identity_id, creds = owner.identity()
            s3, pool = (
                _s3(
                    outputs,
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key="wrong" * 8,
                    aws_session_token=creds["SessionToken"],
                ),
                S,
            )
        elif caller.credentials is not None:
            identity_id, s3, pool = (
                "scanner",
                _s3(
                    outputs,
                    aws_access_key_id=caller.credentials.access_key,
                    aws_secret_access_key=caller.credentials.secret_key,
                ),
                S,
            )
        else:
            identity_id, s3, pool = "anonymous", _s3(outputs), S
        own_key = f"uploads/{identity_id}/matrix/own-{uuid.uuid4()}.png"
        observed[caller.name] = [
            pool,
            _attempt(lambda: s3.put_object(Bucket=bucket, Key=own_key, Body=b"x")),
            _attempt(lambda: s3.get_object(Bucket=bucket, Key=image)["Body"].read()),
            _attempt(
                lambda: s3.put_object(Bucket=bucket, Key=f"uploads/{owner_id}/matrix/planted.png", Body=b"x")
            ),
            _attempt(lambda: s3.delete_object(Bucket=bucket, Key=image)) if caller.name != "owner" else A,
            _attempt(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=f"uploads/{owner_id}/")),
            _attempt(lambda: s3.get_object(Bucket=bucket, Key=thumb)["Body"].read()),
            _attempt(
                lambda: s3.put_object(Bucket=bucket, Key=f"thumbnails/{owner_id}/planted.jpg", Body=b"x")
            ),
            _attempt(lambda: s3.delete_object(Bucket=bucket, Key=thumb)) if caller.name != "owner" else A,
        ]
        # Deleting is checked last for the owner, so the image is there for everyone else.
    observed["owner"][4] = _attempt(lambda: owner.s3().delete_object(Bucket=bucket, Key=image))
    observed["owner"][8] = _attempt(lambda: owner.s3().delete_object(Bucket=bucket, Key=thumb))
    table = render(STORAGE_COLUMNS, observed)
    print("\n" + table)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    with ARTIFACT.open("a") as out:
        out.write("\n## Storage (S3 through the storage gate)\n\n" + table + "\n")
    mismatches = {
        n: (observed[n], STORAGE_EXPECTED[n]) for n in STORAGE_EXPECTED if observed[n] != STORAGE_EXPECTED[n]
    }
    assert not mismatches, f"differs from S3 with the Amplify storage policy: {mismatches}"

"""The AppSync realtime WebSocket protocol (`graphql-ws` subprotocol) at /graphql/realtime.

Handshake auth comes from the `header` query parameter (base64 JSON; gql, older clients) or from a
`header-<base64url JSON>` subprotocol entry (Amplify JS v6); the server answers with subprotocol `graphql-ws`.

client -> server: connection_init, start {id, payload: {data: "<JSON {query, variables}>",
                  extensions: {authorization: {...headers}}}}, stop {id}
server -> client: connection_ack {payload: {connectionTimeoutMs}}, ka, start_ack {id}, data {id, payload},
                  error {id, payload: {errors: [...]}}, complete {id}, connection_error {payload: {errors}}

Each `start` is authenticated on its own (JWT, or SigV4 over the `data` string POSTed to `/graphql`, which is
what gql's AppSyncIAMAuthentication and Amplify JS sign), then authorized by the subscription's @auth rules.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from typing import Any
from urllib.parse import unquote

from aiohttp import WSCloseCode, WSMsgType, web
from graphql import FieldNode, OperationDefinitionNode
from graphql.execution import Executor, get_argument_values

from . import authorization as authz
from .auth import Authenticator, AuthError, Identity
from .config import EmulatorConfig
from .engine import Engine, RequestContext, fragments_of, iter_fields, operation_of
from .subscriptions import Subscription, SubscriptionRegistry

log = logging.getLogger(__name__)

SUBPROTOCOL = "graphql-ws"
CONNECT_PATHS = ["/graphql/connect", "/graphql"]


class StartRefused(Exception):
    """A subscription start the server answers with an `error` message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def prepare_subscription(
    engine: Engine,
    identity: Identity,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: Any = None,
) -> tuple[str, dict[str, Any], dict[str, Any] | None, Executor]:
    """Validate and authorize a subscription: (field name, arguments, auth runtime filter, event executor).

    Pure (no I/O), so the parity tests (tests/parity) hold it to the generated resolvers' decisions."""
    doc = engine.document(query)
    if isinstance(doc, list):
        raise StartRefused("ValidationError", "; ".join(e.message for e in doc))
    op = operation_of(doc, operation_name)
    if not isinstance(op, OperationDefinitionNode):
        raise StartRefused("BadRequestException", "Unknown or ambiguous operation.")
    if op.operation.value != "subscription":
        raise StartRefused(
            "UnsupportedOperation", f"{op.operation.value} not supported through the realtime channel"
        )
    roots = list(iter_fields(op.selection_set, fragments_of(doc)))
    if len(roots) != 1:
        raise StartRefused("BadRequestException", "A subscription must select exactly one root field.")
    root: FieldNode = roots[0]
    field_name = root.name.value
    rf = engine.api.root_fields.get(f"Subscription.{field_name}")
    if rf is None:
        raise StartRefused("BadRequestException", f"Unknown subscription {field_name}.")
    ctx = RequestContext(identity, engine, doc, event=True)
    executor = Executor.build(
        engine.schema, doc, context_value=ctx, raw_variable_values=variables, operation_name=operation_name
    )
    if isinstance(executor, list):
        raise StartRefused("ValidationError", "; ".join(e.message for e in executor))
    field_def = engine.schema.subscription_type.fields[field_name]  # type: ignore[union-attr]
    try:
        args = get_argument_values(field_def, root, executor.variable_values)
        runtime_filter = authz.subscription_filter(rf.model, identity, args, field_name)
    except authz.Unauthorized as exc:
        raise StartRefused(exc.error_type, exc.message) from exc
    except Exception as exc:  # argument coercion errors
        raise StartRefused("ValidationError", str(exc)) from exc
    return field_name, args, runtime_filter, executor


def _b64_json(value: str) -> dict[str, Any]:
    value = value.strip()
    padded = value + "=" * (-len(value) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            obj = json.loads(decode(padded.encode()))
        except (binascii.Error, ValueError):
            continue
        if isinstance(obj, dict):
            return obj
    raise ValueError("not a base64-encoded JSON object")


def _raw_query_param(raw_query: str, name: str) -> str | None:
    """Query values without `+`-to-space decoding: gql puts standard base64 into the URL unencoded."""
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        if unquote(key) == name:
            return unquote(value)
    return None


class Connection:
    """One WebSocket; outgoing messages go through a queue so publishers never wait on slow clients."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.writer = asyncio.get_running_loop().create_task(self._write())

    def send(self, message: dict[str, Any]) -> None:
        self.queue.put_nowait(message)

    async def _write(self) -> None:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            try:
                await self.ws.send_str(json.dumps(message, separators=(",", ":")))
            except (ConnectionError, RuntimeError):
                return

    async def drain_and_close(self, code: int = 1000) -> None:
        self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer, 2)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code)


class RealtimeHandler:
    def __init__(
        self,
        config: EmulatorConfig,
        engine: Engine,
        authenticator: Authenticator,
        registry: SubscriptionRegistry,
    ) -> None:
        self.config = config
        self.engine = engine
        self.authenticator = authenticator
        self.registry = registry
        self.open: set[Connection] = set()

    async def close_all(self) -> None:
        """On shutdown: every client is told the server is going away (1001), as a restarting AppSync does,
        so it reconnects elsewhere; aiohttp would otherwise wait for the clients to hang up."""
        await asyncio.gather(
            *(c.drain_and_close(WSCloseCode.GOING_AWAY) for c in list(self.open)), return_exceptions=True
        )

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        offered = [
            p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()
        ]
        ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), autoping=True, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = Connection(ws)
        self.open.add(conn)
        ka_task: asyncio.Task | None = None
        connection_error = await self._handshake_error(request, offered)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                        break
                    continue
                try:
                    message = json.loads(msg.data)
                    if not isinstance(message, dict):
                        raise ValueError
                except ValueError:
                    conn.send(
                        {
                            "type": "error",
                            "payload": {
                                "errors": [
                                    {
                                        "errorType": "BadRequestException",
                                        "message": "Invalid message: not a JSON object.",
                                    }
                                ]
                            },
                        }
                    )
                    continue
                if connection_error is not None:
                    conn.send({"type": "connection_error", "payload": {"errors": [connection_error]}})
                    break
                kind = message.get("type")
                if kind == "connection_init":
                    conn.send(
                        {
                            "type": "connection_ack",
                            "payload": {"connectionTimeoutMs": self.config.connection_timeout_ms},
                        }
                    )
                    if ka_task is None:
                        ka_task = asyncio.get_running_loop().create_task(self._keepalive(conn))
                elif kind == "start":
                    await self._start(conn, message)
                elif kind == "stop":
                    sub_id = str(message.get("id"))
                    self.registry.remove(conn, sub_id)
                    conn.send({"type": "complete", "id": sub_id})
                elif kind == "ka":
                    continue
                else:
                    conn.send(
                        {
                            "type": "error",
                            "id": message.get("id"),
                            "payload": {
                                "errors": [
                                    {
                                        "errorType": "UnsupportedOperation",
                                        "message": f"Operation {kind!r} is not supported through the realtime channel",
                                    }
                                ]
                            },
                        }
                    )
        finally:
            self.open.discard(conn)
            self.registry.remove_sink(conn)
            if ka_task is not None:
                ka_task.cancel()
            await conn.drain_and_close()
        return ws

    async def _handshake_error(self, request: web.Request, offered: list[str]) -> dict[str, Any] | None:
        if SUBPROTOCOL not in offered:
            return {"message": "SubProtocolNotSupportedError", "errorCode": 400}
        header: dict[str, Any] | None = None
        payload = "{}"
        try:
            for proto in offered:
                if proto.startswith("header-"):
                    header = _b64_json(proto[len("header-") :])
            raw = request.rel_url.raw_query_string
            if header is None and (value := _raw_query_param(raw, "header")) is not None:
                header = _b64_json(value)
            if (value := _raw_query_param(raw, "payload")) is not None:
                payload = json.dumps(_b64_json(value), separators=(",", ":"))
        except ValueError:
            return {
                "errorType": "BadRequestException",
                "message": "Malformed header or payload.",
                "errorCode": 400,
            }
        if header is None:
            return {
                "errorType": "UnauthorizedException",
                "message": 'Both, the "header", and the "payload" query string parameters are required',
                "errorCode": 401,
            }
        try:
            await self.authenticator.authenticate_any_path(header, CONNECT_PATHS, payload.encode())
        except AuthError as exc:
            return {"errorType": exc.error_type, "message": exc.message, "errorCode": exc.status}
        return None

    async def _keepalive(self, conn: Connection) -> None:
        conn.send({"type": "ka"})
        while True:
            await asyncio.sleep(self.config.keepalive_seconds)
            conn.send({"type": "ka"})

    def _error(self, conn: Connection, sub_id: str, error_type: str, message: str, **extra: Any) -> None:
        conn.send(
            {
                "type": "error",
                "id": sub_id,
                "payload": {"errors": [{"errorType": error_type, "message": message, **extra}]},
            }
        )

    async def _start(self, conn: Connection, message: dict[str, Any]) -> None:
        sub_id = str(message.get("id") or "")
        payload = message.get("payload") or {}
        data = payload.get("data")
        authorization = (payload.get("extensions") or {}).get("authorization")
        if not sub_id:
            self._error(conn, sub_id, "BadRequestException", "Subscription id is required.")
            return
        if self.registry.has(conn, sub_id):
            self._error(conn, sub_id, "DuplicatedOperationError", "Duplicated operation with id " + sub_id)
            return
        if not isinstance(data, str):
            self._error(
                conn, sub_id, "BadRequestException", "Missing or invalid 'data' in the start payload."
            )
            return
        if not isinstance(authorization, dict):
            self._error(
                conn,
                sub_id,
                "UnauthorizedException",
                "Valid authorization header not provided.",
                errorCode=401,
            )
            return
        try:
            identity = await self.authenticator.authenticate(
                authorization, path="/graphql", body=data.encode()
            )
        except AuthError as exc:
            self._error(conn, sub_id, exc.error_type, exc.message, errorCode=exc.status)
            return
        try:
            request = json.loads(data)
            query, variables = request.get("query"), request.get("variables")
            if not isinstance(query, str) or (variables is not None and not isinstance(variables, dict)):
                raise ValueError
        except (ValueError, AttributeError):
            self._error(
                conn,
                sub_id,
                "BadRequestException",
                "The 'data' of a start message must be a JSON object with 'query' and 'variables'.",
            )
            return
        try:
            field_name, args, runtime_filter, executor = prepare_subscription(
                self.engine, identity, query, variables, request.get("operationName")
            )
        except StartRefused as exc:
            self._error(conn, sub_id, exc.error_type, exc.message)
            return
        self.registry.add(Subscription(sub_id, conn, field_name, args, runtime_filter, executor))
        conn.send({"type": "start_ack", "id": sub_id})

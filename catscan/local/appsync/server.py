"""The emulator's HTTP server: `POST /graphql`, the realtime WebSocket at `/graphql/realtime`, CORS.

app = create_app(EmulatorConfig(...))                  # aiohttp Application
running = run_in_thread(config, "127.0.0.1", 0)        # or in a background thread (tests, `catscan dev`)
running.url, running.realtime_url; running.stop()
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from catscan.local.app_thread import AppThread, start_app_thread

from .auth import Authenticator, AuthError
from .config import EmulatorConfig
from .engine import Engine
from .realtime import RealtimeHandler
from .schema_model import load_api_model
from .store import DynamoStore
from .subscriptions import SubscriptionRegistry

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", Engine)
REGISTRY = web.AppKey("registry", SubscriptionRegistry)
AUTHENTICATOR = web.AppKey("authenticator", Authenticator)
CONFIG = web.AppKey("config", EmulatorConfig)

CORS_HEADERS = {
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token, "
        "X-Amz-User-Agent, X-Api-Key, X-Amz-Content-Sha256, Accept, Content-Encoding"
    ),
    "Access-Control-Max-Age": "86400",
}


def _cors(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response.headers["Vary"] = "Origin"
    response.headers.update(CORS_HEADERS)
    response.headers["Access-Control-Expose-Headers"] = "x-amzn-RequestId, x-amzn-ErrorType"


@web.middleware
async def cors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=200)
    else:
        response = await handler(request)
    if not isinstance(response, web.WebSocketResponse):
        _cors(request, response)
    return response


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json",
        headers=headers,
    )


async def graphql_handler(request: web.Request) -> web.Response:
    raw = await request.read()
    try:
        identity = await request.app[AUTHENTICATOR].authenticate(
            request.headers,
            method=request.method,
            path=request.rel_url.raw_path,
            query=request.rel_url.raw_query_string,
            body=raw,
        )
    except AuthError as exc:
        return _json(exc.body(), status=exc.status, headers={"x-amzn-ErrorType": exc.error_type})
    try:
        body = json.loads(raw or b"null")
        if not isinstance(body, dict):
            raise ValueError("a GraphQL request must be a JSON object")
    except ValueError as exc:
        return _json(
            {
                "errors": [
                    {
                        "errorType": "MalformedHttpRequestException",
                        "message": f"Unable to parse the JSON document: {exc}",
                    }
                ]
            },
            status=400,
        )
    result = await request.app[ENGINE].execute(
        body.get("query"), body.get("variables"), body.get("operationName"), identity
    )
    return _json(result)


async def health_handler(request: web.Request) -> web.Response:
    # The subscription count lets out-of-process clients wait until a subscription is registered.
    return _json({"status": "ok", "subscriptions": len(request.app[REGISTRY])})


async def calls_handler(request: web.Request) -> web.Response:
    """Local-only: requests served by auth kind, root field and input status (`make bench`)."""
    return _json(
        [
            {"auth": auth, "field": name, "status": status, "count": n}
            for (auth, name, status), n in request.app[ENGINE].calls.items()
        ]
    )


def create_app(config: EmulatorConfig, *, ensure_tables: bool = True) -> web.Application:
    api = load_api_model(config.schema_path)
    store = DynamoStore(config, api.models.values())
    engine = Engine(config, api, store)
    registry = SubscriptionRegistry(api)
    engine.on_publish.append(registry.publish)
    authenticator = Authenticator(config)

    app = web.Application(middlewares=[cors_middleware], client_max_size=4 * 1024 * 1024)
    app[CONFIG], app[ENGINE], app[REGISTRY], app[AUTHENTICATOR] = config, engine, registry, authenticator
    app.router.add_post("/graphql", graphql_handler)
    realtime = RealtimeHandler(config, engine, authenticator, registry)

    async def realtime_handler(request: web.Request) -> web.StreamResponse:
        return await realtime(request)

    app.router.add_get("/graphql/realtime", realtime_handler)

    async def close_realtime(_: web.Application) -> None:
        await realtime.close_all()

    app.on_shutdown.append(close_realtime)
    app.router.add_get("/health", health_handler)
    app.router.add_get("/_local/calls", calls_handler)

    if ensure_tables:

        async def _tables(_app: web.Application) -> None:
            created = await asyncio.to_thread(store.ensure_tables)
            if created:
                log.info("created tables %s", ", ".join(created))

        app.on_startup.append(_tables)
    return app


# ---------------------------------------------------------------------------------------------------------


class RunningEmulator(AppThread):
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/graphql"

    @property
    def realtime_url(self) -> str:
        return f"ws://{self.host}:{self.port}/graphql/realtime"

    @property
    def host_header(self) -> str:
        """What clients put in `host` (e.g. gql's AppSyncJWTAuthentication/AppSyncIAMAuthentication host=)."""
        return f"{self.host}:{self.port}"

    def subscription_count(self) -> int:
        """Registered subscriptions (start_ack sent); lets tests wait for gql, which does not wait for acks."""
        return self.call(self._count())

    async def _count(self) -> int:
        return len(self.app[REGISTRY])


def run_in_thread(
    config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0, timeout: float = 30.0
) -> RunningEmulator:
    """Start the emulator on its own event loop in a daemon thread; returns once it accepts connections.
    `port=0` picks a free port (see `.port`)."""
    started = start_app_thread(lambda: create_app(config), host, port, "the AppSync emulator", timeout)
    return RunningEmulator(**vars(started))

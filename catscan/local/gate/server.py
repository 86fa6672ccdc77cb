"""The gate's HTTP server: one port in front of moto for the three services the web app calls directly.

    app = create_app(GateConfig(...))            # aiohttp Application
    running = run_in_thread(config)              # or on its own loop in a thread (tests)
    running.url; running.stop()

Requests go by their shape to Cognito user pools (`X-Amz-Target: AWSCognitoIdentityProviderService.*`,
cognito_idp.py), Cognito Identity (`AWSCognitoIdentityService.*`, cognito_identity.py) or S3 (everything
else, s3.py); a client that sends `Expect: 100-continue` to S3 is refused before it uploads the body when its
request is denied. Cognito answers any web origin, as the services do.
"""

from __future__ import annotations

import logging

from aiohttp import web

from catscan.local.app_thread import AppThread, start_app_thread

from .cognito_identity import CognitoIdentity
from .cognito_idp import CognitoUserPool
from .config import GateConfig
from .mailbox_page import MAILBOX_JSON_PATH, MAILBOX_PATH, as_json, page
from .proxy import MotoProxy
from .s3 import S3
from .state import GateState

log = logging.getLogger(__name__)

HEALTH_PATH = "/__gate/health"
GATE = web.AppKey("gate", "Gate")
MAILBOX_PAGES = {MAILBOX_PATH: page, MAILBOX_JSON_PATH: as_json}
COGNITO_CORS = {
    "Access-Control-Expose-Headers": "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"
}


class Gate:
    def __init__(self, config: GateConfig) -> None:
        self.config = config
        self.state = GateState(config.state_path, config.clock)
        self.proxy = MotoProxy(config.moto)
        self.cognito = CognitoIdentity(config, self.state, self.proxy)
        self.user_pool = CognitoUserPool(config, self.state, self.proxy)
        self.s3 = S3(config, self.state, self.proxy)

    # ------------------------------------------------------------------------------------------ dispatch

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.rel_url.raw_path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return web.json_response({"status": "ok", "moto": self.config.moto, "bucket": self.config.bucket})
        if request.rel_url.raw_path in MAILBOX_PAGES and request.method in ("GET", "HEAD"):
            return MAILBOX_PAGES[request.rel_url.raw_path](self.user_pool.mailbox, self.config.clock())
        user_pool_operation = self.user_pool.operation(request)
        if user_pool_operation is not None:
            return await self.user_pool.handle(request, user_pool_operation, self._cognito_cors(request))
        operation = self.cognito.operation(request)
        if operation is not None or self._is_cognito_preflight(request):
            return await self.cognito_request(request, operation)
        if request.method == "OPTIONS":
            return await self.s3.preflight(request)
        return await self.s3.request(request)

    async def expect(self, request: web.Request) -> web.StreamResponse | None:
        """`Expect: 100-continue`: refuse before the client sends the body, else let it continue."""
        if request.headers.get("Expect", "").lower() != "100-continue":
            raise web.HTTPExpectationFailed(text=f"Unknown Expect: {request.headers.get('Expect')}")
        is_cognito = (
            self.cognito.operation(request) is not None or self.user_pool.operation(request) is not None
        )
        if not is_cognito and request.method != "OPTIONS":
            refusal = await self.s3.before_body(request)
            if refusal is not None:
                return refusal
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0
        return None

    # ------------------------------------------------------------------------------------ cognito identity

    @staticmethod
    def _is_cognito_preflight(request: web.Request) -> bool:
        wanted = request.headers.get("Access-Control-Request-Headers", "").lower()
        return request.method == "OPTIONS" and request.rel_url.raw_path == "/" and "x-amz-target" in wanted

    @staticmethod
    def _cognito_cors(request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", **COGNITO_CORS} if origin else {}

    async def cognito_request(self, request: web.Request, operation: str | None) -> web.StreamResponse:
        cors = self._cognito_cors(request)
        if (
            operation is None
        ):  # preflight: Cognito (identity pools and user pools) is called from any web origin
            headers = {
                **cors,
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Max-Age": "86400",
            }
            if request.headers.get("Access-Control-Request-Headers"):
                headers["Access-Control-Allow-Headers"] = request.headers["Access-Control-Request-Headers"]
            return web.Response(status=200, headers=headers)
        return await self.cognito.request(request, operation, cors)


def create_app(config: GateConfig) -> web.Application:
    gate = Gate(config)
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[GATE] = gate
    app.router.add_route("*", "/{tail:.*}", gate.handle, expect_handler=gate.expect)

    async def _warm_up(_app: web.Application) -> None:
        # Ready means moto answers and knows the user pool (its JWKS) and the bucket.
        status, _ = await gate.proxy.get(f"/{config.user_pool_id}/.well-known/jwks.json")
        if status != 200:
            raise RuntimeError(
                f"moto at {config.moto} has no JWKS for user pool {config.user_pool_id} (HTTP {status})"
            )
        status, _ = await gate.proxy.get(f"/{config.bucket}?cors")
        log.info("moto at %s answers (bucket CORS configuration: HTTP %d)", config.moto, status)

    async def _close(_app: web.Application) -> None:
        await gate.proxy.close()

    app.on_startup.append(_warm_up)
    app.on_cleanup.append(_close)
    return app


class RunningGate(AppThread):
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def gate(self) -> Gate:
        return self.app[GATE]


def run_in_thread(
    config: GateConfig, host: str = "127.0.0.1", port: int = 0, timeout: float = 30.0
) -> RunningGate:
    """The gate on its own event loop in a daemon thread; returns once it accepts connections."""
    return RunningGate(**vars(start_app_thread(lambda: create_app(config), host, port, "the gate", timeout)))

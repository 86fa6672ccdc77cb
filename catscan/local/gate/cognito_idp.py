"""Cognito user pools (`X-Amz-Target: AWSCognitoIdentityProviderService.*`): moto's answers, with its gaps filled.

Every operation goes to moto unchanged (request and answer), except:

- `RevokeToken`: moto does not implement it (Amplify's sign-out calls it when the access token has an
  `origin_jti`, which moto's tokens do). The gate checks the request as Cognito does (`Token` and `ClientId`
  present, a configured app client, a refresh token rather than a JWT, issued to that client), remembers the
  refresh token as revoked together with the `origin_jti` of its session, and answers `{}`. Afterwards
  `InitiateAuth` / `AdminInitiateAuth` with `REFRESH_TOKEN_AUTH` (or `REFRESH_TOKEN`) and that token, and
  `GetTokensFromRefreshToken` with it, fail with `NotAuthorizedException: Refresh Token has been revoked`; any
  operation called with an access token of that session fails with `NotAuthorizedException: Access Token has
  been revoked`. A token moto does not know (or one already revoked) is answered `{}` as well (RFC 7009).
- Codes: `ConfirmSignUp`, `ResendConfirmationCode`, `ForgotPassword`, `ConfirmForgotPassword` and
  `AdminConfirmSignUp` are answered by cognito_idp_accounts.py with codes from the local mailbox (moto accepts
  any code and sends none); `SignUp` mails the first code and says it went to the e-mail address.
- User names, as with `UsernameConfiguration: {CaseSensitive: false}` when the pool says so (Amplify Gen 2's
  setting; moto ignores it): every user name and e-mail attribute is folded to lower case before moto sees it
  (catscan/local/usernames.py), so `Demo@catscan.local` is `demo@catscan.local` in every operation.
- User existence, as with `PreventUserExistenceErrors: ENABLED`: moto's `UserNotFoundException` from the
  sign-in operations becomes `NotAuthorizedException: Incorrect username or password.`, like a wrong password;
  moto's `UsernameExistsException` (whose message is the user name) gets Cognito's message.

Resource servers (the AppSync emulator) keep accepting a revoked session's unexpired JWTs: only Cognito knows
about revocation, in AWS too.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import time
import uuid
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from ..usernames import case_insensitive, fold_request
from .cognito_idp_accounts import HANDLED as ACCOUNT_OPERATIONS
from .cognito_idp_accounts import AccountCodes
from .config import GateConfig
from .errors import CognitoError, not_authorized
from .mailbox import Mailbox
from .proxy import MotoProxy
from .s3_cors import strip_cors
from .s3_payload import Body
from .state import GateState

log = logging.getLogger(__name__)

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
REFRESH_TOKEN_REVOKED = "Refresh Token has been revoked"
ACCESS_TOKEN_REVOKED = "Access Token has been revoked"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
INCORRECT_CREDENTIALS = "Incorrect username or password."
AUTH_OPERATIONS = (
    "InitiateAuth",
    "AdminInitiateAuth",
    "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge",
)
USERNAME_EXISTS = {"SignUp": "User already exists", "AdminCreateUser": "User account already exists"}


def unverified_claims(token: Any) -> dict[str, Any]:
    """The payload of a JWT, unverified ({} if it is not one): only to read `origin_jti` / `client_id`.

    Whether the token is genuine is for moto (or the caller of the operation) to decide."""
    if not isinstance(token, str) or token.count(".") != 2:
        return {}
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def _validation_error(fields: list[str]) -> CognitoError:
    count = len(fields)
    details = "; ".join(
        f"Value null at '{name}' failed to satisfy constraint: Member must not be null" for name in fields
    )
    return CognitoError(
        "InvalidParameterException", f"{count} validation error{'s' if count > 1 else ''} detected: {details}"
    )


class CognitoUserPool:
    def __init__(self, config: GateConfig, state: GateState, proxy: MotoProxy) -> None:
        self.config = config
        self.state = state
        self.proxy = proxy
        self.mailbox = Mailbox(config.mailbox_path, config.clock)
        self.accounts = AccountCodes(config, self.mailbox, self.call_moto)
        self.names_fold: bool | None = None  # the pool's CaseSensitive false, once moto has said

    async def fold_names(self, body: dict[str, Any]) -> bool:
        """Whether this request's user names are folded: the configured pool's, and the pool is case-insensitive."""
        if body.get("UserPoolId", self.config.user_pool_id) != self.config.user_pool_id:
            return False
        if self.names_fold is None:
            status, found = await self.call_moto("DescribeUserPool", {"UserPoolId": self.config.user_pool_id})
            if status != 200:  # asked again next time; meanwhile moto's own (case-sensitive) matching
                log.warning("DescribeUserPool: HTTP %d %s", status, found)
                return False
            self.names_fold = case_insensitive(found.get("UserPool") or {})
        return self.names_fold

    @staticmethod
    def operation(request: web.Request) -> str | None:
        target = request.headers.get("X-Amz-Target", "")
        return target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else None

    async def handle(self, request: web.Request, operation: str, cors: dict[str, str]) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None  # moto answers malformed bodies itself
        if request.method == "POST" and isinstance(body, dict):
            if await self.fold_names(body):
                folded = fold_request(body)
                if folded != body:
                    body, raw = folded, json.dumps(folded).encode()
            try:
                if operation == "RevokeToken":
                    await self.revoke_token(body)
                    return _json({}, cors)
                self.refuse_revoked(operation, body)
                if operation in ACCOUNT_OPERATIONS:
                    return _json(await self.accounts.handle(operation, body), cors)
            except CognitoError as exc:
                log.info("%s refused: %s", operation, exc)
                return _error(exc, cors)
            if operation in AUTH_OPERATIONS or operation in USERNAME_EXISTS:
                return await self.cognito_answer(request, operation, raw, body, cors)
        payload = Body(spool=io.BytesIO(raw), length=len(raw)) if raw else None
        headers = self.proxy.request_headers(request.headers, payload)
        return await self.proxy.relay(
            request,
            request.method,
            request.raw_path,
            headers,
            payload,
            extra_headers=cors,
            filter_headers=strip_cors,
        )

    # ------------------------------------------------------------------------------------------ revocation

    async def revoke_token(self, body: dict[str, Any]) -> None:
        token, client_id = body.get("Token"), body.get("ClientId")
        missing = [
            name
            for name, value in (("token", token), ("clientId", client_id))
            if not isinstance(value, str) or not value
        ]
        if missing:
            raise _validation_error(missing)
        assert isinstance(token, str) and isinstance(client_id, str)
        if client_id not in self.config.client_ids:
            raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
        if token.count(".") == 2:  # an access or ID token: only refresh tokens are revoked
            raise CognitoError("UnsupportedTokenTypeException", "Unsupported token type")
        if self.state.refresh_token_revoked(token):
            return
        # moto keeps refresh token -> (client, user, origin_jti) to itself; a refresh shows both.
        status, result = await self.call_moto(
            "InitiateAuth",
            {
                "ClientId": client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": token},
            },
        )
        if status >= 500:
            raise CognitoError("InternalErrorException", "Internal error", 500)
        if status != 200:
            log.info(
                "RevokeToken for a refresh token moto does not know (%s): nothing to revoke",
                result.get("__type", status),
            )
            return
        claims = unverified_claims((result.get("AuthenticationResult") or {}).get("AccessToken"))
        if claims.get("client_id") not in (None, client_id):
            raise CognitoError("UnauthorizedException", "Refresh Token has different Client.")
        self.state.revoke(token, claims.get("origin_jti"))
        log.info("refresh token revoked (session %s)", claims.get("origin_jti"))

    def refuse_revoked(self, operation: str, body: dict[str, Any]) -> None:
        refresh: Any = None
        if operation in ("InitiateAuth", "AdminInitiateAuth") and body.get("AuthFlow") in REFRESH_FLOWS:
            params = body.get("AuthParameters")
            refresh = params.get("REFRESH_TOKEN") if isinstance(params, dict) else None
        elif operation == "GetTokensFromRefreshToken":
            refresh = body.get("RefreshToken")
        if isinstance(refresh, str) and refresh and self.state.refresh_token_revoked(refresh):
            raise not_authorized(REFRESH_TOKEN_REVOKED)
        origin = unverified_claims(body.get("AccessToken")).get("origin_jti")
        if isinstance(origin, str) and self.state.session_revoked(origin):
            raise not_authorized(ACCESS_TOKEN_REVOKED)

    # ---------------------------------------------------------------------- moto's answers, made Cognito's

    async def exchange(self, request: web.Request, raw: bytes) -> tuple[int, str, CIMultiDict[str], bytes]:
        payload = Body(spool=io.BytesIO(raw), length=len(raw))
        return await self.proxy.exchange(
            "POST", request.raw_path, self.proxy.request_headers(request.headers, payload), payload
        )

    async def cognito_answer(
        self, request: web.Request, operation: str, raw: bytes, body: dict[str, Any], cors: dict[str, str]
    ) -> web.Response:
        """moto's answer to a sign-in or sign-up, with Cognito's errors and code delivery in place of moto's."""
        status, reason, out, data = await self.exchange(request, raw)
        try:
            result = json.loads(data or b"{}")
        except ValueError:
            result = None
        if isinstance(result, dict):
            error = str(result.get("__type", "")).split("#")[-1]
            if status == 400 and error == "UserNotFoundException" and operation in AUTH_OPERATIONS:
                # PreventUserExistenceErrors ENABLED: an unknown user is a wrong user name or password.
                return _error(not_authorized(INCORRECT_CREDENTIALS), cors)
            if status == 400 and error == "UsernameExistsException" and operation in USERNAME_EXISTS:
                return _error(CognitoError(error, USERNAME_EXISTS[operation]), cors)
            if status == 200 and operation == "SignUp" and body.get("ClientId") in self.config.client_ids:
                try:
                    return _json(await self.accounts.signed_up(body, result), cors)
                except CognitoError as exc:
                    return _error(exc, cors)
        return web.Response(status=status, reason=reason, body=data, headers={**strip_cors(out), **cors})

    # ---------------------------------------------------------------------------------------------- moto

    async def call_moto(self, operation: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One cognito-idp call to moto (which reads the region from the credential scope, not the signature)."""
        raw = json.dumps(payload).encode()
        date = time.strftime("%Y%m%d", time.gmtime())
        scope = f"local/{date}/{self.config.region}/cognito-idp/aws4_request"
        headers: CIMultiDict[str] = CIMultiDict(
            {
                "Host": self.proxy.netloc,
                "Content-Type": JSON_CONTENT_TYPE,
                "X-Amz-Target": TARGET_PREFIX + operation,
                "Content-Length": str(len(raw)),
                "Authorization": (
                    f"AWS4-HMAC-SHA256 Credential={scope}, "
                    f"SignedHeaders=content-type;host;x-amz-target, Signature={'0' * 64}"
                ),
            }
        )
        status, _, _, data = await self.proxy.exchange(
            "POST", "/", headers, Body(spool=io.BytesIO(raw), length=len(raw))
        )
        try:
            result = json.loads(data or b"{}")
        except ValueError:
            result = {}
        return status, result if isinstance(result, dict) else {}


def _json(result: dict[str, Any], cors: dict[str, str]) -> web.Response:
    return web.Response(
        text=json.dumps(result),
        content_type=JSON_CONTENT_TYPE,
        headers={"x-amzn-RequestId": str(uuid.uuid4()), **cors},
    )


def _error(exc: CognitoError, cors: dict[str, str]) -> web.Response:
    response = exc.response()
    response.headers.update(cors)
    return response

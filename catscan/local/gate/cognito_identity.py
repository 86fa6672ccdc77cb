"""Cognito Identity `GetId` and `GetCredentialsForIdentity`, answered like the real service.

moto hands out a new random IdentityId on every `GetId`; AWS returns the same one for the same user, and
Amplify keeps each user's files under it. Here the `Logins` ID token is verified with the JWT verifier the
AppSync emulator uses too (catscan.local.aws_auth.cognito_jwt: RS256 against the pool's JWKS, `exp`, `iss`,
the app client), and `token_use` must be `id` (Cognito Identity takes ID tokens, not access tokens). The
IdentityId is kept per (identity pool, provider, sub) in the gate's state file; credentials are minted for
one hour and remembered for the S3 side of the gate.

Which role the credentials carry follows the identity pool's token-based role mapping that Amplify Gen 2
configures (`Type: Token`, `AmbiguousRoleResolution: AuthenticatedRole`): a member of a user pool group
that has an IAM role gets that group's role (the ID token's `cognito:preferred_role`, which Cognito takes
from the lowest-precedence group with a role; here read from `cognito:groups`, since moto issues no role
claims), everyone else the authenticated role. One role per set of credentials, as in AWS.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from typing import Any

from aiohttp import web

from catscan.local.aws_auth import cognito_jwt

from .config import GateConfig
from .errors import CognitoError, not_authorized
from .grants import role_for_groups
from .proxy import MotoProxy
from .s3_cors import strip_cors
from .s3_payload import Body
from .state import GateState

log = logging.getLogger(__name__)

TARGET_PREFIX = "AWSCognitoIdentityService."
HANDLED = ("GetId", "GetCredentialsForIdentity")
_IDENTITY_ID = re.compile(r"^[\w-]+:[0-9a-f-]+$")
LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login for this identity or identity pool."
)


def jwt_verifier(config: GateConfig) -> cognito_jwt.CognitoJwtVerifier:
    """The identity pool's user pool provider. Access tokens pass here so that their refusal can name the
    missing `aud`, as Cognito Identity does."""
    return cognito_jwt.CognitoJwtVerifier(
        jwks_url=cognito_jwt.jwks_url(
            config.region, config.user_pool_id, config.cognito_endpoint or config.moto
        ),
        issuer=cognito_jwt.issuer(config.region, config.user_pool_id, config.issuer_base),
        app_client_ids=config.client_ids,
        clock=config.clock,
    )


class CognitoIdentity:
    def __init__(self, config: GateConfig, state: GateState, proxy: MotoProxy) -> None:
        self.config = config
        self.state = state
        self.proxy = proxy
        self.verifier = jwt_verifier(config)

    @staticmethod
    def operation(request: web.Request) -> str | None:
        target = request.headers.get("X-Amz-Target", "")
        return target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else None

    async def request(self, request: web.Request, operation: str, cors: dict[str, str]) -> web.StreamResponse:
        """GetId and GetCredentialsForIdentity answered here, any other operation relayed to moto."""
        raw = await request.read()
        if operation in HANDLED and request.method == "POST":
            response = await self.handle(operation, raw)
            response.headers.update(cors)
            return response
        body = Body(spool=io.BytesIO(raw), length=len(raw)) if raw else None
        headers = self.proxy.request_headers(request.headers, body)
        return await self.proxy.relay(
            request,
            request.method,
            request.raw_path,
            headers,
            body,
            extra_headers=cors,
            filter_headers=strip_cors,
        )

    async def handle(self, operation: str, raw: bytes) -> web.Response:
        try:
            try:
                body = json.loads(raw or b"{}")
            except ValueError as exc:
                raise CognitoError("SerializationException", "Malformed request body") from exc
            if not isinstance(body, dict):
                raise CognitoError("SerializationException", "Malformed request body")
            if operation == "GetId":
                result = await self.get_id(body)
            else:
                result = await self.get_credentials_for_identity(body)
        except CognitoError as exc:
            log.info("%s refused: %s", operation, exc)
            return exc.response()
        return web.Response(
            text=json.dumps(result),
            content_type="application/x-amz-json-1.1",
            headers={"x-amzn-RequestId": str(uuid.uuid4())},
        )

    # --------------------------------------------------------------------------------------- operations

    async def get_id(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_pool(body.get("IdentityPoolId"))
        logins = body.get("Logins") or {}
        if not logins:
            raise not_authorized("Unauthenticated access is not supported for this identity pool.")
        sub = str((await self._verified_claims(logins))["sub"])
        identity_id = self.state.identity_for(
            self.config.identity_pool_id, self.config.login_provider, sub, self.config.region
        )
        return {"IdentityId": identity_id}

    async def get_credentials_for_identity(self, body: dict[str, Any]) -> dict[str, Any]:
        identity_id = body.get("IdentityId")
        if not isinstance(identity_id, str) or not _IDENTITY_ID.match(identity_id):
            raise CognitoError(
                "InvalidParameterException",
                "1 validation error detected: Value at "
                "'identityId' failed to satisfy constraint: Member must satisfy regular "
                r"expression pattern: [\w-]+:[0-9a-f-]+",
            )
        if body.get("CustomRoleArn"):
            raise CognitoError(
                "InvalidParameterException",
                "CustomRoleArn is not supported by the local cloud (the identity pool has no role mappings).",
            )
        record = self.state.identity(identity_id)
        if record is None or record.identity_pool_id != self.config.identity_pool_id:
            raise CognitoError("ResourceNotFoundException", f"Identity '{identity_id}' not found.")
        logins = body.get("Logins") or {}
        if not logins:
            raise not_authorized(LOGINS_DONT_MATCH)
        claims = await self._verified_claims(logins)
        if str(claims["sub"]) != record.sub or record.provider != self.config.login_provider:
            raise not_authorized(LOGINS_DONT_MATCH)
        role = role_for_groups(claims.get("cognito:groups"))
        creds = self.state.mint(identity_id, self.config.credentials_ttl_seconds, role)
        log.debug("credentials for %s with the %s role", identity_id, role)
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": creds.access_key_id,
                "SecretKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
                "Expiration": creds.expiration,
            },
        }

    # ------------------------------------------------------------------------------------------ helpers

    def _check_pool(self, pool_id: Any) -> None:
        if not isinstance(pool_id, str) or not pool_id:
            raise CognitoError(
                "InvalidParameterException",
                "1 validation error detected: Value null at "
                "'identityPoolId' failed to satisfy constraint: Member must not be null",
            )
        if pool_id != self.config.identity_pool_id:
            raise CognitoError("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")

    async def _verified_claims(self, logins: Any) -> dict[str, Any]:
        if not isinstance(logins, dict):
            raise CognitoError("InvalidParameterException", "Logins must be a map of provider name to token.")
        unknown = [name for name in logins if name != self.config.login_provider]
        if unknown:
            raise not_authorized(
                "Invalid login token. Token is not from a supported provider of this identity pool."
            )
        token = logins[self.config.login_provider]
        if not isinstance(token, str) or not token:
            raise not_authorized("Invalid login token. Not a valid OpenId Connect identity token.")
        try:
            claims = await self.verifier.verify(token)
        except cognito_jwt.TokenRejected as exc:
            if exc.reason == cognito_jwt.EXPIRED:
                raise not_authorized("Invalid login token. Token expired.") from exc
            raise not_authorized("Invalid login token. Not a valid OpenId Connect identity token.") from exc
        if claims.get("token_use") != "id":
            # An access token has no `aud`; Cognito Identity refuses it.
            raise not_authorized("Invalid login token. Missing a required claim: aud")
        return dict(claims)

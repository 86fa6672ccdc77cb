"""Sign-up confirmation and password reset with real codes, answered as Cognito answers them.

moto (5.2.5) accepts any confirmation code, sends none, lacks `ResendConfirmationCode` (HTTP 500) and reports
an SMS destination for e-mail accounts; and it reveals which users exist (`UserNotFoundException`), where
Cognito with `PreventUserExistenceErrors: ENABLED` (what Amplify Gen 2 configures) does not. This module
answers the code operations itself, with codes from the local mailbox (mailbox.py), and uses moto only
to read and change users:

- `SignUp` (moto's answer, then a code is mailed): `CodeDeliveryDetails` say EMAIL with a masked address.
- `ConfirmSignUp`: the user's current code or `CodeMismatchException` / `ExpiredCodeException`; a confirmed
  user `NotAuthorizedException`; an unknown one `CodeMismatchException` (no existence disclosed).
- `ResendConfirmationCode`: a new code; a confirmed user `InvalidParameterException`; an unknown or
  disabled user gets a simulated `CodeDeliveryDetails` and no code.
- `ForgotPassword`: a reset code to a verified e-mail; an unknown or disabled user, or one without a
  verified e-mail, gets a simulated `CodeDeliveryDetails` and no code.
- `ConfirmForgotPassword`: the reset code (unknown or disabled user: `CodeMismatchException`; no code
  requested: `ExpiredCodeException`), then the new password through moto's password policy check.
- `AdminConfirmSignUp`: only an unconfirmed user (else `NotAuthorizedException`); the pending code is void.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .config import GateConfig
from .errors import CognitoError
from .mailbox import PASSWORD_RESET, SIGN_UP, Mailbox, code_mismatch, delivery_details

log = logging.getLogger(__name__)

CallMoto = Callable[[str, dict[str, Any]], Awaitable[tuple[int, dict[str, Any]]]]
HANDLED = (
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "AdminConfirmSignUp",
)


@dataclass(frozen=True)
class User:
    username: str  # the pool's immutable user name (the sub, for e-mail sign-in pools)
    status: str
    enabled: bool
    attributes: dict[str, str]

    @property
    def email(self) -> str | None:
        return self.attributes.get("email")

    @property
    def email_verified(self) -> bool:
        return self.attributes.get("email_verified") == "true"


def _required(body: dict[str, Any], *names: str) -> list[str]:
    values = [body.get(name) for name in names]
    missing = [
        name for name, value in zip(names, values, strict=True) if not isinstance(value, str) or not value
    ]
    if missing:
        details = "; ".join(
            f"Value null at '{name[:1].lower() + name[1:]}' failed to satisfy constraint: "
            "Member must not be null"
            for name in missing
        )
        count = len(missing)
        raise CognitoError(
            "InvalidParameterException",
            f"{count} validation error{'s' if count > 1 else ''} detected: {details}",
        )
    return [str(v) for v in values]


def simulated_delivery(username: str) -> dict[str, Any]:
    """What Cognito answers for a user it will not send a code to, shaped by the user name the caller gave."""
    return {"CodeDeliveryDetails": delivery_details(username)}


class AccountCodes:
    def __init__(self, config: GateConfig, mailbox: Mailbox, call_moto: CallMoto) -> None:
        self.config = config
        self.mailbox = mailbox
        self.call_moto = call_moto

    async def handle(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "ConfirmSignUp": self.confirm_sign_up,
            "ResendConfirmationCode": self.resend_confirmation_code,
            "ForgotPassword": self.forgot_password,
            "ConfirmForgotPassword": self.confirm_forgot_password,
            "AdminConfirmSignUp": self.admin_confirm_sign_up,
        }[operation]
        return await handler(body)

    # ------------------------------------------------------------------------------------------ sign-up

    async def signed_up(self, body: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        """After moto's SignUp: mail the code and say where it went (moto says an SMS went to +*******9934)."""
        if result.get("UserConfirmed"):
            return result
        user = await self.user(str(result.get("UserSub") or body.get("Username")))
        if user is None or not user.email:
            return result
        self.mailbox.send(user.username, user.email, SIGN_UP)
        return {**result, "CodeDeliveryDetails": delivery_details(user.email)}

    async def confirm_sign_up(self, body: dict[str, Any]) -> dict[str, Any]:
        client_id, username, code = _required(body, "ClientId", "Username", "ConfirmationCode")
        self.known_client(client_id)
        user = await self.user(username)
        if user is None or not user.enabled:
            raise code_mismatch()
        if user.status != "UNCONFIRMED":
            raise CognitoError(
                "NotAuthorizedException", f"User cannot be confirmed. Current status is {user.status}"
            )
        self.mailbox.check(user.username, SIGN_UP, code)
        status, result = await self.call_moto(
            "ConfirmSignUp", {"ClientId": client_id, "Username": user.username, "ConfirmationCode": code}
        )
        self.moto_ok("ConfirmSignUp", status, result)
        self.mailbox.use(user.username, SIGN_UP)
        await self.mark_email_verified(user)
        log.info("ConfirmSignUp: %s confirmed with the mailed code", user.email or user.username)
        return {}

    async def resend_confirmation_code(self, body: dict[str, Any]) -> dict[str, Any]:
        client_id, username = _required(body, "ClientId", "Username")
        self.known_client(client_id)
        user = await self.user(username)
        if user is None or not user.enabled or not user.email:
            return simulated_delivery(username)
        if user.status != "UNCONFIRMED":
            raise CognitoError("InvalidParameterException", "User is already confirmed.")
        self.mailbox.send(user.username, user.email, SIGN_UP)
        return {"CodeDeliveryDetails": delivery_details(user.email)}

    async def admin_confirm_sign_up(self, body: dict[str, Any]) -> dict[str, Any]:
        pool_id, username = _required(body, "UserPoolId", "Username")
        status, found = await self.call_moto("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
        if status != 200:  # admin operations say which users exist, in Cognito too
            raise CognitoError(
                str(found.get("__type", "InternalErrorException")).split("#")[-1],
                str(found.get("message", "Internal error")),
                status if status < 500 else 500,
            )
        if found.get("UserStatus") != "UNCONFIRMED":
            raise CognitoError(
                "NotAuthorizedException",
                f"User cannot be confirmed. Current status is {found.get('UserStatus')}",
            )
        status, result = await self.call_moto(
            "AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": username}
        )
        self.moto_ok("AdminConfirmSignUp", status, result)
        self.mailbox.use(str(found.get("Username")), SIGN_UP)
        return {}

    # ------------------------------------------------------------------------------------- password reset

    async def forgot_password(self, body: dict[str, Any]) -> dict[str, Any]:
        client_id, username = _required(body, "ClientId", "Username")
        self.known_client(client_id)
        user = await self.user(username)
        if user is None or not user.enabled or not user.email or not user.email_verified:
            return simulated_delivery(username)
        self.mailbox.send(user.username, user.email, PASSWORD_RESET)
        return {"CodeDeliveryDetails": delivery_details(user.email)}

    async def confirm_forgot_password(self, body: dict[str, Any]) -> dict[str, Any]:
        client_id, username, code, password = _required(
            body, "ClientId", "Username", "ConfirmationCode", "Password"
        )
        self.known_client(client_id)
        user = await self.user(username)
        if user is None or not user.enabled:
            raise code_mismatch()
        self.mailbox.check(user.username, PASSWORD_RESET, code)
        status, result = await self.call_moto(
            "AdminSetUserPassword",
            {
                "UserPoolId": self.config.user_pool_id,
                "Username": user.username,
                "Password": password,
                "Permanent": True,
            },
        )
        if status == 400:  # the password policy's InvalidPasswordException: the code stays valid
            raise CognitoError(
                str(result.get("__type", "InvalidPasswordException")).split("#")[-1],
                str(result.get("message", "Password does not conform to policy")),
            )
        self.moto_ok("AdminSetUserPassword", status, result)
        self.mailbox.use(user.username, PASSWORD_RESET)
        log.info("ConfirmForgotPassword: %s set a new password with the mailed code", user.email)
        return {}

    # ------------------------------------------------------------------------------------------ helpers

    def known_client(self, client_id: str) -> None:
        if client_id not in self.config.client_ids:
            raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")

    async def user(self, username: str) -> User | None:
        status, found = await self.call_moto(
            "AdminGetUser", {"UserPoolId": self.config.user_pool_id, "Username": username}
        )
        if status == 400 and "UserNotFoundException" in str(found.get("__type", "")):
            return None
        self.moto_ok("AdminGetUser", status, found)
        return User(
            username=str(found.get("Username")),
            status=str(found.get("UserStatus")),
            enabled=bool(found.get("Enabled", True)),
            attributes={a.get("Name"): a.get("Value") for a in found.get("UserAttributes", [])},
        )

    async def mark_email_verified(self, user: User) -> None:
        """Cognito marks the attribute the code went to as verified; moto does not."""
        if not user.email or user.email_verified:
            return
        status, result = await self.call_moto(
            "AdminUpdateUserAttributes",
            {
                "UserPoolId": self.config.user_pool_id,
                "Username": user.username,
                "UserAttributes": [{"Name": "email_verified", "Value": "true"}],
            },
        )
        if status != 200:
            log.warning(
                "AdminUpdateUserAttributes email_verified for %s: HTTP %d %s", user.email, status, result
            )

    @staticmethod
    def moto_ok(operation: str, status: int, result: dict[str, Any]) -> None:
        if status != 200:
            log.error("moto %s: HTTP %d %s", operation, status, result)
            raise CognitoError("InternalErrorException", "Internal error", 500)

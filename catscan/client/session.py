"""Sign-in and AWS credentials of a user: Cognito user pool tokens + identity pool credentials.

The flow is what the pool allows: SRP in AWS; USER_PASSWORD_AUTH on the local cloud, because
moto's SRP accepts any password.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

import boto3
import jwt
from botocore.exceptions import ClientError

from catscan.client.outputs import Outputs


class AuthError(Exception):
    """Wrong user name or password, unconfirmed user, or a refused token."""


@dataclass
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None

    @property
    def claims(self) -> dict[str, Any]:
        return jwt.decode(self.id_token, options={"verify_signature": False})

    @property
    def expires_at(self) -> float:
        return float(self.claims["exp"])


def _client(outputs: Outputs, service: Literal["cognito-idp", "cognito-identity"]) -> Any:
    extra: dict[str, Any] = {}
    if outputs.is_local:
        # The local cloud accepts any key; these are never real credentials.
        extra = {
            "endpoint_url": outputs.endpoint(service),
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
    return boto3.client(service, region_name=outputs.region, **extra)


class UserSession:
    """A signed-in user; tokens refresh themselves shortly before they expire."""

    def __init__(self, outputs: Outputs, username: str, tokens: Tokens) -> None:
        self.outputs, self.username, self._tokens = outputs, username, tokens
        self._lock = threading.Lock()
        self._identity: tuple[str, dict[str, Any]] | None = None

    @classmethod
    def sign_in(cls, outputs: Outputs, username: str, password: str) -> UserSession:
        idp = _client(outputs, "cognito-idp")
        try:
            if outputs.is_local:
                result = idp.initiate_auth(
                    ClientId=outputs.user_pool_client_id,
                    AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": username, "PASSWORD": password},
                )
            else:
                from pycognito.aws_srp import AWSSRP  # SRP: the password never leaves this machine

                result = AWSSRP(
                    username=username,
                    password=password,
                    pool_id=outputs.user_pool_id,
                    client_id=outputs.user_pool_client_id,
                    client=idp,
                ).authenticate_user()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "UserNotConfirmedException":
                where = (
                    f"the local mailbox has the code, or run `catscan user confirm {username}`"
                    if outputs.is_local
                    else "the code was e-mailed to it"
                )
                raise AuthError(
                    f"the account is not confirmed yet: sign in on the web UI and enter the code "
                    f"(it can send a new one); {where}"
                ) from exc
            raise AuthError(_auth_message(exc)) from exc
        except Exception as exc:  # pycognito raises its own types for challenges
            if type(exc).__name__.endswith("ChallengeException"):
                raise AuthError(
                    f"sign-in needs an extra step ({type(exc).__name__}); finish it in the web UI"
                ) from exc
            raise
        auth = result.get("AuthenticationResult")
        if not auth:
            raise AuthError(
                f"sign-in needs an extra step ({result.get('ChallengeName')}); finish it in the web UI"
            )
        return cls(outputs, username, Tokens(auth["IdToken"], auth["AccessToken"], auth.get("RefreshToken")))

    @property
    def tokens(self) -> Tokens:
        with self._lock:
            if self._tokens.expires_at - time.time() < 120:
                self._refresh()
            return self._tokens

    @property
    def id_token(self) -> str:
        return self.tokens.id_token

    @property
    def groups(self) -> list[str]:
        return list(self.tokens.claims.get("cognito:groups", []))

    @property
    def is_admin(self) -> bool:
        return "Admin" in self.groups

    @property
    def owner(self) -> str:
        """The owner the API returns: the username part of the stored `sub::username`."""
        claims = self.tokens.claims
        return str(claims.get("cognito:username", claims["sub"]))

    @property
    def owner_key(self) -> str:
        """The owner value as stored (`<sub>::<username>`): the partition key of the byOwner index."""
        claims = self.tokens.claims
        return f"{claims['sub']}::{self.owner}"

    def _refresh(self) -> None:
        if not self._tokens.refresh_token:
            raise AuthError("the session expired; sign in again")
        try:
            result = _client(self.outputs, "cognito-idp").initiate_auth(
                ClientId=self.outputs.user_pool_client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": self._tokens.refresh_token},
            )
        except ClientError as exc:
            raise AuthError(f"the session could not be refreshed: {_auth_message(exc)}") from exc
        auth = result["AuthenticationResult"]
        self._tokens = Tokens(auth["IdToken"], auth["AccessToken"], self._tokens.refresh_token)

    def identity(self) -> tuple[str, dict[str, Any]]:
        """(identityId, temporary AWS credentials) from the identity pool, as Amplify JS gets them."""
        with self._lock:
            if self._identity and self._identity[1]["Expiration"].timestamp() - time.time() > 120:
                return self._identity
        logins = {
            f"cognito-idp.{self.outputs.region}.amazonaws.com/{self.outputs.user_pool_id}": self.id_token
        }
        cognito = _client(self.outputs, "cognito-identity")
        try:
            identity_id = cognito.get_id(IdentityPoolId=self.outputs.identity_pool_id, Logins=logins)[
                "IdentityId"
            ]
            creds = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        except ClientError as exc:
            raise AuthError(f"no storage credentials for this user: {_auth_message(exc)}") from exc
        with self._lock:
            self._identity = (identity_id, creds)
        return self._identity

    def s3(self) -> Any:
        _, creds = self.identity()
        extra: dict[str, Any] = {}
        if self.outputs.is_local:
            from botocore.config import Config

            extra = {
                "endpoint_url": self.outputs.endpoint("s3"),
                "config": Config(s3={"addressing_style": "path"}),
            }
        return boto3.client(
            "s3",
            region_name=self.outputs.region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretKey"],
            aws_session_token=creds["SessionToken"],
            **extra,
        )


def _auth_message(exc: ClientError) -> str:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", str(exc))
    if code in ("NotAuthorizedException", "UserNotFoundException"):
        return "wrong user name or password"
    if code == "UserNotConfirmedException":
        return "the account is not confirmed yet; confirm it from the e-mail first"
    return message

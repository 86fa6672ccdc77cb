"""The top-level handler's wording for failures that are hard to provoke for real (AWS, expiry)."""

from __future__ import annotations

import argparse

import botocore.exceptions
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError

from catscan.cli.errors import explain
from catscan.client.outputs import Outputs
from catscan.client.session import AuthError

AWS = Outputs(
    region="eu-west-1",
    user_pool_id="eu-west-1_x",
    user_pool_client_id="c",
    identity_pool_id="i",
    graphql_url="https://abc.appsync-api.eu-west-1.amazonaws.com/graphql",
    bucket="b",
)


def args(**kwargs) -> argparse.Namespace:
    return argparse.Namespace(loaded_outputs=AWS, **kwargs)


def test_network_down_in_aws():
    url = "https://cognito-idp.eu-west-1.amazonaws.com/"
    exc = botocore.exceptions.EndpointConnectionError(endpoint_url=url)
    message, code = explain(exc, args())
    assert code == 2 and message.startswith("cannot reach cognito-idp.eu-west-1.amazonaws.com")
    assert "network" in message
    dns = TransportConnectionFailed("Cannot connect to host x:443 ssl:default [Name or service not known]")
    message, code = explain(dns, args())
    assert code == 2 and "abc.appsync-api.eu-west-1.amazonaws.com" in message


def test_expired_or_refused_tokens():
    message, code = explain(AuthError("the session expired; sign in again"), args(signing_in_as="me@x.org"))
    assert code == 2 and message == "the session expired; sign in again"
    refused = TransportQueryError("refused", errors=[{"errorType": "UnauthorizedException", "message": "x"}])
    message, code = explain(refused, args())
    assert code == 2 and "sign in again" in message


def test_wrong_password_names_the_user():
    message, code = explain(AuthError("wrong user name or password"), args(signing_in_as="me@x.org"))
    assert (message, code) == ("sign-in as me@x.org failed: wrong user name or password", 2)


def test_bugs_keep_their_traceback():
    assert explain(ZeroDivisionError(), args()) is None

"""Expected failures -> a message a person understands and an exit code (never a traceback).

Exit codes: 1 for a failed operation (something the API refused for a reason that is not the caller's
identity), 2 for usage, configuration, sign-in, permission and connection errors, 130 for Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
from urllib.parse import urlparse

import aiohttp
import botocore.exceptions
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)

from catscan.cli.common import CliError
from catscan.client.outputs import Outputs, OutputsError
from catscan.client.session import AuthError

_ADDRESS = re.compile(r"(?:https?|wss?)://[^\s/\"']+|(?:localhost|\d{1,3}(?:\.\d{1,3}){3}):\d+")


def explain(exc: BaseException, args: argparse.Namespace) -> tuple[str, int] | None:
    """(message, exit code) for an expected failure, None for a bug (which keeps its traceback)."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            explained = explain(inner, args)
            if explained:
                return explained
        return None
    outputs: Outputs | None = getattr(args, "loaded_outputs", None)
    if isinstance(exc, CliError):
        return exc.message, exc.code
    if isinstance(exc, OutputsError):
        return str(exc), 2
    if isinstance(exc, AuthError):
        user = getattr(args, "signing_in_as", None)
        prefix = f"sign-in as {user} failed: " if user and "expired" not in str(exc) else ""
        return f"{prefix}{exc}", 2
    if _is_connection_error(exc):
        return _unreachable(exc, outputs), 2
    if isinstance(exc, TransportQueryError):
        return _query_error(exc)
    if isinstance(exc, TransportServerError):
        if getattr(exc, "code", None) == 401 or "UnauthorizedException" in str(exc):
            return _TOKEN_REFUSED, 2
        return f"the API failed: {exc}", 1
    if isinstance(exc, TransportProtocolError):
        return f"the API answered something that is not GraphQL: {exc}", 1
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        return f"AWS refused the request ({error.get('Code')}): {error.get('Message', exc)}", 1
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return "no AWS credentials for this user: sign in again", 2
    return None


_TOKEN_REFUSED = "the API refused the sign-in token (expired or revoked?): sign in again"


def _is_connection_error(exc: BaseException) -> bool:
    return isinstance(
        exc,
        (
            botocore.exceptions.ConnectionError,
            botocore.exceptions.HTTPClientError,
            TransportConnectionFailed,
            aiohttp.ClientConnectionError,
            ConnectionError,
            TimeoutError,
        ),
    )


def local_cloud_not_running(address: str) -> str:
    return f"the local cloud is not running (nothing answers at {address}): start it with `make dev`"


def _unreachable(exc: BaseException, outputs: Outputs | None) -> str:
    found = _ADDRESS.search(str(exc))
    address = found.group(0) if found else (outputs.graphql_url if outputs else "the backend")
    if outputs is not None and outputs.is_local:
        return local_cloud_not_running(address)
    host = urlparse(address).netloc or address if "://" in address else address
    detail = str(exc) or type(exc).__name__
    return f"cannot reach {host}: check the network connection ({detail})"


def _query_error(exc: TransportQueryError) -> tuple[str, int]:
    errors = exc.errors or [{"message": str(exc)}]
    first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
    kind, message = first.get("errorType", ""), first.get("message", str(exc))
    if kind == "UnauthorizedException":
        return _TOKEN_REFUSED, 2
    if kind == "Unauthorized":
        return f"not allowed: {message}", 2
    return f"the API refused the request{f' ({kind})' if kind else ''}: {message}", 1

"""AppSync's error shapes."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from .authorization import Unauthorized
from .store import StoreError


class ResolverError(Exception):
    """`$util.error(message, errorType)` in a resolver."""

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type


def _locations(err: GraphQLError) -> list[dict[str, Any]] | None:
    if not err.locations:
        return None
    return [{"line": loc.line, "column": loc.column, "sourceName": None} for loc in err.locations]


def format_execution_error(err: GraphQLError) -> dict[str, Any]:
    """An error raised while resolving a field: `{path, data, errorType, errorInfo, locations, message}`."""
    cause = err.original_error
    error_type: str | None = None
    message = err.message
    if isinstance(cause, (Unauthorized, StoreError, ResolverError)):
        error_type, message = cause.error_type, cause.message
    elif isinstance(cause, TypeError) and str(cause).startswith("Cannot return null for non-nullable"):
        pass  # GraphQL null propagation, e.g. a subscription asking a non-null field the mutation did not select
    elif cause is not None and not isinstance(cause, GraphQLError):
        error_type, message = "InternalFailure", f"{type(cause).__name__}: {cause}"
    return {
        "path": list(err.path) if err.path is not None else None,
        "data": None,
        "errorType": error_type,
        "errorInfo": None,
        "locations": _locations(err),
        "message": message,
    }


def format_request_error(err: GraphQLError) -> dict[str, Any]:
    """A parse/validation/variable error: the operation never ran (`data` is null)."""
    return {"path": None, "locations": _locations(err), "message": err.message}

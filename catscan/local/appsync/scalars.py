"""AppSync's AWS scalars with AppSync's validation, installed onto a built graphql-core schema.

AWSJSON is special, as in AppSync: input must be a string holding valid JSON and resolvers receive the
parsed value (stored in DynamoDB as a map/list/...); output is the value serialised back to a JSON string.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLSchema, IntValueNode, StringValueNode, ValueNode, print_ast

_DATE = r"\d{4}-\d{2}-\d{2}"
_TZ = r"(Z|[+-]\d{2}:\d{2}(:\d{2})?)"
_TIME = r"\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_PATTERNS = {
    "AWSDate": re.compile(rf"^{_DATE}{_TZ}?$"),
    "AWSTime": re.compile(rf"^{_TIME}{_TZ}?$"),
    "AWSDateTime": re.compile(rf"^{_DATE}T{_TIME}{_TZ}$"),
    "AWSEmail": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "AWSPhone": re.compile(r"^\+?[\d\s().-]{3,}$"),
    "AWSURL": re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$"),
}


def _plain(value: Any) -> Any:
    """DynamoDB Decimals back to Python numbers (recursively)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _invalid(name: str, value: Any) -> GraphQLError:
    return GraphQLError(f"Invalid {name} value: {value!r}")


def _string_scalar(name: str) -> tuple[Callable, Callable, Callable]:
    pattern = _PATTERNS[name]

    def check(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise _invalid(name, value)
        if name in ("AWSDate", "AWSDateTime"):
            _check_calendar(name, value)
        return value

    def literal(node: ValueNode, _variables: Any = None) -> str:
        if not isinstance(node, StringValueNode):
            raise _invalid(name, print_ast(node))
        return check(node.value)

    return check, check, literal


def _check_calendar(name: str, value: str) -> None:
    from datetime import date

    try:
        y, m, d = (int(p) for p in value[:10].split("-"))
        date(y, m, d)
    except ValueError as exc:
        raise _invalid(name, value) from exc


def _json_parse(value: Any) -> Any:
    if not isinstance(value, str):
        raise GraphQLError(f"Unable to parse {value!r} as valid JSON.")
    try:
        return json.loads(value)
    except ValueError as exc:
        raise GraphQLError(f"Unable to parse {value} as valid JSON.") from exc


def _json_serialize(value: Any) -> str:
    return json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)


def _json_literal(node: ValueNode, _variables: Any = None) -> Any:
    if not isinstance(node, StringValueNode):
        raise GraphQLError(f"Unable to parse {print_ast(node)} as valid JSON.")
    return _json_parse(node.value)


def _timestamp_parse(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid("AWSTimestamp", value)
    return value


def _timestamp_literal(node: ValueNode, _variables: Any = None) -> int:
    if not isinstance(node, IntValueNode):
        raise _invalid("AWSTimestamp", print_ast(node))
    return int(node.value)


def _ip_parse(value: Any) -> str:
    try:
        ipaddress.ip_interface(value)
    except (TypeError, ValueError) as exc:
        raise _invalid("AWSIPAddress", value) from exc
    return value


def _ip_literal(node: ValueNode, _variables: Any = None) -> str:
    if not isinstance(node, StringValueNode):
        raise _invalid("AWSIPAddress", print_ast(node))
    return _ip_parse(node.value)


def install_aws_scalars(schema: GraphQLSchema) -> None:
    impl: dict[str, tuple[Callable, Callable, Callable]] = {name: _string_scalar(name) for name in _PATTERNS}
    impl["AWSJSON"] = (_json_serialize, _json_parse, _json_literal)
    impl["AWSTimestamp"] = (lambda v: int(_plain(v)), _timestamp_parse, _timestamp_literal)
    impl["AWSIPAddress"] = (str, _ip_parse, _ip_literal)
    for name, (serialize, parse_value, parse_literal) in impl.items():
        scalar = schema.type_map.get(name)
        if scalar is None:
            continue
        if name not in ("AWSJSON", "AWSTimestamp"):
            serialize = str  # stored values are trusted on output, as in AppSync
        # graphql-core 3.3 reads the coerce_* names; the legacy names are kept in step
        scalar.serialize = scalar.coerce_output_value = serialize  # type: ignore[method-assign]
        scalar.parse_value = scalar.coerce_input_value = parse_value  # type: ignore[method-assign]
        scalar.parse_literal = scalar.coerce_input_literal = parse_literal  # type: ignore[method-assign]

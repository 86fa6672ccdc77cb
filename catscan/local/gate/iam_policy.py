"""IAM identity-policy evaluation, as IAM evaluates the gate's grants (grants.py).

The policy variable `${cognito-identity.amazonaws.com:sub}` becomes the caller's IdentityId, `*` / `?` match
in resources (ARNs) and `StringLike` conditions, an explicit Deny wins, and whatever is not allowed is denied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

IDENTITY_VARIABLE = "${cognito-identity.amazonaws.com:sub}"


@dataclass(frozen=True)
class Check:
    """One IAM action on one resource, with the request's condition keys."""

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@lru_cache(maxsize=512)
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL
    )


def wildcard_match(pattern: str, value: str) -> bool:
    return _wildcard(pattern).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def statements_for(
    bucket: str, identity_id: str, template: tuple[dict[str, Any], ...]
) -> list[dict[str, Any]]:
    """The template with the bucket ARN and the policy variable filled in."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{bucket}", bucket).replace(IDENTITY_VARIABLE, identity_id)
        if isinstance(value, (list, tuple)):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return [fill(dict(s)) for s in template]


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, tuple[str, ...]]) -> bool:
    for operator, keys in condition.items():
        for key, expected in keys.items():
            values = context.get(key)
            if not values:  # a missing condition key never satisfies StringLike / StringEquals
                return False
            patterns = _as_list(expected)
            for value in values:
                if operator == "StringLike":
                    ok = any(wildcard_match(p, value) for p in patterns)
                elif operator == "StringEquals":
                    ok = value in patterns
                else:  # an operator this evaluator does not know never allows
                    return False
                if not ok:
                    return False
    return True


def allowed(statements: list[dict[str, Any]], check: Check) -> bool:
    """IAM identity-policy evaluation: an explicit Deny wins, else any Allow, else implicit deny."""
    verdict = False
    for s in statements:
        if not any(wildcard_match(a, check.action) for a in _as_list(s.get("Action", []))):
            continue
        if not any(wildcard_match(r, check.resource) for r in _as_list(s.get("Resource", []))):
            continue
        if "Condition" in s and not _condition_holds(s["Condition"], check.context):
            continue
        if s.get("Effect") == "Deny":
            return False
        verdict = verdict or s.get("Effect") == "Allow"
    return verdict

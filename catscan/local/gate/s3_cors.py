"""S3 CORS, evaluated from the bucket's CORS configuration the way S3 evaluates it.

moto answers preflights from the bucket's rules, but its server also wraps every response in a catch-all CORS
layer that echoes any Origin, so a page from any origin could read S3 responses. S3 adds CORS headers only
when a rule matches the Origin and method. The gate therefore drops moto's Access-Control-* headers and
computes them here, from the configuration it reads from moto (`GET /{bucket}?cors`, cached briefly).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .errors import S3Error

Fetch = Callable[[str], Awaitable[bytes | None]]


@dataclass(frozen=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None


def parse_cors(xml: bytes) -> list[CorsRule]:
    root = ET.fromstring(xml)
    rules = []
    for rule in root.iter():
        if rule.tag.rsplit("}", 1)[-1] != "CORSRule":
            continue
        values: dict[str, list[str]] = {}
        for child in rule:
            values.setdefault(child.tag.rsplit("}", 1)[-1], []).append((child.text or "").strip())
        max_age = values.get("MaxAgeSeconds", [""])[0]
        rules.append(
            CorsRule(
                tuple(values.get("AllowedOrigin", [])),
                tuple(values.get("AllowedMethod", [])),
                tuple(values.get("AllowedHeader", [])),
                tuple(values.get("ExposeHeader", [])),
                int(max_age) if max_age.isdigit() else None,
            )
        )
    return rules


def _match(pattern: str, value: str, case_insensitive: bool = False) -> bool:
    """S3 CORS wildcards: at most one '*', matching any run of characters."""
    if case_insensitive:
        pattern, value = pattern.lower(), value.lower()
    if "*" not in pattern:
        return pattern == value
    head, _, tail = pattern.partition("*")
    return len(value) >= len(head) + len(tail) and value.startswith(head) and value.endswith(tail)


def find_rule(
    rules: list[CorsRule], origin: str, method: str, request_headers: list[str] | None = None
) -> CorsRule | None:
    for rule in rules:
        if not any(_match(o, origin) for o in rule.allowed_origins):
            continue
        if method not in rule.allowed_methods:
            continue
        if request_headers and not all(
            any(_match(a, h, True) for a in rule.allowed_headers) for h in request_headers
        ):
            continue
        return rule
    return None


def rule_headers(rule: CorsRule, origin: str, request_headers: list[str] | None = None) -> dict[str, str]:
    wildcard = "*" in rule.allowed_origins
    headers = {
        "Access-Control-Allow-Origin": "*" if wildcard else origin,
        "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods),
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if not wildcard:
        headers["Access-Control-Allow-Credentials"] = "true"
    if request_headers:
        headers["Access-Control-Allow-Headers"] = ", ".join(request_headers)
    if rule.expose_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.expose_headers)
    if rule.max_age is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age)
    return headers


def strip_cors(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.lower().startswith("access-control-")}


@dataclass
class CorsConfigs:
    """Bucket CORS configurations read from moto, each cached for `ttl` seconds."""

    fetch: Fetch
    ttl: float = 2.0
    _cache: dict[str, tuple[float, list[CorsRule] | None]] = field(default_factory=dict)

    async def rules(self, bucket: str) -> list[CorsRule] | None:
        now = time.monotonic()
        cached = self._cache.get(bucket)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        raw = await self.fetch(bucket)
        rules = parse_cors(raw) if raw else None
        self._cache[bucket] = (now, rules)
        return rules

    def invalidate(self, bucket: str) -> None:
        self._cache.pop(bucket, None)

    async def preflight(
        self, bucket: str | None, origin: str | None, method: str | None, request_headers: str | None
    ) -> dict[str, str]:
        """The headers of a successful preflight; S3Error (S3's 400/403 answers) otherwise."""
        if not origin or not method:
            raise S3Error("BadRequest", "Insufficient information. Origin request header needed.", 400)
        rules = await self.rules(bucket) if bucket else None
        if not rules:
            raise S3Error(
                "AccessForbidden",
                "CORSResponse: CORS is not enabled for this bucket.",
                403,
                Method=method,
                ResourceType="OBJECT",
            )
        wanted = [h.strip().lower() for h in (request_headers or "").split(",") if h.strip()]
        rule = find_rule(rules, origin, method, wanted)
        if rule is None:
            raise S3Error(
                "AccessForbidden",
                "CORSResponse: This CORS request is not allowed. This is usually "
                "because the evalution of Origin, request method / Access-Control-Request-Method or "
                "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                403,
                Method=method,
                ResourceType="OBJECT",
            )
        return rule_headers(rule, origin, wanted)

    async def actual(self, bucket: str | None, origin: str | None, method: str) -> dict[str, str]:
        """CORS headers for a non-preflight response (none when no rule matches)."""
        if not origin or not bucket:
            return {}
        rules = await self.rules(bucket)
        rule = find_rule(rules or [], origin, method)
        return rule_headers(rule, origin) if rule else {}

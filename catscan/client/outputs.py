"""Reads amplify_outputs.json (written by `npx ampx` in AWS, by `catscan dev` locally)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse


class OutputsError(Exception):
    """The outputs file is missing or not a catscan backend's."""


@dataclass(frozen=True)
class Outputs:
    region: str
    user_pool_id: str
    user_pool_client_id: str
    identity_pool_id: str
    graphql_url: str
    bucket: str
    local_endpoints: dict[str, str] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return bool(self.local_endpoints)

    @property
    def realtime_url(self) -> str:
        """AppSync's realtime endpoint; a local emulator serves it on the same host under ws://."""
        url = urlparse(self.graphql_url)
        if self.is_local:
            return f"ws://{url.netloc}/graphql/realtime"
        host = url.netloc.replace("appsync-api", "appsync-realtime-api")
        return f"wss://{host}/graphql"

    def endpoint(self, service: str) -> str | None:
        return self.local_endpoints.get(service)


def load_outputs(path: Path) -> Outputs:
    try:
        raw = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise OutputsError(
            f"{path} not found: start the local cloud with `make dev`, or deploy with `npx ampx sandbox`"
        ) from exc
    except ValueError as exc:
        raise OutputsError(f"{path} is not valid JSON: {exc}") from exc
    try:
        return Outputs(
            region=raw["auth"]["aws_region"],
            user_pool_id=raw["auth"]["user_pool_id"],
            user_pool_client_id=raw["auth"]["user_pool_client_id"],
            identity_pool_id=raw["auth"]["identity_pool_id"],
            graphql_url=raw["data"]["url"],
            bucket=raw["storage"]["bucket_name"],
            local_endpoints=dict(raw.get("custom", {}).get("local", {}).get("endpoints", {})),
        )
    except KeyError as exc:
        raise OutputsError(f"{path} lacks {exc}: is it a catscan backend's amplify_outputs.json?") from exc

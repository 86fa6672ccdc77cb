"""DynamoDB's item calls (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan) for the AppSync emulator, on
the JSON-protocol client (catscan/local/aws_auth/json_protocol.py): every resolver makes one or two of them
(five a scan), and through boto3 they cost the emulator ~45% of its CPU under `make bench`'s load. Table
management (CreateTable, waiters, UpdateTable) stays on boto3: it runs only at start-up.

Binary attributes (B, BS) are not converted: AppSync has no binary scalar, so the emulator's items hold none.
"""

from __future__ import annotations

from typing import Any

from botocore.credentials import Credentials

from catscan.local.aws_auth.json_protocol import JsonProtocolClient


class DynamoItems(JsonProtocolClient):
    """A thread-safe DynamoDB item client."""

    def __init__(self, endpoint_url: str, region: str, credentials: Credentials, **options: Any) -> None:
        super().__init__(endpoint_url, "dynamodb", "DynamoDB_20120810.", region, credentials, **options)

    def get_item(self, **params: Any) -> dict[str, Any]:
        return self.call("GetItem", params)

    def put_item(self, **params: Any) -> dict[str, Any]:
        return self.call("PutItem", params)

    def update_item(self, **params: Any) -> dict[str, Any]:
        return self.call("UpdateItem", params)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        return self.call("DeleteItem", params)

    def query(self, **params: Any) -> dict[str, Any]:
        return self.call("Query", params)

    def scan(self, **params: Any) -> dict[str, Any]:
        return self.call("Scan", params)

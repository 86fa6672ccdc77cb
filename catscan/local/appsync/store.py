"""DynamoDB persistence of @model types, like the Amplify model resolvers do it.

One table per model, `{Type}-{table_suffix}`, partition key `id`. Items carry `__typename`, `createdAt`,
`updatedAt` (set by the caller, i.e. the emulator's resolvers). All calls are synchronous calls on shared,
thread-safe clients (boto3 for the tables, dynamodb_items.py for the items); the async resolvers run them with
`asyncio.to_thread`.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from .config import EmulatorConfig
from .dynamodb_items import DynamoItems
from .filters import ConditionBuilder
from .indexes import add_missing_gsis, gsi_definitions
from .scalars import _plain
from .schema_model import ModelType

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class StoreError(Exception):
    """A DynamoDB error, reported by AppSync as errorType `DynamoDB:<code>`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def error_type(self) -> str:
        return f"DynamoDB:{self.code}"


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_dynamo(v) for v in value]
    return value


def serialize_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in item.items()}


def deserialize_item(item: dict[str, Any]) -> dict[str, Any]:
    return _plain({k: _deserializer.deserialize(v) for k, v in item.items()})


def _encode_token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _decode_token(token: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
        if not isinstance(key, dict):
            raise ValueError
        return key
    except ValueError as exc:
        raise StoreError("DynamoDbException", "Invalid nextToken provided.") from exc


def _store_error(exc: ClientError) -> StoreError:
    err = exc.response.get("Error", {})
    code = err.get("Code", "DynamoDbException")
    request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", str(uuid.uuid4()).upper())
    message = err.get("Message") or code
    if code == "ConditionalCheckFailedException":
        message = "The conditional request failed"
    return StoreError(code, f"{message} (Service: DynamoDb, Status Code: 400, Request ID: {request_id})")


class DynamoStore:
    def __init__(self, config: EmulatorConfig, models: Iterable[ModelType]) -> None:
        self.config = config
        self.models = {m.name: m for m in models}
        session = boto3.session.Session(
            region_name=config.region,
            aws_access_key_id=config.aws_access_key_id,
            aws_secret_access_key=config.aws_secret_access_key,
        )
        # Table management (start-up only) on boto3; the item calls on a lighter client (dynamodb_items.py).
        self.client = session.client(
            "dynamodb",
            endpoint_url=config.dynamodb_endpoint,
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30
            ),
        )
        credentials = session.get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials for DynamoDB (the local cloud passes its local-only keys)")
        self.items = DynamoItems(self.client.meta.endpoint_url, self.client.meta.region_name, credentials)

    def table(self, model: ModelType) -> str:
        return self.config.table_name(model.name)

    # -- tables ---------------------------------------------------------------------------------------------
    def ensure_tables(self) -> list[str]:
        """Create missing tables (with their @index GSIs; GSIs missing on older tables are added);
        returns the names of tables created."""
        existing: set[str] = set()
        for page in self.client.get_paginator("list_tables").paginate():
            existing.update(page.get("TableNames", []))
        created = []
        for model in self.models.values():
            name = self.table(model)
            if name in existing:
                add_missing_gsis(self.client, name, model)
                continue
            index_attributes, gsis = gsi_definitions(model)
            try:
                self.client.create_table(
                    TableName=name,
                    KeySchema=[{"AttributeName": model.primary_key, "KeyType": "HASH"}],
                    AttributeDefinitions=[
                        {"AttributeName": model.primary_key, "AttributeType": "S"},
                        *index_attributes,
                    ],
                    BillingMode="PAY_PER_REQUEST",
                    **({"GlobalSecondaryIndexes": gsis} if gsis else {}),
                )
                self.client.get_waiter("table_exists").wait(
                    TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
                )
                created.append(name)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                    raise
        return created

    # -- items ----------------------------------------------------------------------------------------------
    def get(self, model: ModelType, key: str) -> dict[str, Any] | None:
        try:
            resp = self.items.get_item(
                TableName=self.table(model), Key={model.primary_key: {"S": key}}, ConsistentRead=True
            )
        except ClientError as exc:
            raise _store_error(exc) from exc
        item = resp.get("Item")
        return deserialize_item(item) if item else None

    def create(
        self, model: ModelType, item: dict[str, Any], condition: dict[str, Any] | None
    ) -> dict[str, Any]:
        builder = ConditionBuilder()
        expr = builder.with_required(f"attribute_not_exists({builder.name(model.primary_key)})", condition)
        kwargs: dict[str, Any] = {"ConditionExpression": expr, "ExpressionAttributeNames": builder.names}
        if builder.values:
            kwargs["ExpressionAttributeValues"] = serialize_item(builder.values)
        try:
            self.items.put_item(TableName=self.table(model), Item=serialize_item(item), **kwargs)
        except ClientError as exc:
            raise _store_error(exc) from exc
        return _plain(dict(item))

    def update(
        self, model: ModelType, key: str, values: dict[str, Any], condition: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Set the given attributes; attributes given as None are removed (AppSync semantics)."""
        builder = ConditionBuilder()
        sets, removes = [], []
        for attr, value in values.items():
            if attr == model.primary_key:
                continue
            if value is None:
                removes.append(builder.name(attr))
            else:
                sets.append(f"{builder.name(attr)} = {builder.value(value)}")
        update_expr = " ".join(
            p
            for p in (
                ("SET " + ", ".join(sets)) if sets else "",
                ("REMOVE " + ", ".join(removes)) if removes else "",
            )
            if p
        )
        expr = builder.with_required(f"attribute_exists({builder.name(model.primary_key)})", condition)
        kwargs: dict[str, Any] = {
            "ConditionExpression": expr,
            "ExpressionAttributeNames": builder.names,
            "ReturnValues": "ALL_NEW",
        }
        if update_expr:
            kwargs["UpdateExpression"] = update_expr
        if builder.values:
            kwargs["ExpressionAttributeValues"] = serialize_item(builder.values)
        try:
            resp = self.items.update_item(
                TableName=self.table(model), Key={model.primary_key: {"S": key}}, **kwargs
            )
        except ClientError as exc:
            raise _store_error(exc) from exc
        return deserialize_item(resp.get("Attributes", {}))

    def delete(self, model: ModelType, key: str, condition: dict[str, Any] | None) -> dict[str, Any]:
        builder = ConditionBuilder()
        expr = builder.with_required(f"attribute_exists({builder.name(model.primary_key)})", condition)
        kwargs: dict[str, Any] = {
            "ConditionExpression": expr,
            "ExpressionAttributeNames": builder.names,
            "ReturnValues": "ALL_OLD",
        }
        if builder.values:
            kwargs["ExpressionAttributeValues"] = serialize_item(builder.values)
        try:
            resp = self.items.delete_item(
                TableName=self.table(model), Key={model.primary_key: {"S": key}}, **kwargs
            )
        except ClientError as exc:
            raise _store_error(exc) from exc
        return deserialize_item(resp.get("Attributes", {}))

    def scan(
        self, model: ModelType, limit: int, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One DynamoDB Scan page of `limit` evaluated items (filters are applied by the caller afterwards,
        so, exactly like AppSync's list resolvers, a page may hold fewer matches than `limit`)."""
        kwargs: dict[str, Any] = {"TableName": self.table(model), "Limit": max(1, limit)}
        if next_token:
            kwargs["ExclusiveStartKey"] = _decode_token(next_token)
        try:
            resp = self.items.scan(**kwargs)
        except ClientError as exc:
            raise _store_error(exc) from exc
        items = [deserialize_item(i) for i in resp.get("Items", [])]
        last = resp.get("LastEvaluatedKey")
        return items, (_encode_token(last) if last else None)

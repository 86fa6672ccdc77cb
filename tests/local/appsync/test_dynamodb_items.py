"""The emulator's light DynamoDB item client answers as boto3 does: the same results and the same ClientError
fields, against the same moto server."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, EndpointConnectionError

from catscan.local.appsync.dynamodb_items import DynamoItems


@pytest.fixture(scope="module")
def table(ddb: Any) -> str:
    name = f"items-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture(scope="module")
def items(moto_endpoint: str) -> DynamoItems:
    return DynamoItems(moto_endpoint, "us-east-1", Credentials("testing", "testing"))


def _without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_results_equal_boto3s(items: DynamoItems, ddb: Any, table: str) -> None:
    item = {
        "id": {"S": "a"},
        "n": {"N": "1.5"},
        "debug": {"M": {"labels": {"L": [{"M": {"Name": {"S": "Cat"}, "Confidence": {"N": "97.25"}}}]}}},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "tags": {"SS": ["x", "y"]},
    }
    items.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(id)")
    ours = items.get_item(TableName=table, Key={"id": {"S": "a"}}, ConsistentRead=True)
    theirs = ddb.get_item(TableName=table, Key={"id": {"S": "a"}}, ConsistentRead=True)
    assert _without_metadata(ours) == _without_metadata(theirs)
    assert ours["Item"]["debug"] == item["debug"]

    update = {
        "TableName": table,
        "Key": {"id": {"S": "a"}},
        "UpdateExpression": "SET #n = :n REMOVE #f",
        "ConditionExpression": "attribute_exists(id)",
        "ExpressionAttributeNames": {"#n": "n", "#f": "flag"},
        "ExpressionAttributeValues": {":n": {"N": "2"}},
        "ReturnValues": "ALL_NEW",
    }
    ours = items.update_item(**update)
    theirs = ddb.update_item(**update)
    assert _without_metadata(ours) == _without_metadata(theirs)
    assert ours["Attributes"]["n"] == {"N": "2"} and "flag" not in ours["Attributes"]

    page = {"TableName": table, "Limit": 1}
    assert _without_metadata(items.scan(**page)) == _without_metadata(ddb.scan(**page))
    deleted = items.delete_item(TableName=table, Key={"id": {"S": "a"}}, ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["id"] == {"S": "a"}
    assert "Item" not in items.get_item(TableName=table, Key={"id": {"S": "a"}})


def _error(call: Any, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return {
        "code": response["Error"]["Code"],
        "message": response["Error"]["Message"],
        "op": raised.value.operation_name,
        "request id": bool(response["ResponseMetadata"].get("RequestId")),
        "status": response["ResponseMetadata"]["HTTPStatusCode"],
    }


@pytest.mark.parametrize(
    "case",
    ["condition fails", "empty key", "missing table", "wrong key type", "server error"],
)
def test_errors_equal_boto3s(items: DynamoItems, ddb: Any, table: str, case: str) -> None:
    key = {"id": {"S": f"e-{case}"}}
    ddb.put_item(TableName=table, Item=key)
    params: dict[str, Any] = {
        "condition fails": {
            "TableName": table,
            "Item": key,
            "ConditionExpression": "attribute_not_exists(id)",
        },
        "empty key": {"TableName": table, "Item": {"id": {"S": ""}}},
        # moto answers an undefined placeholder with an HTTP 500 (its KeyError): retried, then raised
        "server error": {"TableName": table, "Item": key, "ConditionExpression": "id = :undefined"},
        "missing table": {"TableName": "no-such-table", "Item": key},
        "wrong key type": {"TableName": table, "Item": {"id": {"N": "1"}}},
    }[case]
    ours = _error(items.put_item, **params)
    theirs = _error(ddb.put_item, **params)
    assert ours == theirs
    assert (
        ours["code"]
        == {
            "condition fails": "ConditionalCheckFailedException",
            "empty key": "ValidationException",
            "missing table": "ResourceNotFoundException",
            "wrong key type": "ValidationException",
            "server error": theirs["code"],
        }[case]
    )


def test_an_unreachable_endpoint_is_botocores_connection_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    items = DynamoItems(
        f"http://127.0.0.1:{port}", "us-east-1", Credentials("testing", "testing"), connect_timeout=1
    )
    with pytest.raises(EndpointConnectionError):
        items.get_item(TableName="t", Key={"id": {"S": "a"}})


def test_observers_see_each_operation(items: DynamoItems, table: str) -> None:
    seen: list[str] = []
    items.observe(seen.append)
    items.get_item(TableName=table, Key={"id": {"S": "nobody"}})
    items.query(
        TableName=table,
        KeyConditionExpression="id = :id",
        ExpressionAttributeValues={":id": {"S": "nobody"}},
    )
    assert seen == ["GetItem", "Query"]

"""The local cloud's moto host: its direct dump of DynamoDB item results answers what moto's own
serializer answers (checked against moto in-process, which keeps moto's path), and it counts requests
by caller, service and operation for `make bench`."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from moto import mock_aws

from catscan.local.processes import free_port, port_open

ITEM = {
    "id": {"S": "a"},
    "b": {"B": b"\x00\xffhi"},
    "bs": {"BS": [b"x", b"y"]},
    "n": {"N": "1.5"},
    "l": {"L": [{"M": {"q": {"NULL": True}}}, {"BOOL": False}]},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
}


NESTED = {
    "M": {
        "labels": {
            "L": [
                {
                    "M": {
                        "name": {"S": "Cat"},
                        "boxes": {"L": [{"M": {"w": {"N": "0.5"}}}]},
                        "tags": {"SS": ["x", "y"]},
                    }
                }
            ]
        },
        "raw": {"B": b"\x02"},
    }
}


def item_operations(ddb) -> list:
    """What the scanner's idempotency records and the AppSync resolvers do, and the edges (binaries,
    nested maps and lists, conditional failures with the old item, every ReturnValues of UpdateItem,
    deletes) that a direct dump or the host's fewer copies of an item could get wrong."""
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"id": {"S": "a"}}
    out = [
        ddb.put_item(TableName="t", Item=ITEM, ReturnConsumedCapacity="TOTAL"),
        ddb.put_item(TableName="t", Item=ITEM, ReturnValues="ALL_OLD"),
        ddb.get_item(TableName="t", Key=key, ReturnConsumedCapacity="INDEXES"),
        ddb.get_item(TableName="t", Key={"id": {"S": "missing"}}),
        ddb.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET n = n + :o",
            ExpressionAttributeValues={":o": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        ),
        ddb.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET z = :o",
            ExpressionAttributeValues={":o": {"B": b"\x01"}},
            ReturnValues="ALL_NEW",
        ),
        ddb.update_item(TableName="t", Key=key, UpdateExpression="REMOVE z"),
    ]
    for returned in ("NONE", "ALL_OLD", "UPDATED_OLD", "UPDATED_NEW", "ALL_NEW"):
        out.append(
            ddb.update_item(
                TableName="t",
                Key=key,
                UpdateExpression="SET deep = :d, n = n + :o ADD ss :s",
                ConditionExpression="attribute_exists(id)",
                ReturnValues=returned,
                ExpressionAttributeValues={":d": NESTED, ":o": {"N": "1"}, ":s": {"SS": [returned]}},
            )
        )
    out.append(
        ddb.update_item(
            TableName="t",
            Key={"id": {"S": "new"}},
            UpdateExpression="SET deep = :d",
            ExpressionAttributeValues={":d": NESTED},
            ReturnValues="ALL_OLD",
        )
    )
    out.append(ddb.get_item(TableName="t", Key=key))
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as failed:
        ddb.put_item(
            TableName="t",
            Item=ITEM,
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    out.append(failed.value.response.get("Item"))
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as failed:
        ddb.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET n = :o",
            ConditionExpression="n = :o",
            ExpressionAttributeValues={":o": {"N": "0"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    out.append(failed.value.response.get("Item"))
    out.append(ddb.get_item(TableName="t", Key=key))  # the failed update changed nothing
    big = {":big": {"S": "x" * 250_000}}
    out.append(
        ddb.update_item(
            TableName="t", Key=key, UpdateExpression="SET big1 = :big", ExpressionAttributeValues=big
        )
    )
    with pytest.raises(ddb.exceptions.ClientError) as too_large:  # the item would exceed 400 KB
        ddb.update_item(
            TableName="t", Key=key, UpdateExpression="SET big2 = :big", ExpressionAttributeValues=big
        )
    out.append(too_large.value.response["Error"])
    out.append(
        ddb.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET l2 = list_append(l, :more)",
            ExpressionAttributeValues={":more": {"L": [{"S": "added"}]}},
            ReturnValues="ALL_NEW",
        )
    )
    out += [
        ddb.delete_item(TableName="t", Key=key, ReturnValues="ALL_OLD"),
        ddb.delete_item(TableName="t", Key=key),
    ]
    for response in out:
        if isinstance(response, dict):
            response.pop("ResponseMetadata", None)
    return out


def start_host(*args: str):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "catscan.local.moto_host", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        if port_open(port) or process.poll() is not None:
            break
        time.sleep(0.05)
    return process, port


@pytest.fixture(scope="module")
def moto_host():
    process, port = start_host()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def client(service: str, endpoint: str | None = None, key: str = "AKLOCALTEST"):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key="x",
    )


def test_item_results_are_those_of_moto_s_own_serializer(moto_host):
    served = item_operations(client("dynamodb", moto_host))
    with mock_aws():
        reference = item_operations(client("dynamodb"))
    assert served == reference
    assert served[2]["Item"]["b"] == {"B": b"\x00\xffhi"} and served[-2]["Attributes"]["bs"] == {
        "BS": [b"x", b"y"]
    }
    assert (
        served[8]["Attributes"]["n"] == {"N": "3.5"} and served[11]["Attributes"]["deep"] == NESTED
    )  # not vacuous
    assert served[-4]["Code"] == "ValidationException" and "size" in served[-4]["Message"]
    assert (
        served[-3]["Attributes"]["l2"]["L"][-1] == {"S": "added"}
        and len(served[-3]["Attributes"]["l"]["L"]) == 2
    )


def test_an_update_on_a_table_with_a_stream_records_the_old_image(moto_host):
    """The host skips moto's copy of the item under UpdateItem only for a table without a stream."""
    ddb = client("dynamodb", moto_host)
    arn = ddb.create_table(
        TableName="streamed",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName="streamed", Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(
        TableName="streamed",
        Key={"id": {"S": "a"}},
        UpdateExpression="SET n = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    streams = client("dynamodbstreams", moto_host)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    modify = [r["dynamodb"] for r in records if r["eventName"] == "MODIFY"]
    assert [(m["OldImage"]["n"], m["NewImage"]["n"]) for m in modify] == [({"N": "1"}, {"N": "2"})]


def test_requests_are_counted_by_caller_service_and_operation(moto_host):
    s3 = client("s3", moto_host, key="AKCOUNTER")
    s3.create_bucket(Bucket="counted")
    s3.put_object(Bucket="counted", Key="a/b.jpg", Body=b"x" * 100)
    s3.get_object(Bucket="counted", Key="a/b.jpg", Range="bytes=0-9")
    s3.get_object(Bucket="counted", Key="a/b.jpg")
    client("sqs", moto_host, key="AKCOUNTER").list_queues()
    with urllib.request.urlopen(f"{moto_host}/_local/calls") as response:
        rows = {
            (r["service"], r["operation"]): r["count"]
            for r in json.load(response)
            if r["caller"] == "AKCOUNTER"
        }
    assert rows == {
        ("s3", "CreateBucket"): 1,
        ("s3", "PutObject"): 1,
        ("s3", "GetObject (ranged)"): 1,
        ("s3", "GetObject"): 1,
        ("sqs", "ListQueues"): 1,
    }


def test_the_retention_check_agrees_with_moto_s():
    from moto.sqs.models import SQSBackend, sqs_backends

    from catscan.local.moto_host import within_retention

    with mock_aws():
        sqs = client("sqs")
        url = sqs.create_queue(QueueName="kept", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="fresh")
        backend = sqs_backends["123456789012"]["us-east-1"]
        message = backend.get_queue("kept")._messages[0]
        verdicts = []
        for age_seconds in (0, 59, 61, 3600):
            message.sent_timestamp = int((time.time() - age_seconds) * 1000)
            verdicts.append(
                (
                    within_retention(backend, "kept", message),
                    SQSBackend.is_message_valid_based_on_retention_period(backend, "kept", message),
                )
            )
    assert verdicts == [(True, True), (True, True), (False, False), (False, False)]


def test_s3_keys_and_metadata_are_read_as_moto_s_own_server_reads_them(moto_host):
    """The host serves moto on cheroot: what moto's own (werkzeug) server hands moto still holds: keys with
    escapes read from the raw path, S3 metadata keeping its underscores, an underscored header never standing
    in for a dashed one."""
    from moto.server import ThreadedMotoServer

    def metadata(endpoint: str) -> list[dict]:
        s3 = client("s3", endpoint)
        s3.create_bucket(Bucket="meta")
        cases = [
            {"my_key": "under", "plain": "p"},
            {"my_key": "under", "my-key": "dash"},
            {"a_b_c": "1", "A-b": "2"},
        ]
        for i, sent in enumerate(cases):
            s3.put_object(Bucket="meta", Key=f"k{i}", Body=b"x", Metadata=sent)
        read = [s3.head_object(Bucket="meta", Key=f"k{i}")["Metadata"] for i in range(len(cases))]
        for key in ("100% cat %2B %41.png", "a+b c/ü?x=1&y#z"):  # keys moto reads from the raw path
            s3.put_object(Bucket="meta", Key=key, Body=key.encode())
            read.append({"key": key, "body": s3.get_object(Bucket="meta", Key=key)["Body"].read().decode()})
        read.append({"listed": sorted(o["Key"] for o in s3.list_objects_v2(Bucket="meta")["Contents"])})
        return read

    port = free_port()
    reference_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    reference_server.start()
    try:
        reference = metadata(f"http://127.0.0.1:{port}")
    finally:
        reference_server.stop()
    served = metadata(moto_host)
    assert served == reference
    assert served[0] == {"my_key": "under", "plain": "p"}  # not vacuous: the underscore kept
    assert served[3] == {"key": "100% cat %2B %41.png", "body": "100% cat %2B %41.png"}


def test_connections_are_kept_alive(moto_host):
    """One TCP connection answers several requests (moto's own server closed each one)."""
    import http.client
    from urllib.parse import urlparse

    url = urlparse(moto_host)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        statuses = []
        for _ in range(3):
            connection.request("GET", "/_local/calls")
            response = connection.getresponse()
            response.read()
            statuses.append((response.status, response.getheader("Connection")))
            assert connection.sock is not None  # still open
    finally:
        connection.close()
    assert statuses == [(200, None)] * 3


CONDITIONAL_RACE = """
import sys, threading
import boto3
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from catscan.local import moto_host

moto_host._cheaper_updates()
sys.setswitchinterval(1e-6)  # threads switch as often as they can: a race shows within a few rounds
with mock_aws():
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="t", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    backend = dynamodb_backends["123456789012"]["us-east-1"]
    doubles = 0
    for n in range(60):
        key = {"id": {"S": f"k{n}"}}
        backend.put_item("t", {**key, "status": {"S": "PENDING"}})
        wins, barrier = [], threading.Barrier(8)

        def write(i):
            barrier.wait()
            try:
                backend.update_item("t", key, "SET #s = :v", {"#s": "status"},
                                    {":v": {"S": f"W{i}"}, ":p": {"S": "PENDING"}}, condition_expression="#s = :p")
                wins.append(i)
            except Exception:
                pass

        threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        doubles += len(wins) != 1
    print(doubles)
"""


def test_a_conditional_write_is_won_once_however_the_threads_interleave():
    """DynamoDB applies a conditional write atomically: of 8 writers of `status = PENDING -> mine`, exactly
    one wins. moto's backend alone lets several pass under thread switches (the host's threads); the host's
    write lock makes it atomic (in a process of its own: the patches are the moto host's, not this one's)."""
    done = subprocess.run(
        [sys.executable, "-c", CONDITIONAL_RACE], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def expression_cases(ddb) -> list:
    """UpdateItem answers that the host's shared expression trees and cheaper tree walks could get wrong: the
    same expression text on an existing item, a new item and a failing condition (one cached tree, each use
    validated against its own item), and moto's validation errors."""
    ddb.create_table(
        TableName="e",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    names = {"#s": "status", "#d": "debug", "#n": "n"}
    same = "SET #s = :s, #d = :d, #n = if_not_exists(#n, :zero) + :one, l = list_append(if_not_exists(l, :e), :l)"

    def update(key: str, **extra):
        values = {
            ":s": {"S": f"S-{key}"},
            ":d": NESTED,
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
            ":e": {"L": []},
            ":l": {"L": [{"S": key}]},
        }
        return {
            "TableName": "e",
            "Key": {"id": {"S": key}},
            "UpdateExpression": same,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
            **extra,
        }

    out: list = []

    def call(**kwargs):
        try:
            response = ddb.update_item(**kwargs)
            response.pop("ResponseMetadata", None)
            out.append(response)
        except ddb.exceptions.ClientError as error:
            out.append({"error": error.response["Error"], "item": error.response.get("Item")})

    for key in ("a", "a", "b", "a"):  # new, existing, new, existing: the same text each time
        call(**update(key))
    call(
        **update(
            "a",
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    )
    call(**update("missing-table", TableName="nope"))
    bad = [
        ("SET a = :v, a = :v", {":v": {"S": "x"}}),  # the same path twice
        ("SET a.b = :v, a = :v", {":v": {"S": "x"}}),  # overlapping paths
        ("SET a = :v SET b = :v", {":v": {"S": "x"}}),  # two SET clauses
        ("SET id = :v", {":v": {"S": "x"}}),  # a key attribute
        ("SET a = :undefined, b = :v", {":v": {"S": "x"}}),  # a value not given
        ("SET a = nothere + :v", {":v": {"N": "1"}}),  # an attribute the item does not have
        ("SET a = #s + :v", {":v": {"N": "1"}}),  # a string attribute plus a number
        ("SET #s = #s + :v", {":v": {"N": "1"}}),  # the same, into itself
        ("SET l = list_append(#s, :v)", {":v": {"L": []}}),  # list_append on a string
        ("SET a = :v REMOVE a", {":v": {"S": "x"}}),
        ("SET a = = :v", {":v": {"S": "x"}}),  # a syntax error
        ("SET a[0].b = :v", {":v": {"S": "x"}}),  # a document path into nothing
        ("ADD ns :v", {":v": {"S": "x"}}),  # ADD of a string
    ]
    for expression, values in bad * 2:  # errors are never cached: the second round answers the same
        kwargs = {"TableName": "e", "Key": {"id": {"S": "a"}}, "UpdateExpression": expression}
        if "#s" in expression:
            kwargs["ExpressionAttributeNames"] = {"#s": "status"}
        call(**kwargs, ExpressionAttributeValues=values)
    out.append(ddb.get_item(TableName="e", Key={"id": {"S": "a"}})["Item"])  # the failures changed nothing
    # The size limit as each SET of one update changes the item (the host keeps values' sizes during an update)
    big, small = {":big": {"S": "x" * 250_000}}, {":small": {"S": "y"}}
    for expression, values in (
        ("SET b1 = :big", big),
        ("SET b2 = :big", big),  # the item would exceed 400 KB
        ("SET b1 = :small, b2 = :big", {**big, **small}),  # b1 shrinks first: b2 fits
        ("SET b3 = :big, b1 = :small", {**big, **small}),  # b3 comes first: too large
        ("SET b1 = b2, b2 = :small", small),  # b1 takes b2's value while b2 still holds it: too large
        ("SET b3 = b1", {}),  # the same value object twice in the item, small
    ):
        kwargs = {"TableName": "e", "Key": {"id": {"S": "big"}}, "UpdateExpression": expression}
        call(**kwargs, **({"ExpressionAttributeValues": values} if values else {}))
    out.append(sorted(ddb.get_item(TableName="e", Key={"id": {"S": "big"}})["Item"]))
    return out


def test_update_expressions_answer_as_moto_s_own(moto_host):
    served = expression_cases(client("dynamodb", moto_host))
    with mock_aws():
        reference = expression_cases(client("dynamodb"))
    assert served == reference
    # not vacuous: updates applied (twice on "a"), conditions and validations failed as moto's do
    assert (
        served[3]["Attributes"]["n"] == {"N": "3"} and served[3]["Attributes"]["l"]["L"] == [{"S": "a"}] * 3
    )
    assert served[4]["error"]["Code"] == "ConditionalCheckFailedException" and served[4]["item"]["n"] == {
        "N": "3"
    }
    assert served[5]["error"]["Code"] == "ResourceNotFoundException"
    errors = [r["error"]["Code"] for r in served[6:32]]
    assert errors == ["ValidationException"] * 26
    assert ["error" in r for r in served[33:39]] == [False, True, False, True, True, False]
    assert served[-1] == ["b1", "b2", "b3", "id"]


SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKDIRECT/20261130/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"
)
# What differs between any two answers: ids, times, checksums of bodies holding them, the lengths of those.
VOLATILE_HEADERS = {
    "x-amzn-requestid",
    "date",
    "x-amz-crc32",
    "content-length",
    "last-modified",
    "x-amz-request-id",
    "x-amz-id-2",
}
VOLATILE_FIELDS = {"CreationDateTime", "MessageId", "ReceiptHandle", "TableArn", "TableId", "LatestStreamArn"}


def raw_answers(port: int) -> list:
    """Raw HTTP answers (status line, headers in order, body) to JSON-protocol DynamoDB and SQS requests and S3
    requests, the host's direct routes among them, and to requests that must not take them."""
    import http.client

    def strip(value):
        if isinstance(value, dict):
            return {k: "*" if k in VOLATILE_FIELDS else strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    def send(service: str, target: str, body, **headers):
        return exchange("POST", headers.pop("path", "/"), service, target, body, **headers)

    def exchange(method: str, path: str, service: str, target: str, body, **headers):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        sent = {
            "X-Amz-Target": target,
            "Content-Type": "application/x-amz-json-1.0",
            **({"Authorization": SIGNED.format(service)} if service else {}),
            **headers,
        }
        if target is None:  # S3
            del sent["X-Amz-Target"], sent["Content-Type"]
        elif not isinstance(body, bytes):
            body = json.dumps(body) if body is not None else b"{bad"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read().replace(f":{port}/".encode(), b":PORT/")  # queue URLs
        connection.close()
        with contextlib.suppress(ValueError):  # not JSON: compared as it is, but for ids and times
            content = strip(json.loads(content))
        if isinstance(content, bytes):
            content = re.sub(rb"<(RequestId|HostId|LastModified)>[^<]*<", rb"<\1>*<", content)
        names = [(k, "*" if k.lower() in VOLATILE_HEADERS else v) for k, v in response.getheaders()]
        return response.status, response.reason, names, content

    table = {
        "TableName": "d",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    key = {"TableName": "d", "Key": {"id": {"S": "a"}}}
    ddb = "DynamoDB_20120810."
    answers = [
        send("dynamodb", ddb + "GetItem", key),  # a missing table
        send("dynamodb", ddb + "CreateTable", table),
        send("dynamodb", ddb + "PutItem", {"TableName": "d", "Item": {**key["Key"], "b": {"B": "AAE="}}}),
        send(
            "dynamodb",
            ddb + "PutItem",
            {"TableName": "d", "Item": key["Key"], "ConditionExpression": "attribute_not_exists(id)"},
        ),
        send(
            "dynamodb",
            ddb + "UpdateItem",
            {
                **key,
                "UpdateExpression": "SET n = :n",
                "ExpressionAttributeValues": {":n": {"N": "1"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        send("dynamodb", ddb + "UpdateItem", {**key, "UpdateExpression": "SET n = = :n"}),
        send("dynamodb", ddb + "GetItem", key),
        send("dynamodb", ddb + "GetItem", key, Origin="http://localhost:5173"),  # a browser's: moto's app
        send("dynamodb", ddb + "GetItem", {"TableName": "d"}),  # no key
        send("dynamodb", ddb + "Scan", {"TableName": "d"}),
        send("dynamodb", ddb + "DescribeTable", {"TableName": "d"}),
        send("dynamodb", ddb + "ListTables", {}),
        send("dynamodb", ddb + "NoSuchOperation", {}),
        send("dynamodb", ddb + "GetItem", None),  # not JSON
        send("dynamodb", "DynamoDB_20111205.ListTables", {}),  # an older API: moto's app
        send("dynamodb", ddb + "ListTables", {}, path="/elsewhere"),
        send("", ddb + "ListTables", {}),  # unsigned: moto's app (which takes it for S3)
        send("sqs", "AmazonSQS.GetQueueUrl", {"QueueName": "nope"}),
        send("sqs", "AmazonSQS.CreateQueue", {"QueueName": "direct"}),
    ]
    url = answers[-1][3]["QueueUrl"]
    answers += [
        send("sqs", "AmazonSQS.SendMessage", {"QueueUrl": url, "MessageBody": "hello"}),
        send("sqs", "AmazonSQS.ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10}),
        send(
            "sqs",
            "AmazonSQS.DeleteMessageBatch",
            {"QueueUrl": url, "Entries": [{"Id": "1", "ReceiptHandle": "bogus"}]},
        ),
        send("sqs", "AmazonSQS.ReceiveMessage", {"QueueUrl": url + "-missing"}),
        send("sqs", "AmazonSQS.ListQueues", {}),
    ]

    def s3(method: str, path: str, body: bytes | None = None, **headers):
        return exchange(method, path, "s3", None, body, **headers)

    picture = bytes(range(256)) * 400
    answers += [
        s3("PUT", "/pictures"),  # CreateBucket: moto's app
        s3(
            "PUT",
            "/pictures/private/a.jpg",
            picture,
            **{"Content-Type": "image/jpeg", "x-amz-meta-my_key": "u"},
        ),
        s3("GET", "/pictures/private/a.jpg"),
        s3("GET", "/pictures/private/a.jpg", Range="bytes=0-9"),
        s3("HEAD", "/pictures/private/a.jpg"),
        s3("GET", "/pictures/private/a.jpg?tagging"),
        s3("PUT", "/pictures/b%20c%2Bd.png", b"escaped"),
        s3("GET", "/pictures/b%20c%2Bd.png"),
        s3("PUT", "/pictures/copy.jpg", **{"x-amz-copy-source": "/pictures/private/a.jpg"}),
        s3("GET", "/pictures/missing.jpg"),
        s3("HEAD", "/pictures/missing.jpg"),
        s3("GET", "/no-such-bucket/a.jpg"),
        s3("GET", "/pictures/private/a.jpg", Origin="http://localhost:5173"),  # a browser's: moto's app
        s3("DELETE", "/pictures/private/a.jpg"),
        s3("GET", "/pictures/private/a.jpg"),
        s3("GET", "/pictures?list-type=2"),  # a bucket: moto's app
    ]
    return answers


def test_direct_routes_answer_as_moto_s_app():
    """The host hands DynamoDB and SQS JSON requests and S3 object requests to moto's response classes without
    moto's app: each answer (status, headers in order, body) is the one moto's app gives (the host with
    --plain-dispatch)."""
    direct, direct_port = start_host()
    plain, plain_port = start_host("--plain-dispatch")
    try:
        served, reference = raw_answers(direct_port), raw_answers(plain_port)
        with urllib.request.urlopen(f"http://127.0.0.1:{direct_port}/_local/calls") as response:
            counted = {
                (r["service"], r["operation"]): r["count"]
                for r in json.load(response)
                if r["caller"] == "AKDIRECT"
            }
    finally:
        for process in (direct, plain):
            process.terminate()
            process.wait(10)
    assert served == reference
    statuses = [answer[0] for answer in served]
    assert statuses[:7] == [400, 200, 200, 400, 200, 400, 200] and 500 in statuses  # not vacuous
    assert served[6][3]["Item"]["n"] == {"N": "1"} and served[20][3]["Messages"][0]["Body"] == "hello"
    assert served[-14][3] == bytes(range(256)) * 400 and served[-13][0] == 206
    # still counted
    assert counted[("dynamodb", "GetItem")] == 5 and counted[("sqs", "ReceiveMessage")] == 2
    assert counted[("s3", "PutObject")] == 2 and counted[("s3", "GetObject (ranged)")] == 1


def test_pipelined_requests_and_large_bodies_are_read_whole(moto_host):
    """The host reads requests through the C buffered reader: two requests sent in one packet are both
    answered, in order, and a body larger than the reader's buffer arrives whole (and goes out whole, its
    head written with it)."""
    import socket
    from urllib.parse import urlparse

    from catscan.local.moto_host import CALLS_PATH

    url = urlparse(moto_host)
    s3 = client("s3", moto_host)
    s3.create_bucket(Bucket="large")
    body = bytes(range(256)) * 1200  # 300 KB
    s3.put_object(Bucket="large", Key="k", Body=body)
    assert s3.get_object(Bucket="large", Key="k")["Body"].read() == body
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        request = f"GET {CALLS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        connection.sendall(request + request.replace(b"GET", b"DELETE"))  # one packet, two requests
        stream = connection.makefile("rb")
        answers = []
        for _ in range(2):
            status = stream.readline()
            headers = dict(
                line.decode().split(": ", 1) for line in iter(lambda: stream.readline().strip(), b"")
            )
            answers.append((status.split()[1], json.loads(stream.read(int(headers["Content-Length"])))))
    assert [status for status, _ in answers] == [b"200", b"200"] and isinstance(answers[1][1], list)

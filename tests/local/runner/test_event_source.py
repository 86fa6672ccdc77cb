"""The runner's SQS event source against a real (moto) queue, with in-memory functions in place of the
scanner's containers: what it deletes, what it leaves for a later delivery, and what happens at a stop."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from catscan.local.aws_auth.json_protocol import JsonProtocolClient
from catscan.local.runner import Runner, RunnerConfig
from tests.support.moto_server import moto_server


class Function:
    """A container whose handler takes a moment and reports the messages named in `fail` as failed."""

    def __init__(self, handled: list[str], fail: set[str]) -> None:
        self.handled, self.fail = handled, fail

    def invoke(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        time.sleep(0.2)
        records = event["Records"]
        self.handled.extend(r["body"] for r in records)
        failures = [{"itemIdentifier": r["messageId"]} for r in records if r["body"] in self.fail]
        return {"ok": True, "requestId": "r", "result": {"batchItemFailures": failures}}

    def stop(self) -> None:
        pass


@pytest.fixture
def sqs() -> Iterator[tuple[Any, str, str]]:
    for endpoint in moto_server():
        client = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        # moto's state is per process, shared by every server in it: one queue per test.
        name = f"scans-{uuid.uuid4().hex[:8]}"
        url = client.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        yield client, url, endpoint


def in_queue(client: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue."""
    a = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def start(client: Any, url: str, endpoint: str, handled: list[str], fail: set[str]) -> Runner:
    runner = Runner(RunnerConfig(queue_url=url, function_env={}, sqs_endpoint=endpoint, function_timeout=5))
    runner.scanners = [Function(handled, fail) for _ in range(runner.config.concurrency)]
    threading.Thread(target=runner.run, daemon=True).start()
    return runner


def test_handled_messages_are_deleted_and_failed_ones_stay_for_a_later_delivery(sqs):
    client, url, endpoint = sqs
    handled: list[str] = []
    runner = start(client, url, endpoint, handled, fail={"m3"})
    for i in range(8):
        client.send_message(QueueUrl=url, MessageBody=f"m{i}")
    deadline = time.monotonic() + 20
    while (len(handled) < 8 or in_queue(client, url) != (0, 1)) and time.monotonic() < deadline:
        time.sleep(0.1)
    runner.stop()
    assert sorted(handled) == [f"m{i}" for i in range(8)]
    assert in_queue(client, url) == (0, 1)  # m3, invisible until its visibility timeout ends


def test_messages_received_while_stopping_go_back_to_the_queue(sqs):
    client, url, endpoint = sqs
    handled: list[str] = []
    runner = start(client, url, endpoint, handled, fail=set())
    time.sleep(1.3)  # the poller is inside a long poll of an empty queue
    stopper = threading.Thread(target=runner.stop)
    stopper.start()
    for i in range(3):  # they arrive during the poller's last long poll
        client.send_message(QueueUrl=url, MessageBody=f"late{i}")
    stopper.join()
    # Nothing was run after the stop, and nothing is left in flight: the next start receives them at once.
    assert handled == []
    assert in_queue(client, url) == (3, 0)


def test_the_event_source_s_sqs_client_answers_as_boto3_does(sqs):
    """The runner's SQS calls (JSON protocol without boto3): the same messages and the same error fields."""
    client, url, endpoint = sqs
    ours = JsonProtocolClient(endpoint, "sqs", "AmazonSQS.", "us-east-1", Credentials("local", "local"))
    client.send_message(
        QueueUrl=url, MessageBody="hello", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}}
    )
    received = ours.call(
        "ReceiveMessage",
        {
            "QueueUrl": url,
            "MaxNumberOfMessages": 10,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        },
    )["Messages"]
    assert [m["Body"] for m in received] == ["hello"]
    assert received[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert received[0]["MessageAttributes"]["k"] == {"DataType": "String", "StringValue": "v"}
    deleted = ours.call(
        "DeleteMessageBatch",
        {"QueueUrl": url, "Entries": [{"Id": "0", "ReceiptHandle": received[0]["ReceiptHandle"]}]},
    )
    assert [e["Id"] for e in deleted["Successful"]] == ["0"] and in_queue(client, url) == (0, 0)

    def error(call: Any) -> dict[str, Any]:
        with pytest.raises(ClientError) as raised:
            call()
        return {k: v for k, v in raised.value.response["Error"].items() if k != "Message"}

    missing = url + "-missing"
    assert error(lambda: ours.call("GetQueueAttributes", {"QueueUrl": missing})) == error(
        lambda: client.get_queue_attributes(QueueUrl=missing)
    )

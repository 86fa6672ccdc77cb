"""What the fault tests do to a local cloud and read back from it, step by step (no subscription):
create a scan, read it, wait for a state, read the queues and the detector's billing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

from catscan.client.api import ScanApi
from catscan.local.seed import client
from tests.support.scanning import run


def create(demo, path):
    async def go():
        async with ScanApi(demo) as api:
            return await api.create_scan(path)

    return run(go())


def get(demo, scan_id):
    async def go():
        async with ScanApi(demo) as api:
            return await api.get_scan(scan_id)

    return run(go())


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def billed(cloud) -> dict:
    with urllib.request.urlopen(f"{cloud.rekognition_url}/_local/usage", timeout=5) as response:
        return json.loads(response.read())


def failure_queue_depth(cloud) -> int:
    attrs = client("sqs", cloud.moto_url).get_queue_attributes(
        QueueUrl=cloud.seeded.failure_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def catscan(cloud, *args):
    return subprocess.run(
        [sys.executable, "-m", "catscan", *args, "--outputs", str(cloud.outputs_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def get_raw_status(cloud, scan_id: str) -> str:
    item = client("dynamodb", cloud.moto_url).get_item(TableName="Scan-local", Key={"id": {"S": scan_id}})[
        "Item"
    ]
    return item["status"]["S"]


def upload_without_notification(cloud, key: str, path) -> None:
    """Put the object where S3 would, without an event (the test hands the event over itself)."""
    s3 = client("s3", cloud.moto_url)
    config = s3.get_bucket_notification_configuration(Bucket=cloud.seeded.bucket)
    config.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=cloud.seeded.bucket, NotificationConfiguration={})
    try:
        s3.put_object(Bucket=cloud.seeded.bucket, Key=key, Body=path.read_bytes())
    finally:
        s3.put_bucket_notification_configuration(Bucket=cloud.seeded.bucket, NotificationConfiguration=config)


def queue_idle(sqs, url) -> bool:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return (
        attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    )

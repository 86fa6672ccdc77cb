"""The scanner Lambda's handler invoked in-process against the local cloud (moto S3/DynamoDB/SSM and
the AppSync emulator), with counting, fault-injecting proxies in front of the local Rekognition and the
AppSync emulator. Events arrive as the SQS event source delivers them (batch, receive count)."""

from __future__ import annotations

import importlib
import json
import os
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from catscan.client.api import ScanApi
from catscan.local.lambda_runtime import LambdaContext
from catscan.local.runner import sqs_event
from catscan.local.seed import client
from scan_image.deadline import Deadline
from scan_image.scan_service import NOT_TERMINAL, RetryableScanError
from tests.support.fault_proxy import FaultProxy
from tests.support.images import photo
from tests.support.scanning import run

BUCKET = "handler-tests"  # no notification: only these tests invoke the handler for it
MAX_RECEIVES = 3
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:handler-tests"


@pytest.fixture(scope="module")
def proxy(cloud):
    with FaultProxy(cloud.rekognition_url) as p:
        yield p


@pytest.fixture(scope="module")
def appsync_proxy(cloud):
    with FaultProxy(cloud.appsync_url.removesuffix("/graphql")) as p:
        yield p


@pytest.fixture(scope="module")
def handler(cloud, proxy, appsync_proxy):
    # A 1 s read timeout makes the "hang" fault a timeout without slowing the suite down. No queue URL:
    # these deliveries are not real SQS messages, so nothing delays them.
    env = {
        **cloud.function_env(),
        "AWS_ENDPOINT_URL_REKOGNITION": proxy.url,
        "SERVICE_TIMEOUT_SECONDS": "1",
        "APPSYNC_URL": f"{appsync_proxy.url}/graphql",
        "SCAN_QUEUE_URL": "",
        "MAX_RECEIVE_COUNT": str(MAX_RECEIVES),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    client("s3", cloud.moto_url).create_bucket(Bucket=BUCKET)
    module = importlib.import_module("scan_image.handler")
    yield module
    module.api.close()  # the warm "container" ends with the test module
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def clean_proxy(proxy, appsync_proxy):
    proxy.clear()
    appsync_proxy.clear()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def s3_event(key: str, size: int, event_time: str | None = None) -> dict:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": event_time or now_iso(),
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "scan-uploads",
                    "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
                    "object": {"key": key.replace(":", "%3A"), "size": size, "eTag": uuid.uuid4().hex},
                },
            }
        ]
    }


def delivery(event: dict, receive_count: int = 1, message_id: str = "m-1") -> dict:
    """What the SQS event source hands the function: one message, its Nth delivery."""
    return sqs_event(
        [
            {
                "MessageId": message_id,
                "ReceiptHandle": f"rh-{uuid.uuid4()}",
                "Body": json.dumps(event),
                "Attributes": {"ApproximateReceiveCount": str(receive_count)},
            }
        ],
        QUEUE_ARN,
        "us-east-1",
    )


def new_upload(cloud, demo, source: Path) -> tuple[str, dict]:
    """createScan as the user, put the object, and build the S3 event S3 would send."""
    identity_id, _ = demo.identity()
    scan_id = str(uuid.uuid4())
    key = f"uploads/{identity_id}/{scan_id}/{source.name}"

    async def create():
        async with ScanApi(demo) as api:
            await api.execute(
                "mutation($i: CreateScanInput!) { createScan(input: $i) { id } }",
                {"i": {"id": scan_id, "imageKey": key, "fileName": source.name}},
            )

    run(create())
    client("s3", cloud.moto_url).put_object(Bucket=BUCKET, Key=key, Body=source.read_bytes())
    # The S3 event carries a sequencer (idempotency key): the runner's shaping adds it as S3 does.
    return scan_id, json.loads(delivery(s3_event(key, source.stat().st_size))["Records"][0]["body"])


def read_scan(admin, scan_id):
    async def get():
        async with ScanApi(admin) as api:
            return await api.get_scan(scan_id, debug=True)

    return run(get())


def invoke(handler, event: dict, receive_count: int = 1, timeout: float = 10.0) -> list[str]:
    """One invocation; the ids of the messages reported for retry."""
    result = handler.lambda_handler(delivery(event, receive_count), LambdaContext(timeout_seconds=timeout))
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def test_duplicated_event_costs_one_detect_labels_call(cloud, demo, admin, handler, proxy):
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    assert invoke(handler, event) == [] and invoke(handler, event) == []
    assert proxy.detect_calls() == 1
    assert read_scan(admin, scan_id)["isCat"] is True


def test_a_duplicate_overlapping_the_first_delivery_waits_for_it_and_costs_no_second_detection(
    cloud, demo, admin, handler, proxy, caplog
):
    """S3 and SQS deliver at least once: the same event may run in two containers at once."""
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    proxy.fail_next("slow")  # the first delivery's DetectLabels takes a while
    record = SQSRecord(delivery(event)["Records"][0])
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(handler.scan_record, record, LambdaContext(timeout_seconds=10))
        deadline = time.monotonic() + 10
        while proxy.detect_calls() == 0 and time.monotonic() < deadline:  # the first is inside DetectLabels
            time.sleep(0.01)
        with pytest.raises(RetryableScanError, match="to retry"):
            handler.scan_record(record, LambdaContext(timeout_seconds=10))  # comes back later
        retried = [r for r in caplog.records if r.getMessage() == "scan will be retried"]
        assert [getattr(r, "error", "") for r in retried][-1].startswith("in progress elsewhere")
        assert first.result() is None  # the first one's verdict
    # The duplicate's later (here: last) delivery finds the verdict and stops there.
    assert invoke(handler, event, receive_count=MAX_RECEIVES) == []
    assert proxy.detect_calls() == 1
    scan = read_scan(admin, scan_id)
    assert scan["status"] == "DONE" and scan["isCat"] is True


def test_status_writes_never_replace_a_verdict(cloud, demo, admin, handler):
    """The scanner's NOT_TERMINAL condition, through the AppSync emulator's resolvers."""
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    deadline = Deadline(lambda: 10_000, reserve_seconds=1)
    assert handler.api.update_scan(scan_id, deadline, condition=NOT_TERMINAL, status="PROCESSING")
    assert invoke(handler, event) == []
    for status in ("PROCESSING", "FAILED", "DONE"):
        late = handler.api.update_scan(
            scan_id, deadline, condition=NOT_TERMINAL, status=status, reason="late"
        )
        assert late is None, status
    scan = read_scan(admin, scan_id)
    assert scan["status"] == "DONE" and scan["reason"] is None and scan["isCat"] is True


@pytest.mark.parametrize("fault", ["throttle", "5xx", "hang"])
def test_detector_faults_are_retried_within_the_budget_then_by_a_later_delivery(
    cloud, demo, admin, handler, proxy, fault
):
    scan_id, event = new_upload(cloud, demo, photo("astronaut.png"))
    proxy.fail_next(fault, times=100)
    assert invoke(handler, event, receive_count=1) == ["m-1"]  # this message comes back later
    assert proxy.detect_calls() >= 2  # retried while the invocation's budget allowed another attempt
    waiting = read_scan(admin, scan_id)
    assert waiting["status"] == "PROCESSING" and waiting["reason"] is None  # not FAILED: more deliveries come

    # The next delivery, once the detector is back, completes the scan.
    proxy.clear()
    assert invoke(handler, event, receive_count=2) == []
    assert proxy.detect_calls() == 1 and read_scan(admin, scan_id)["status"] == "DONE"


@pytest.mark.parametrize("fault, reason", [("throttle", "too busy"), ("hang", "did not answer in time")])
def test_the_last_delivery_writes_failed_with_the_reason_before_the_timeout(
    cloud, demo, admin, handler, proxy, fault, reason
):
    scan_id, event = new_upload(cloud, demo, photo("astronaut.png"))
    proxy.fail_next(fault, times=100)
    started = time.monotonic()
    assert invoke(handler, event, receive_count=MAX_RECEIVES, timeout=6.0) == []  # done with: FAILED
    assert time.monotonic() - started < 6.0  # within the function timeout, whatever the detector did
    failed = read_scan(admin, scan_id)
    assert (
        failed["status"] == "FAILED"
        and reason in failed["reason"]
        and f"tried {MAX_RECEIVES} times" in failed["reason"]
    )


def test_a_transient_throttle_is_absorbed_by_retries(cloud, demo, admin, handler, proxy):
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    proxy.fail_next("throttle", times=2)
    assert invoke(handler, event) == []
    assert proxy.detect_calls() == 3
    assert read_scan(admin, scan_id)["status"] == "DONE"


def test_a_failed_verdict_write_does_not_pay_detect_labels_again(
    cloud, demo, admin, handler, proxy, appsync_proxy
):
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    appsync_proxy.fail_next("5xx", times=20, when=b'"status": "DONE"')  # every DONE write of this delivery
    assert invoke(handler, event, receive_count=1) == ["m-1"]
    assert proxy.detect_calls() == 1 and read_scan(admin, scan_id)["status"] == "PROCESSING"
    appsync_proxy.clear()
    assert invoke(handler, event, receive_count=2) == []
    done = read_scan(admin, scan_id)
    assert done["status"] == "DONE" and done["isCat"] is True
    assert proxy.detect_calls() == 1  # still the first delivery's one call: its detection was kept
    key = f"{BUCKET}/{event['Records'][0]['s3']['object']['key'].replace('%3A', ':')}"
    with urllib.request.urlopen(f"{cloud.rekognition_url}/_local/usage", timeout=5) as response:
        assert json.loads(response.read())["DetectLabelsByObject"][key] == 1  # the detector's billing counter


def test_threshold_changed_in_ssm_applies_without_a_code_change(cloud, demo, admin, handler):
    ssm = client("ssm", cloud.moto_url)
    name = cloud.seeded.param_min_confidence
    try:
        ssm.put_parameter(Name=name, Value="99.5", Type="String", Overwrite=True)
        strict_id, event = new_upload(cloud, demo, photo("chelsea.png"))
        invoke(handler, event)
        strict = read_scan(admin, strict_id)
    finally:
        ssm.put_parameter(Name=name, Value="30", Type="String", Overwrite=True)
    relaxed_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    invoke(handler, event)
    relaxed = read_scan(admin, relaxed_id)
    assert strict["status"] == "DONE" and strict["isCat"] is False
    assert relaxed["isCat"] is True
    assert json.loads(strict["debug"])["thresholds"]["minConfidence"] == 99.5
    assert json.loads(relaxed["debug"])["thresholds"]["minConfidence"] == 30.0


def test_a_recent_upload_whose_scan_is_not_readable_yet_is_retried(cloud, handler, proxy):
    """getScan reads are eventually consistent: an event may overtake its createScan."""
    key = f"uploads/us-east-1:nobody/{uuid.uuid4()}/cat.png"
    client("s3", cloud.moto_url).put_object(Bucket=BUCKET, Key=key, Body=photo("chelsea.png").read_bytes())
    assert invoke(handler, s3_event(key, 1)) == ["m-1"]
    assert invoke(handler, s3_event(key, 1), receive_count=MAX_RECEIVES) == []  # the last delivery: ignored
    assert proxy.detect_calls() == 0


def test_an_old_upload_without_its_scan_is_ignored(cloud, handler, proxy):
    key = f"uploads/us-east-1:nobody/{uuid.uuid4()}/cat.png"
    client("s3", cloud.moto_url).put_object(Bucket=BUCKET, Key=key, Body=photo("chelsea.png").read_bytes())
    assert invoke(handler, s3_event(key, 1, event_time="2026-01-01T00:00:00.000Z")) == []
    assert proxy.detect_calls() == 0


def test_metrics_carry_upload_to_verdict_latency(cloud, demo, handler, capsys):
    """The dashboard's p50/p95 (amplify/monitoring) read UploadToVerdictLatency from the EMF output."""
    from datetime import datetime, timedelta

    _, event = new_upload(cloud, demo, photo("chelsea.png"))
    uploaded = datetime.now(UTC) - timedelta(seconds=2)
    event["Records"][0]["eventTime"] = uploaded.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    capsys.readouterr()
    assert invoke(handler, event) == []
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"ScanDone", "UploadToVerdictLatency", "DetectLatency"} <= names
    value = next(doc["UploadToVerdictLatency"] for doc in emf if "UploadToVerdictLatency" in doc)
    (latency,) = value if isinstance(value, list) else [value]  # Powertools may emit a list per name
    assert 2000 <= latency < 60_000
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "catscan"


def test_s3s_test_event_is_skipped_with_a_metric_and_no_warning(handler, capsys, recwarn):
    """S3 sends s3:TestEvent to the queue once, when the notification is set up: nothing to scan."""
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET, "RequestId": "r"}
    capsys.readouterr()
    assert invoke(handler, test_event) == []
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert "NotificationSkipped" in names
    assert not [w for w in recwarn if "No application metrics" in str(w.message)]

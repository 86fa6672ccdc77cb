"""The scanner Lambda's handler invoked in-process against the local cloud (moto S3/DynamoDB/SSM and
the AppSync emulator), with a counting, fault-injecting proxy in front of the local Rekognition."""
from __future__ import annotations

import importlib
import json
import os
import sys
import uuid
from pathlib import Path

import pytest

from catscan.client.api import ScanApi
from catscan.local.lambda_runtime import LambdaContext
from catscan.local.runner import as_lambda_event
from catscan.local.seed import client
from tests.fault_proxy import FaultProxy
from tests.images import photo
from tests.integration.scanning import run

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "scan_image"
BUCKET = "handler-tests"  # no notification: only these tests invoke the handler for it


@pytest.fixture(scope="module")
def proxy(cloud):
    with FaultProxy(cloud.rekognition_url) as p:
        yield p


@pytest.fixture(scope="module")
def handler(cloud, proxy):
    # A 1 s read timeout makes the "hang" fault a timeout without slowing the suite down.
    env = {**cloud.function_env(), "AWS_ENDPOINT_URL_REKOGNITION": proxy.url, "SERVICE_TIMEOUT_SECONDS": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    sys.path.insert(0, str(FUNCTION_DIR))
    client("s3", cloud.moto_url).create_bucket(Bucket=BUCKET)
    module = importlib.import_module("handler")
    yield module
    module.service._api.close()  # the warm "container" ends with the test module
    sys.path.remove(str(FUNCTION_DIR))
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def clean_proxy(proxy):
    proxy.clear()


def new_upload(cloud, demo, source: Path) -> tuple[str, dict]:
    """createScan as the user, put the object, and build the S3 event S3 would send."""
    identity_id, _ = demo.identity()
    scan_id = str(uuid.uuid4())
    key = f"uploads/{identity_id}/{scan_id}/{source.name}"

    async def create():
        async with ScanApi(demo) as api:
            await api.execute(
                "mutation($i: CreateScanInput!) { createScan(input: $i) { id } }",
                {"i": {"id": scan_id, "imageKey": key, "fileName": source.name}})
    run(create())
    client("s3", cloud.moto_url).put_object(Bucket=BUCKET, Key=key, Body=source.read_bytes())
    event = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                          "eventTime": "2026-11-21T00:00:00.000Z", "eventName": "ObjectCreated:Put",
                          "s3": {"s3SchemaVersion": "1.0", "configurationId": "scan-uploads",
                                 "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
                                 "object": {"key": key.replace(":", "%3A"), "size": source.stat().st_size,
                                            "eTag": uuid.uuid4().hex}}}]}
    return scan_id, as_lambda_event(event)


def read_scan(admin, scan_id):
    async def get():
        async with ScanApi(admin) as api:
            return await api.get_scan(scan_id, debug=True)
    return run(get())


def test_duplicated_event_costs_one_detect_labels_call(cloud, demo, admin, handler, proxy):
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    first = handler.lambda_handler(event, LambdaContext())
    second = handler.lambda_handler(event, LambdaContext())
    assert proxy.detect_calls() == 1
    assert first == second and first["results"][0]["status"] == "DONE"
    assert read_scan(admin, scan_id)["isCat"] is True


@pytest.mark.parametrize("fault", ["throttle", "5xx", "hang"])
def test_detector_faults_are_retried_then_failed_with_a_reason(cloud, demo, admin, handler, proxy, fault):
    scan_id, event = new_upload(cloud, demo, photo("astronaut.png"))
    proxy.fail_next(fault, times=100)
    with pytest.raises(handler.RetryableScanError):
        handler.lambda_handler(event, LambdaContext())
    assert proxy.detect_calls() == 4  # the SDK's standard retries: 1 + 3 with backoff (timeouts too)
    failed = read_scan(admin, scan_id)
    assert failed["status"] == "FAILED" and "unavailable" in failed["reason"]

    # The platform's retry of the same event, once the detector is back, completes the scan.
    proxy.clear()
    result = handler.lambda_handler(event, LambdaContext())
    assert result["results"][0]["status"] == "DONE" and proxy.detect_calls() == 1
    assert read_scan(admin, scan_id)["status"] == "DONE"


def test_a_transient_throttle_is_absorbed_by_retries(cloud, demo, admin, handler, proxy):
    scan_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    proxy.fail_next("throttle", times=2)
    handler.lambda_handler(event, LambdaContext())
    assert proxy.detect_calls() == 3
    assert read_scan(admin, scan_id)["status"] == "DONE"


def test_threshold_changed_in_ssm_applies_without_a_code_change(cloud, demo, admin, handler):
    ssm = client("ssm", cloud.moto_url)
    name = cloud.seeded.param_min_confidence
    try:
        ssm.put_parameter(Name=name, Value="99.5", Type="String", Overwrite=True)
        strict_id, event = new_upload(cloud, demo, photo("chelsea.png"))
        handler.lambda_handler(event, LambdaContext())
        strict = read_scan(admin, strict_id)
    finally:
        ssm.put_parameter(Name=name, Value="30", Type="String", Overwrite=True)
    relaxed_id, event = new_upload(cloud, demo, photo("chelsea.png"))
    handler.lambda_handler(event, LambdaContext())
    relaxed = read_scan(admin, relaxed_id)
    assert strict["status"] == "DONE" and strict["isCat"] is False
    assert relaxed["isCat"] is True
    assert json.loads(strict["debug"])["thresholds"]["minConfidence"] == 99.5
    assert json.loads(relaxed["debug"])["thresholds"]["minConfidence"] == 30.0


def test_upload_without_its_scan_is_ignored(cloud, handler, proxy):
    key = f"uploads/us-east-1:nobody/{uuid.uuid4()}/cat.png"
    client("s3", cloud.moto_url).put_object(Bucket=BUCKET, Key=key, Body=photo("chelsea.png").read_bytes())
    event = as_lambda_event({"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": BUCKET}, "object": {"key": key, "size": 1, "eTag": "x"}}}]})
    result = handler.lambda_handler(event, LambdaContext())
    assert result["results"][0]["status"] == "IGNORED" and proxy.detect_calls() == 0

"""The account's DetectLabels quota and added latency, over HTTP through boto3's rekognition client."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker
from PIL import Image

from catscan.local.app_thread import start_app_thread
from catscan.local.processes import free_port
from catscan.local.rekognition.quota import TokenBucket, from_env
from catscan.local.rekognition.server import create_app

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def small_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (96, 96), (120, 90, 60)).save(buf, "PNG")
    return buf.getvalue()


def client(url: str, **retries) -> object:
    config = Config(
        retries=retries or {"total_max_attempts": 1, "mode": "standard"},
        read_timeout=30,
        max_pool_connections=20,
    )
    return boto3.client("rekognition", endpoint_url=url, region_name=REGION, config=config, **CREDENTIALS)


def usage(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_local/usage", timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def server_with(detector, moto_url) -> Iterator:
    servers = []

    def start(**kwargs) -> str:
        server = start_app_thread(
            lambda: create_app(moto_url, REGION, detector=detector, **kwargs),
            name="local Rekognition with limits",
        )
        servers.append(server)
        return f"http://{server.host}:{server.port}"

    yield start
    for server in servers:
        server.stop()


def call(rekognition, data: bytes) -> str:
    """'ok' or the error code."""
    try:
        rekognition.detect_labels(Image={"Bytes": data}, MaxLabels=1)
        return "ok"
    except ClientError as exc:
        return exc.response["Error"]["Code"]


# -- the bucket itself (pure logic, a fake clock) -------------------------------------------


def test_token_bucket_burst_then_rate() -> None:
    now = [100.0]
    bucket = TokenBucket(5, clock=lambda: now[0])
    assert [bucket.try_take() for _ in range(6)] == [True] * 5 + [False]  # one second's worth saved up
    now[0] += 0.2  # 0.2 s at 5/s: one token
    assert [bucket.try_take() for _ in range(2)] == [True, False]
    now[0] += 60  # an idle minute saves no more than the burst
    assert sum(bucket.try_take() for _ in range(20)) == 5


def test_token_bucket_below_one_per_second() -> None:
    now = [0.0]
    bucket = TokenBucket(0.5, clock=lambda: now[0])
    assert [bucket.try_take(), bucket.try_take()] == [True, False]
    now[0] += 1.0
    assert not bucket.try_take()
    now[0] += 1.0
    assert bucket.try_take()


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, (None, 0)),
        ({"CATSCAN_REKOGNITION_TPS": "2", "CATSCAN_REKOGNITION_LATENCY_MS": "250"}, (2.0, 250)),
        ({"CATSCAN_REKOGNITION_TPS": "unlimited", "CATSCAN_REKOGNITION_LATENCY_MS": ""}, (None, 0)),
        ({"CATSCAN_REKOGNITION_TPS": "0.5"}, (0.5, 0)),
    ],
)
def test_settings_from_env(env, expected) -> None:
    assert from_env(env) == expected


@pytest.mark.parametrize(
    "env, word",
    [
        ({"CATSCAN_REKOGNITION_TPS": "fast"}, "CATSCAN_REKOGNITION_TPS"),
        ({"CATSCAN_REKOGNITION_TPS": "-1"}, "CATSCAN_REKOGNITION_TPS"),
        ({"CATSCAN_REKOGNITION_LATENCY_MS": "1.5"}, "CATSCAN_REKOGNITION_LATENCY_MS"),
        ({"CATSCAN_REKOGNITION_LATENCY_MS": "-3"}, "CATSCAN_REKOGNITION_LATENCY_MS"),
    ],
)
def test_bad_settings_are_refused_clearly(env, word) -> None:
    with pytest.raises(ValueError, match=word):
        from_env(env)


# -- the server --------------------------------------------------------------------------------


def test_over_the_quota_is_throttled_as_aws_answers(server_with) -> None:
    url = server_with(tps=2)
    rekognition = client(url)
    data = small_png()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: call(rekognition, data), range(8)))
    # A burst of one second's worth (2) passes, the rest is refused before any work is done.
    assert results.count("ok") in (2, 3), results  # 3 if a token was refilled while the burst arrived
    assert set(results) == {"ok", "ProvisionedThroughputExceededException"}, results
    assert usage(url)["DetectLabels"] == results.count("ok")  # throttled calls are not billed
    assert usage(url)["Throttled"] == results.count("ProvisionedThroughputExceededException")

    with pytest.raises(rekognition.exceptions.ProvisionedThroughputExceededException) as caught:
        for _ in range(5):
            rekognition.detect_labels(Image={"Bytes": data})
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (
        error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"]
        == "ProvisionedThroughputExceededException"
    )
    assert error["ResponseMetadata"]["RequestId"]
    assert "quota" in error["Error"]["Message"]


def test_throttled_answer_is_throttling_for_botocore_retries(server_with) -> None:
    """botocore's standard and adaptive modes retry it as throttling, and so get through."""
    url = server_with(tps=1)
    data = small_png()
    assert ThrottledRetryableChecker()._throttled_error_codes.count("ProvisionedThroughputExceededException")
    for mode in ("standard", "adaptive"):
        rekognition = client(url, total_max_attempts=10, mode=mode)
        attempts = []
        for _ in range(3):
            response = rekognition.detect_labels(Image={"Bytes": data})
            attempts.append(response["ResponseMetadata"]["RetryAttempts"])
        assert sum(attempts) >= 1, (mode, attempts)  # 3 calls at 1/s: some were throttled, then retried


def test_quota_holds_over_seconds(server_with) -> None:
    rate, seconds = 4.0, 3.0
    url = server_with(tps=rate)
    rekognition = client(url)
    data = small_png()
    started = time.monotonic()

    def hammer(_: int) -> list[str]:
        out = []
        while time.monotonic() - started < seconds:
            out.append(call(rekognition, data))
        return out

    with ThreadPoolExecutor(6) as pool:
        results = [r for rs in pool.map(hammer, range(6)) for r in rs]
    elapsed = time.monotonic() - started
    admitted = results.count("ok")
    # never more than the burst plus the rate for the time that passed ...
    assert admitted <= rate + rate * elapsed + 1, (admitted, elapsed)
    # ... and the quota is really available (the clients asked far more often than that)
    assert admitted >= rate * seconds * 0.5, (admitted, len(results))
    assert results.count("ProvisionedThroughputExceededException") == len(results) - admitted


def test_latency_is_added_without_blocking_other_calls(server_with) -> None:
    latency_ms, n = 600, 6
    url = server_with(latency_ms=latency_ms)
    rekognition = client(url)
    data = small_png()

    def timed(_: int) -> float:
        t = time.monotonic()
        rekognition.detect_labels(Image={"Bytes": data}, MaxLabels=1)
        return time.monotonic() - t

    timed(0)  # warm the connection pool and the model
    started = time.monotonic()
    with ThreadPoolExecutor(n) as pool:
        each = list(pool.map(timed, range(n)))
    total = time.monotonic() - started
    assert min(each) >= latency_ms / 1000  # every call waits the latency
    assert total < n * latency_ms / 1000 / 2, (total, each)  # ... at the same time, not one after another


def test_server_process_reads_the_environment(moto_url) -> None:
    port = free_port()
    env = dict(os.environ, CATSCAN_REKOGNITION_TPS="1", CATSCAN_REKOGNITION_LATENCY_MS="300")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "catscan.local.rekognition.server",
            "--port",
            str(port),
            "--s3-endpoint",
            moto_url,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if json.loads(response.read())["status"] == "ok":
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()[
                -2000:
            ]
            time.sleep(0.2)
        rekognition = client(url)
        started = time.monotonic()
        assert call(rekognition, small_png()) == "ok"
        assert time.monotonic() - started >= 0.3
        assert call(rekognition, small_png()) == "ProvisionedThroughputExceededException"
    finally:
        process.terminate()
        process.wait(10)


def test_server_refuses_a_malformed_setting(moto_url) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "catscan.local.rekognition.server", "--port", str(free_port())],
        env=dict(os.environ, CATSCAN_REKOGNITION_TPS="lots"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "CATSCAN_REKOGNITION_TPS must be a number" in result.stderr


def test_local_cloud_starts_its_rekognition_with_the_quota(tmp_path) -> None:
    """What the lead's burst tests use: LocalCloud(rekognition_tps=..., rekognition_latency_ms=...)."""
    from catscan.local.cloud import LocalCloud, Ports

    cloud = LocalCloud(
        ports=Ports.free(),
        state_dir=tmp_path,
        outputs_path=tmp_path / "amplify_outputs.json",
        with_ui=False,
        persist=False,
        rekognition_tps=1,
        rekognition_latency_ms=250,
    )
    with cloud:
        rekognition = client(cloud.rekognition_url)
        started = time.monotonic()
        assert call(rekognition, small_png()) == "ok"
        assert time.monotonic() - started >= 0.25
        assert call(rekognition, small_png()) == "ProvisionedThroughputExceededException"


def test_catscan_dev_refuses_a_malformed_setting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "catscan", "dev", "--no-ui"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, CATSCAN_REKOGNITION_LATENCY_MS="soon"),
    )
    assert result.returncode == 2
    assert "CATSCAN_REKOGNITION_LATENCY_MS must be a whole number of milliseconds" in result.stdout

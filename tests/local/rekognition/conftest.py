"""Fixtures for the local Rekognition: one Detector, the aiohttp app in a thread, a moto S3."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from catscan.local.app_thread import start_app_thread
from catscan.local.rekognition.model import Detector
from catscan.local.rekognition.server import create_app
from tests.support.images import photo as photo_path
from tests.support.moto_server import moto_server

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def photo():
    """photo("chelsea.png") -> bytes of a scikit-image sample photo."""
    return lambda name: photo_path(name).read_bytes()


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    yield from moto_server()


@pytest.fixture(scope="session")
def rekognition_url(detector: Detector, moto_url: str) -> Iterator[str]:
    server = start_app_thread(
        lambda: create_app(moto_url, REGION, detector=detector), name="local Rekognition"
    )
    try:
        yield f"http://{server.host}:{server.port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rekognition(rekognition_url: str):
    return _client("rekognition", rekognition_url, Config(retries={"max_attempts": 1}, read_timeout=60))


@pytest.fixture(scope="session")
def s3(moto_url: str):
    return _client("s3", moto_url, Config(s3={"addressing_style": "path"}))


def _client(service: str, url: str, config: Config):
    return boto3.client(service, endpoint_url=url, region_name=REGION, config=config, **CREDENTIALS)


@pytest.fixture
def bucket(s3) -> str:
    name = f"uploads-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name

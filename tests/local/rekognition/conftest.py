"""Fixtures for the local Rekognition: one Detector, the aiohttp app in a thread, a moto S3."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from catscan.local.rekognition.model import Detector
from catscan.local.app_thread import start_app_thread
from catscan.local.rekognition.server import create_app

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
SKIMAGE_DATA = Path(__import__("skimage").__file__).parent / "data"


def _photo(name: str) -> bytes:
    return (SKIMAGE_DATA / name).read_bytes()


@pytest.fixture(scope="session")
def photo():
    """photo("chelsea.png") -> bytes of a scikit-image sample photo."""
    return _photo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rekognition_url(detector: Detector, moto_url: str) -> Iterator[str]:
    server = start_app_thread(lambda: create_app(moto_url, REGION, detector=detector), name="local Rekognition")
    try:
        yield f"http://{server.host}:{server.port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rekognition(rekognition_url: str):
    return boto3.client(
        "rekognition",
        endpoint_url=rekognition_url,
        region_name=REGION,
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
        **CREDENTIALS,
    )


@pytest.fixture(scope="session")
def s3(moto_url: str):
    return boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}),
        **CREDENTIALS,
    )


@pytest.fixture
def bucket(s3) -> str:
    name = f"uploads-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name

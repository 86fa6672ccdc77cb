"""Local Rekognition: ``DetectLabels`` over the AWS JSON 1.1 protocol, answered by EfficientNet-Lite0.

boto3's ``rekognition`` client works unchanged with ``endpoint_url`` pointing here::

    POST /    X-Amz-Target: RekognitionService.DetectLabels
              Content-Type: application/x-amz-json-1.1
    {"Image": {"Bytes": "<base64>"} | {"S3Object": {"Bucket": ..., "Name": ..., "Version": ...}},
     "MaxLabels": 10, "MinConfidence": 30}

Errors come back as HTTP 400 ``{"__type": "InvalidImageFormatException", "Message": ...}`` with the
``x-amzn-ErrorType`` header, so boto3 raises ``client.exceptions.InvalidImageFormatException`` etc.

Run by hand: ``python -m catscan.local.rekognition.server --port 4520 --s3-endpoint http://127.0.0.1:4566``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import concurrent.futures
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import urllib3
from aiohttp import web
from botocore.credentials import Credentials

from catscan.local.aws_auth.signed_pool import SignedPool

from . import images
from .errors import (
    ImageTooLargeError,
    InternalServerError,
    InvalidParameterError,
    InvalidS3ObjectError,
    ProvisionedThroughputExceededError,
    RekognitionError,
    SerializationError,
    UnknownOperationError,
)
from .labels import detect_labels_response, validate_params
from .model import Detector
from .quota import LATENCY_ENV, TPS_ENV, TokenBucket, parse_latency_ms, parse_tps

log = logging.getLogger("catscan.local.rekognition")

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "RekognitionService."
# Large enough to read (and then refuse with ImageTooLargeException) a little over 5 MB of base64.
MAX_BODY_BYTES = 16 * 1024 * 1024
_S3_MISSING = "Unable to get object metadata from S3. Check object key, region and/or access permissions."
_SUPPORTED_FEATURES = {"GENERAL_LABELS", "IMAGE_PROPERTIES"}


@dataclass
class _State:
    s3_endpoint_url: str | None
    region: str
    detector: Detector | None
    cpu: concurrent.futures.ThreadPoolExecutor
    io: concurrent.futures.ThreadPoolExecutor
    _s3: SignedPool | None = None
    _s3_lock: threading.Lock = field(default_factory=threading.Lock)
    # What AWS would bill: successful DetectLabels calls, in all and per S3 object.
    billed: int = 0
    billed_by_object: dict[str, int] = field(default_factory=dict)
    # The account's DetectLabels quota (None: unlimited) and latency added to each admitted call.
    quota: TokenBucket | None = None
    latency_ms: int = 0
    throttled: int = 0

    def s3(self) -> SignedPool:
        with self._s3_lock:
            if self._s3 is None:
                self._s3 = _s3_pool(self.s3_endpoint_url, self.region)
            return self._s3


STATE = web.AppKey("catscan_rekognition_state", _State)


def _s3_pool(endpoint_url: str | None, region: str) -> SignedPool:
    """Signed GETs on a kept-alive pool, not a boto3 client: this read runs once a scan, and botocore's
    per-call machinery cost more CPU than the read itself (aws_auth/signed_pool.py)."""
    import boto3

    credentials = boto3.session.Session(region_name=region).get_credentials()
    if credentials is None:  # local S3 (moto) accepts any key
        credentials = Credentials("local", "local")
    return SignedPool(endpoint_url or f"https://s3.{region}.amazonaws.com", "s3", region, credentials)


# --------------------------------------------------------------------------------------------
# DetectLabels
# --------------------------------------------------------------------------------------------


def _read_s3_object(state: _State, s3_object: Any) -> bytes:
    if not isinstance(s3_object, dict):
        raise InvalidParameterError("Image.S3Object must be an object")
    bucket, key, version = s3_object.get("Bucket"), s3_object.get("Name"), s3_object.get("Version")
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise InvalidS3ObjectError(_S3_MISSING)
    name = f"s3://{bucket}/{key}"
    path = "/" + quote(bucket, safe="") + "/" + quote(key, safe="/~")
    if version:
        path += "?versionId=" + quote(str(version), safe="")
    for attempt in (1, 2):  # one retry of a failed connection, as boto3's standard mode
        try:
            response = state.s3().request("GET", path, preload_content=False)
            break
        except urllib3.exceptions.HTTPError as exc:  # endpoint down, connection reset
            if attempt == 2:
                log.warning("S3 GetObject %s failed: %s", name, exc)
                raise InvalidS3ObjectError(_S3_MISSING) from None
    try:
        if response.status != 200:
            log.info("S3 GetObject %s failed: HTTP %s", name, response.status)
            raise InvalidS3ObjectError(_S3_MISSING)
        size = int(response.headers.get("Content-Length") or 0)
        if size > images.MAX_S3_BYTES:
            raise ImageTooLargeError(
                f"S3 object size {size} bytes exceeds the maximum of {images.MAX_S3_BYTES} bytes"
            )
        # The object's bytes as stored (botocore never decodes a Content-Encoding either).
        data = response.read(images.MAX_S3_BYTES + 1, decode_content=False)
    finally:
        read_to_the_end = response.status == 200 and response.isclosed()  # the body fp ends with the body
        if read_to_the_end:
            response.release_conn()
        else:  # unread (an error page, an oversized body): the connection is dropped, the rest not downloaded
            response.close()
    images.check_size(data, images.MAX_S3_BYTES)
    return data


def _decode_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise SerializationError("Image.Bytes must be a base64-encoded string")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationError("Image.Bytes is not valid base64") from None
    if not data:
        raise InvalidParameterError("Image.Bytes must not be empty")
    return data


async def detect_labels(state: _State, body: dict[str, Any]) -> dict[str, Any]:
    # AWS refuses calls over the quota before looking at them, and bills nothing for them.
    if state.quota is not None and not state.quota.try_take():
        state.throttled += 1
        raise ProvisionedThroughputExceededError(
            "Provisioned rate exceeded: the account's DetectLabels quota of "
            f"{state.quota.rate:g} transactions per second is used up"
        )
    if state.latency_ms:
        await asyncio.sleep(state.latency_ms / 1000)  # an await: other requests go on meanwhile
    image = body.get("Image")
    if not isinstance(image, dict):
        raise InvalidParameterError("Image is required")
    try:
        max_labels, min_confidence = validate_params(body.get("MaxLabels"), body.get("MinConfidence"))
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None
    features = body.get("Features")
    if features is not None and (
        not isinstance(features, list) or any(f not in _SUPPORTED_FEATURES for f in features)
    ):
        raise InvalidParameterError(f"Features must be a list of {sorted(_SUPPORTED_FEATURES)}")
    has_bytes, has_s3 = "Bytes" in image, "S3Object" in image
    if has_bytes == has_s3:
        raise InvalidParameterError("Image must have exactly one of Bytes or S3Object")

    loop = asyncio.get_running_loop()
    if has_bytes:
        data = await loop.run_in_executor(state.cpu, _decode_bytes, image["Bytes"])
        images.check_size(data, images.MAX_BYTES)
    else:
        data = await loop.run_in_executor(state.io, _read_s3_object, state, image["S3Object"])
    detector = state.detector
    if detector is None:
        raise InternalServerError("The model is not loaded")
    analysis = await loop.run_in_executor(state.cpu, detector.analyse_bytes, data)
    state.billed += 1
    if has_s3:
        ref = image["S3Object"]
        name = f"{ref.get('Bucket')}/{ref.get('Name')}"
        state.billed_by_object[name] = state.billed_by_object.get(name, 0) + 1
    return detect_labels_response(
        analysis.probs.tolist(),
        detector.class_names,
        max_labels=max_labels,
        min_confidence=min_confidence,
        model_version=detector.model_version,
        cat_boxes=analysis.cat_boxes,
    )


Operation = Callable[[_State, dict[str, Any]], Awaitable[dict[str, Any]]]
OPERATIONS: dict[str, Operation] = {"DetectLabels": detect_labels}


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


def _json(body: dict[str, Any], status: int, request_id: str, error_type: str | None = None) -> web.Response:
    headers = {"x-amzn-RequestId": request_id}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type=JSON_CONTENT_TYPE,
        headers=headers,
    )


def _error(exc: RekognitionError, request_id: str) -> web.Response:
    return _json({"__type": exc.code, "Message": exc.message}, exc.status, request_id, exc.code)


async def handle(request: web.Request) -> web.Response:
    request_id = str(uuid.uuid4())
    started = time.perf_counter()
    target = request.headers.get("X-Amz-Target", "")
    try:
        prefix, _, name = target.partition(".")
        operation = OPERATIONS.get(name) if f"{prefix}." == TARGET_PREFIX else None
        if operation is None:
            raise UnknownOperationError(f"Operation {target or '(no X-Amz-Target)'} is not supported")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ImageTooLargeError(
                f"Request is larger than {MAX_BODY_BYTES} bytes; Image.Bytes may be at most {images.MAX_BYTES} bytes"
            ) from None
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise SerializationError("Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise SerializationError("Request body must be a JSON object")
        result = await operation(request.app[STATE], body)
        response = _json(result, 200, request_id)
    except RekognitionError as exc:
        response = _error(exc, request_id)
    except Exception:
        log.exception("request %s (%s) failed", request_id, target)
        response = _error(InternalServerError("Internal server error"), request_id)
    log.info(
        "%s %s -> %s in %.1f ms",
        request_id,
        target or "-",
        response.status,
        (time.perf_counter() - started) * 1000,
    )
    return response


async def health(request: web.Request) -> web.Response:
    detector = request.app[STATE].detector
    return web.json_response(
        {
            "status": "ok" if detector else "loading",
            "model": detector.model_version if detector else None,
            "loadSeconds": round(detector.load_seconds, 3) if detector else None,
        }
    )


async def usage(request: web.Request) -> web.Response:
    """Local-only: the calls AWS would charge for, so tests can prove nothing is paid twice."""
    state = request.app[STATE]
    return web.json_response(
        {
            "DetectLabels": state.billed,
            "DetectLabelsByObject": state.billed_by_object,
            "Throttled": state.throttled,
        }
    )


async def _on_startup(app: web.Application) -> None:
    state = app[STATE]
    if state.detector is None:
        loop = asyncio.get_running_loop()
        state.detector = await loop.run_in_executor(state.cpu, Detector)
        log.info("model %s loaded in %.2f s", state.detector.model_version, state.detector.load_seconds)


async def _on_cleanup(app: web.Application) -> None:
    state = app[STATE]
    state.cpu.shutdown(wait=False, cancel_futures=True)
    state.io.shutdown(wait=False, cancel_futures=True)


def create_app(
    s3_endpoint_url: str | None,
    region: str,
    *,
    detector: Detector | None = None,
    cpu_workers: int = 2,
    tps: float | None = None,
    latency_ms: int = 0,
) -> web.Application:
    """The local Rekognition aiohttp app. The model loads at startup (or pass a ``detector``).

    ``tps``: the account's DetectLabels quota in calls a second (None: unlimited); ``latency_ms``:
    added to every admitted DetectLabels call.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATE] = _State(
        s3_endpoint_url=s3_endpoint_url,
        region=region,
        detector=detector,
        cpu=concurrent.futures.ThreadPoolExecutor(
            max_workers=cpu_workers, thread_name_prefix="rekognition-cpu"
        ),
        io=concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="rekognition-s3"),
        quota=TokenBucket(tps) if tps else None,
        latency_ms=max(0, int(latency_ms)),
    )
    app.router.add_post("/", handle)
    app.router.add_get("/health", health)
    app.router.add_get("/_local/usage", usage)
    app.router.add_get("/", health)
    app.on_startup.append(_on_startup)
    app.on_cleanup.append(_on_cleanup)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Rekognition DetectLabels (EfficientNet-Lite0)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CATSCAN_REKOGNITION_PORT", "4520")))
    parser.add_argument(
        "--s3-endpoint",
        default=os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"),
        help="S3 endpoint for Image.S3Object (default: $AWS_ENDPOINT_URL_S3, else AWS)",
    )
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    parser.add_argument(
        "--tps",
        default=os.environ.get(TPS_ENV),
        help=f"DetectLabels quota in calls a second, or 'unlimited' (default: ${TPS_ENV}, else unlimited)",
    )
    parser.add_argument(
        "--latency-ms",
        default=os.environ.get(LATENCY_ENV),
        help=f"milliseconds added to each DetectLabels call (default: ${LATENCY_ENV}, else 0)",
    )
    args = parser.parse_args(argv)
    try:
        tps, latency_ms = parse_tps(args.tps), parse_latency_ms(args.latency_ms)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    log.info("DetectLabels quota: %s calls/s; added latency: %d ms", tps or "unlimited", latency_ms)
    app = create_app(args.s3_endpoint, args.region, tps=tps, latency_ms=latency_ms)
    web.run_app(app, host=args.host, port=args.port, access_log=None)


if __name__ == "__main__":
    main()

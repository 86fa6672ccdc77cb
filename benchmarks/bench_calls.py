"""Calls per scan, counted at the servers of the local cloud (for `make bench`).

moto counts its requests by access key, service and operation (catscan/local/moto_host.py), the AppSync
emulator by auth kind, root field and input status, the local Rekognition its billed DetectLabels. A
snapshot before and after a run, divided by the scans of the run, gives the calls per scan.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from typing import Any

from catscan.local.cloud import SCANNER_ACCESS_KEY, LocalCloud

Key = tuple[str, str, str]  # (caller, service, operation)

# What each call is for (caller, service, operation); "local services" are the event source (runner),
# the AppSync emulator's resolvers and the local Rekognition reading the image.
PURPOSE: dict[Key, str] = {
    ("scanner", "appsync", "getScan"): "ownership check: the object's key belongs to this Scan's owner; "
    "skips a scan already terminal",
    ("scanner", "appsync", "updateScan PROCESSING"): "live status, pushed to the owner's subscription",
    ("scanner", "appsync", "updateScan DONE"): "the verdict (and boxes), pushed to the owner",
    ("scanner", "appsync", "updateScan FAILED"): "a scan that cannot succeed, with its reason",
    (
        "scanner",
        "s3",
        "GetObject (ranged)",
    ): "the image header (type, dimensions) before DetectLabels is paid; an image up to "
    "WHOLE_READ_BYTES (512 KiB) is read whole by this GET, for its thumbnail too",
    ("scanner", "rekognition", "DetectLabels"): "the detection, once per object version",
    (
        "scanner",
        "dynamodb",
        "PutItem",
    ): "idempotency: the INPROGRESS record of detect_once (DetectLabels once per object version)",
    ("scanner", "dynamodb", "UpdateItem"): "idempotency: that record completed with the detection",
    ("scanner", "dynamodb", "GetItem"): "idempotency: reading an existing record (duplicate or in progress)",
    (
        "scanner",
        "dynamodb",
        "DeleteItem",
    ): "idempotency: a failed attempt's record removed so a retry can run",
    ("scanner", "ssm", "GetParameters"): "target label and threshold (one call for both), cached for "
    "PARAM_CACHE_SECONDS in each container",
    ("scanner", "sqs", "ChangeMessageVisibility"): "retry backoff of a message to be retried",
    ("scanner", "cognito-idp", "AdminGetUser"): "the uploader's e-mail, cached per container and user",
    (
        "scanner",
        "s3",
        "GetObject",
    ): "the whole image of one larger than 512 KiB, for its thumbnail (after the verdict was pushed)",
    ("scanner", "s3", "PutObject"): "the thumbnail",
    (
        "scanner",
        "appsync",
        "updateScan",
    ): "the thumbnail's key on the scan (one more push, after the verdict)",
    ("scanner", "appsync", "scansByStatus"): "the sweeper (every sweeper period, not per scan)",
    ("local services", "sqs", "ReceiveMessage"): "event source polling (empty long polls included)",
    ("local services", "sqs", "DeleteMessageBatch"): "event source: the batch's handled messages",
    ("local services", "s3", "GetObject"): "Rekognition reads the image from S3",
    ("local services", "dynamodb", "GetItem"): "AppSync resolvers (getScan, the updates' owner check)",
    ("local services", "dynamodb", "UpdateItem"): "AppSync resolvers: updateScan",
    ("local services", "dynamodb", "PutItem"): "AppSync resolvers: createScan",
    (
        "local services",
        "sqs",
        "GetQueueAttributes",
    ): "the event source learns its queue's ARN (once per start)",
    ("clients", "appsync", "createScan"): "the client registers the upload",
    ("clients", "s3", "PutObject"): "the upload itself (through the storage gate)",
}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _caller(access_key: str) -> str:
    if access_key == SCANNER_ACCESS_KEY:
        return "scanner"
    # Unsigned requests are the AppSync emulator's key fetches (the user pool's JWKS).
    return "local services" if access_key in ("local", "anonymous") else "clients"


def snapshot(cloud: LocalCloud) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in _get(f"{cloud.moto_url}/_local/calls"):
        counts[(_caller(row["caller"]), row["service"], row["operation"])] += row["count"]
    for row in _get(f"{cloud.url(cloud.ports.appsync)}/_local/calls"):
        caller = "scanner" if row["auth"] == "iam" else "clients"
        operation = f"{row['field']} {row['status']}".strip()
        counts[(caller, "appsync", operation)] += row["count"]
    counts[("scanner", "rekognition", "DetectLabels")] += _get(f"{cloud.rekognition_url}/_local/usage")[
        "DetectLabels"
    ]
    return counts


def per_scan(before: Counter[Key], after: Counter[Key], scans: int) -> dict[Key, float]:
    diff = after.copy()
    diff.subtract(before)
    return {key: n / scans for key, n in sorted(diff.items()) if n > 0}

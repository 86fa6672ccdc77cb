"""Replays scanner events parked in the on-failure queue (after an outage is over).

In AWS the event is invoked again asynchronously on the scanner Lambda; on the local cloud it goes
back on the runner's queue. The original S3 event is replayed unchanged, so idempotency still
prevents a second DetectLabels call for an object that was already scanned.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3


class RedriveError(Exception):
    """The outputs do not describe a scanner with an on-failure queue."""


@dataclass
class RedriveResult:
    replayed: list[str] = field(default_factory=list)  # object keys
    skipped: int = 0  # messages that were not Lambda destination records


def _clients(raw: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    try:
        scanner = raw["custom"]["scanner"]
        region = raw["auth"]["aws_region"]
    except KeyError as exc:
        raise RedriveError(f"amplify_outputs.json has no {exc} (custom.scanner comes from the backend)") from exc
    local = raw.get("custom", {}).get("local", {})
    extra: dict[str, Any] = {}
    if local:
        extra = {"endpoint_url": local["endpoints"]["sqs"], "aws_access_key_id": "local",
                 "aws_secret_access_key": "local"}
    sqs = boto3.client("sqs", region_name=region, **extra)
    lam = None if local else boto3.client("lambda", region_name=region)
    return sqs, lam, scanner, local


def object_keys(event: dict[str, Any]) -> list[str]:
    return [r.get("s3", {}).get("object", {}).get("key", "?") for r in event.get("Records", [])]


def redrive(outputs_path: Path, limit: int | None = None, dry_run: bool = False) -> RedriveResult:
    raw = json.loads(Path(outputs_path).read_text())
    sqs, lam, scanner, local = _clients(raw)
    queue = scanner["failureQueueUrl"]
    result = RedriveResult()
    seen: set[str] = set()
    inspected: list[str] = []  # receipt handles of messages only looked at (dry run)
    while limit is None or len(result.replayed) < limit:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    VisibilityTimeout=30).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            try:
                event = json.loads(message["Body"])["requestPayload"]
            except (ValueError, KeyError, TypeError):
                result.skipped += 1
                continue
            if dry_run:
                inspected.append(message["ReceiptHandle"])
                result.replayed.extend(object_keys(event))
                continue
            if local:
                sqs.send_message(QueueUrl=local["scanQueueUrl"], MessageBody=json.dumps(event))
            else:
                lam.invoke(FunctionName=scanner["functionName"], InvocationType="Event",
                           Payload=json.dumps(event).encode())
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            result.replayed.extend(object_keys(event))
            if limit is not None and len(result.replayed) >= limit:
                break
    for handle in inspected:  # a dry run leaves the queue as it was
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=0)
    return result

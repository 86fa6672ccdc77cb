"""Moves scanner events from its dead-letter queue back to the scan queue (after an outage is over).

The sweeper does this on its schedule, a bounded number of times per event; `catscan redrive` is the
operator's way to do it at once. The same in AWS and on the local cloud: both are SQS queues (the
scanner reads the scan queue through its event source). The original S3 event is moved unchanged, so
idempotency still prevents a second DetectLabels call for an object whose detection completed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3


class RedriveError(Exception):
    """The outputs do not describe a scanner with a dead-letter queue."""


@dataclass
class RedriveResult:
    replayed: list[str] = field(default_factory=list)  # object keys
    skipped: int = 0  # messages that were not S3 events


def _sqs(raw: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    try:
        scanner = raw["custom"]["scanner"]
        region = raw["auth"]["aws_region"]
        scanner["scanQueueUrl"], scanner["deadLetterQueueUrl"]
    except KeyError as exc:
        raise RedriveError(
            f"amplify_outputs.json has no {exc} (custom.scanner comes from the backend)"
        ) from exc
    local = raw.get("custom", {}).get("local", {})
    extra: dict[str, Any] = {}
    if local:
        extra = {
            "endpoint_url": local["endpoints"]["sqs"],
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
        }
    return boto3.client("sqs", region_name=region, **extra), scanner


def object_keys(event: dict[str, Any]) -> list[str]:
    return [r.get("s3", {}).get("object", {}).get("key", "?") for r in event.get("Records", [])]


def redrive(outputs_path: Path, limit: int | None = None, dry_run: bool = False) -> RedriveResult:
    sqs, scanner = _sqs(json.loads(Path(outputs_path).read_text()))
    dead, target = scanner["deadLetterQueueUrl"], scanner["scanQueueUrl"]
    result = RedriveResult()
    seen: set[str] = set()
    inspected: list[str] = []  # receipt handles of messages only looked at (dry run)
    while limit is None or len(result.replayed) < limit:
        batch = sqs.receive_message(
            QueueUrl=dead,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=30,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            try:
                keys = object_keys(json.loads(message["Body"]))
            except (ValueError, AttributeError):
                result.skipped += 1
                continue
            if dry_run:
                inspected.append(message["ReceiptHandle"])
            else:
                # Its attributes go along: the sweeper's re-drive count is not reset by a manual re-drive.
                sqs.send_message(
                    QueueUrl=target,
                    MessageBody=message["Body"],
                    MessageAttributes=message.get("MessageAttributes", {}),
                )
                sqs.delete_message(QueueUrl=dead, ReceiptHandle=message["ReceiptHandle"])
            result.replayed.extend(keys)
            if limit is not None and len(result.replayed) >= limit:
                break
    for handle in inspected:  # a dry run leaves the queue as it was
        sqs.change_message_visibility(QueueUrl=dead, ReceiptHandle=handle, VisibilityTimeout=0)
    return result

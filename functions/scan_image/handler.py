"""Lambda entry point: SQS batch of S3 ObjectCreated notifications -> ScanService, one record at a time.

Thin on purpose: wiring and Powertools cross-cutting concerns live here; the rules are in scan_logic and
the flow in scan_service. S3 notifies a queue and the queue's event source (with a maximum concurrency)
invokes this function, so a burst of uploads waits in the queue instead of flooding Rekognition.

Per record: a failure is reported alone (partial batch response) and its message comes back after a
growing delay, until its last delivery, which writes FAILED with the reason. Idempotency: DetectLabels is
paid once per object version (Powertools idempotency record), even when the verdict write fails after it;
a duplicated event after the verdict stops at getScan (the scan is already DONE or REJECTED), one that
overlaps the first comes back later (the detection's record is in progress), and no status write replaces a
verdict (they are conditional), see scan_service.py.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Literal

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from .appsync_client import REQUEST_SECONDS, ScanApi
from .deadline import Deadline
from .detector import Detection, LabelDetector
from .object_store import ObjectStore
from .owner_directory import OwnerDirectory
from .scan_service import DetectionInProgress, ObjectRef, RetryableScanError, ScanService
from .settings import QUICK_CALLS, detection_config, load_settings
from .thumbnail import ThumbnailWriter

logger = Logger()
metrics = Metrics()
settings = load_settings()
_session = boto3.Session(region_name=settings.region)  # one botocore session for every client
_CONNECT_SECONDS = 2.0
_attempt_seconds = _CONNECT_SECONDS + settings.service_timeout_seconds


def _client(
    service: Literal["rekognition", "s3", "cognito-idp", "sqs"], retry_mode: Literal["standard", "adaptive"]
) -> Any:
    # One attempt per call: the adapters retry within the invocation's budget. "adaptive" adds
    # botocore's client-side rate limiter, which slows this container after throttling answers.
    config = Config(
        retries={"mode": retry_mode, "total_max_attempts": 1},
        connect_timeout=_CONNECT_SECONDS,
        read_timeout=settings.service_timeout_seconds,
    )
    return _session.client(service, config=config)


api = ScanApi(settings.appsync_url, settings.region, credentials=_session.get_credentials())
detector = LabelDetector(_client("rekognition", "adaptive"), _attempt_seconds)
detect_records = DynamoDBPersistenceLayer(
    table_name=settings.idempotency_table, boto3_session=_session, boto_config=QUICK_CALLS
)
# Report failed messages only, also when all of them failed (no error for the whole invocation).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_sqs: Any = None  # made on the first retried message only

# A duplicated S3 event has the same object and sequencer: it must not cost a second DetectLabels.
_object_key = "[bucket, key, version_id || sequencer]"
detect_idempotency = IdempotencyConfig(event_key_jmespath=_object_key, expires_after_seconds=24 * 3600)


@idempotent_function(data_keyword_argument="ref", persistence_store=detect_records, config=detect_idempotency)
def detect_once(ref: dict[str, Any], key: str, min_confidence: float, deadline: Deadline) -> dict[str, Any]:
    """DetectLabels for one object version; its record outlives a failed verdict write."""
    return asdict(detector.detect(ref["bucket"], key, ref["version_id"], min_confidence, deadline))


def _detect(ref: ObjectRef, key: str, min_confidence: float, deadline: Deadline) -> Detection:
    try:
        result = detect_once(ref=asdict(ref), key=key, min_confidence=min_confidence, deadline=deadline)
    except IdempotencyAlreadyInProgressError as exc:
        raise DetectionInProgress(str(exc)) from exc
    return Detection(**result)


_s3 = _client("s3", "standard")
store = ObjectStore(_s3, _attempt_seconds)
service = ScanService(
    api=api,
    store=store,
    detect=_detect,
    detection_config=lambda: detection_config(settings),
    # The invocation's own id (inject_lambda_context keeps it; the correlation id is the S3 request's).
    request_id=lambda: logger.get_current_keys().get("function_request_id"),
    owners=OwnerDirectory(_client("cognito-idp", "standard"), settings.user_pool_id)
    if settings.user_pool_id
    else None,
    thumbnails=ThumbnailWriter(store.get_object, _s3.put_object),
)


def _retry_later(record: SQSRecord, attempt: int) -> None:
    """Delay the message's next delivery: exponential backoff with jitter, so that retries of a burst
    spread out instead of meeting the same throttling again."""
    global _sqs
    if not settings.scan_queue_url:
        return
    ceiling = min(
        settings.retry_backoff_max_seconds, settings.retry_backoff_base_seconds * 2 ** (attempt - 1)
    )
    delay = round(ceiling / 2 + random.uniform(0, ceiling / 2))
    try:
        _sqs = _sqs or _client("sqs", "standard")
        _sqs.change_message_visibility(
            QueueUrl=settings.scan_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=max(1, delay),
        )
    except Exception:  # the queue's own visibility timeout still brings it back
        logger.exception("could not delay the retried message")


def _since_upload_ms(event_time: str | None) -> float | None:
    """Milliseconds from the S3 event's time (the upload) until now; None if S3 sent no usable time."""
    try:
        uploaded = datetime.fromisoformat((event_time or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    if uploaded.tzinfo is None:
        return None
    return max(0.0, (datetime.now(UTC) - uploaded).total_seconds() * 1000)


def _event_size(size: Any) -> int | None:
    """The S3 event's object size, if it has a sane one (a hand-written event may have none)."""
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


def scan_record(record: SQSRecord, lambda_context: LambdaContext) -> None:
    body = json.loads(record.body)
    if "Records" not in body:  # s3:TestEvent (sent once when the notification is set up) and the like
        # Counted, so the invocation publishes a metric (Powertools warns of an empty one) that says why.
        metrics.add_metric(name="NotificationSkipped", unit=MetricUnit.Count, value=1)
        return
    attempt = int(record.attributes.approximate_receive_count or 1)
    final = attempt >= settings.max_receive_count
    # Keep enough of the invocation to write FAILED with its reason, whatever the dependencies do.
    reserve = min(REQUEST_SECONDS + 1, lambda_context.get_remaining_time_in_millis() / 1000 / 4)
    deadline = Deadline(lambda_context.get_remaining_time_in_millis, reserve_seconds=reserve)
    retry: list[str] = []
    for s3_record in S3Event(body).records:
        obj = s3_record.s3.get_object
        ref = ObjectRef(
            bucket=s3_record.s3.bucket.name,
            key=obj.key,
            version_id=obj.version_id,
            sequencer=obj.get("sequencer"),
            s3_request_id=(s3_record.response_elements or {}).get("x-amz-request-id"),
            event_time=s3_record.event_time,
            size_bytes=_event_size(obj.get("size")),
        )
        logger.set_correlation_id(ref.s3_request_id)
        try:
            outcome = service.process(ref, deadline, attempt=attempt, final=final).as_dict()
        except Exception as exc:  # noqa: BLE001 - transient, in progress elsewhere, or e.g. the idempotency
            # table unreachable: every failure comes back with backoff (never only after the visibility timeout).
            level = logger.warning if isinstance(exc, RetryableScanError) else logger.exception
            level("scan will be retried", extra={"key": obj.key, "attempt": attempt, "error": str(exc)})
            metrics.add_metric(name="ScanRetried", unit=MetricUnit.Count, value=1)
            retry.append(obj.key)
            continue
        logger.info("scanned", extra=outcome)
        metrics.add_metric(name=f"Scan{outcome['status'].title()}", unit=MetricUnit.Count, value=1)
        latency_ms = _since_upload_ms(ref.event_time)
        if latency_ms is not None and outcome["status"] in ("DONE", "REJECTED"):
            # Upload to verdict, as the user waits for it (the dashboard's p50/p95).
            metrics.add_metric(name="UploadToVerdictLatency", unit=MetricUnit.Milliseconds, value=latency_ms)
        if "detect" in outcome["timings_ms"]:
            metrics.add_metric(
                name="DetectLatency", unit=MetricUnit.Milliseconds, value=outcome["timings_ms"]["detect"]
            )
    if retry:
        _retry_later(record, attempt)
        # Raising marks this message (only) as failed in the partial batch response.
        raise RetryableScanError(f"{len(retry)} object(s) to retry: {retry}")


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    detect_idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=scan_record, processor=processor, context=context
    )

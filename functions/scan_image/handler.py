"""Lambda entry point: S3 ObjectCreated -> ScanService, one record at a time.

Thin on purpose: wiring, Powertools cross-cutting concerns and idempotency live here; the rules are
in scan_logic and the flow in scan_service.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from appsync_client import AppSyncUnavailable, ScanApi
from detector import LabelDetector
from object_store import ObjectStore
from scan_service import ObjectRef, RetryableScanError, ScanService
from settings import detection_config, load_settings

logger = Logger()
metrics = Metrics()
settings = load_settings()

# Standard retry mode backs off on throttling and 5xx; after that the scan is FAILED and retried
# by Lambda's async retries (then the on-failure queue).
_retries = Config(retries={"mode": "standard", "total_max_attempts": 4}, connect_timeout=5,
                  read_timeout=settings.service_timeout_seconds)
service = ScanService(
    api=ScanApi(settings.appsync_url, settings.region),
    store=ObjectStore(boto3.client("s3", config=_retries)),
    detector=LabelDetector(boto3.client("rekognition", config=_retries)),
    detection_config=lambda: detection_config(settings),
    request_id=lambda: logger.get_correlation_id(),
)

idempotency = IdempotencyConfig(
    # A duplicated S3 event has the same object and sequencer: it must not cost a second DetectLabels.
    event_key_jmespath="[bucket, key, version_id || sequencer]",
    expires_after_seconds=24 * 3600,
)
persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table)


@idempotent_function(data_keyword_argument="ref", persistence_store=persistence, config=idempotency)
def scan_object(ref: dict[str, Any]) -> dict[str, Any]:
    return service.process(ObjectRef(**ref)).as_dict()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path='Records[0].responseElements."x-amz-request-id"')
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    results, retry = [], []
    for record in event.records:
        obj = record.s3.get_object
        ref = ObjectRef(bucket=record.s3.bucket.name, key=obj.key, version_id=obj.version_id,
                        sequencer=obj.get("sequencer"),
                        s3_request_id=(record.response_elements or {}).get("x-amz-request-id"))
        try:
            outcome = scan_object(ref=asdict(ref))
        except IdempotencyAlreadyInProgressError:
            # The same object is being scanned (or a crashed attempt's lock has not expired yet):
            # retry later; by then the first result is cached or the lock expired. No second charge.
            logger.info("same object in progress; will retry", extra={"key": obj.key})
            retry.append(obj.key)
            continue
        except (RetryableScanError, AppSyncUnavailable) as exc:
            # Keep going: one image's failure never stops the others in this batch.
            logger.warning("scan will be retried", extra={"key": obj.key, "error": str(exc)})
            metrics.add_metric(name="ScanRetryable", unit=MetricUnit.Count, value=1)
            retry.append(obj.key)
            continue
        except Exception:  # noqa: BLE001 - e.g. the idempotency table is unreachable
            logger.exception("scan failed unexpectedly; will be retried", extra={"key": obj.key})
            retry.append(obj.key)
            continue
        logger.info("scanned", extra=outcome)
        metrics.add_metric(name=f"Scan{outcome['status'].title()}", unit=MetricUnit.Count, value=1)
        if "detect" in outcome["timings_ms"]:
            metrics.add_metric(name="DetectLatency", unit=MetricUnit.Milliseconds,
                               value=outcome["timings_ms"]["detect"])
        results.append(outcome)
    if retry:
        # Raising makes Lambda retry the event (twice), then send it to the on-failure queue.
        raise RetryableScanError(f"{len(retry)} object(s) to retry: {retry}")
    return {"results": results}

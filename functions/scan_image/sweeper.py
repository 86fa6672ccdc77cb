"""Scheduled Lambda: no scan is ever left hanging.

Every run (EventBridge schedule; the local runner on a short period), once AppSync answers:
1. Re-drives the scanner's dead-letter queue: events that failed every delivery (e.g. during an AppSync
   outage) go back to the scan queue, at most MAX_REDRIVES times each; after that their scans are
   written FAILED with the reason.
2. Ends PENDING scans whose image never arrived (no object at imageKey UPLOAD_GRACE_SECONDS after the
   last change) and PENDING / PROCESSING scans that made no progress for STUCK_AFTER_SECONDS (longer
   than every retry path of the scanner), as FAILED with the reason.
Stale scans are found through the status index (`scansByStatus`, oldest change first, acted on page by page), never a scan of
the table. Writes go through AppSync, so the owner's page hears about them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from botocore.exceptions import ClientError

from . import scan_logic
from .appsync_client import REQUEST_SECONDS, ScanApi
from .deadline import BudgetExhausted, Deadline

logger = Logger()
metrics = Metrics()

REDRIVES_ATTRIBUTE = "catscanRedrives"
NEVER_ARRIVED = "The image never arrived: nothing was uploaded within {minutes} minutes of creating the scan."
STUCK = "The scan made no progress for {minutes} minutes and was stopped; please upload the image again."
GAVE_UP = "The scan could not be completed: it failed {deliveries} deliveries and {redrives} re-drives."


@dataclass(frozen=True)
class SweepSettings:
    appsync_url: str
    region: str
    scan_queue_url: str
    dead_letter_queue_url: str
    bucket: str
    upload_grace_seconds: int
    stuck_after_seconds: int
    max_redrives: int
    max_receive_count: int

    @classmethod
    def from_env(cls) -> SweepSettings:
        env = os.environ
        return cls(
            appsync_url=env["APPSYNC_URL"],
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", "us-east-1"),
            scan_queue_url=env["SCAN_QUEUE_URL"],
            dead_letter_queue_url=env["DEAD_LETTER_QUEUE_URL"],
            bucket=env["UPLOADS_BUCKET"],
            upload_grace_seconds=int(env.get("UPLOAD_GRACE_SECONDS", "600")),
            stuck_after_seconds=int(env.get("STUCK_AFTER_SECONDS", "3600")),
            max_redrives=int(env.get("MAX_REDRIVES", "2")),
            max_receive_count=int(env.get("MAX_RECEIVE_COUNT", "8")),
        )


@dataclass
class SweepReport:
    redriven: int = 0
    gave_up: list[str] = field(default_factory=list)  # scan ids
    never_arrived: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "redriven": self.redriven,
            "gaveUp": self.gave_up,
            "neverArrived": self.never_arrived,
            "stuck": self.stuck,
        }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def scan_ids_of(body: str) -> list[str]:
    """Scan ids named by the S3 event in a dead-lettered message."""
    try:
        records = json.loads(body).get("Records", [])
    except (ValueError, AttributeError):
        return []
    ids = []
    for record in records:
        try:
            ids.append(scan_logic.parse_upload_key(record["s3"]["object"]["key"]).scan_id)
        except (KeyError, scan_logic.InvalidUploadKey):
            continue
    return ids


class Sweeper:
    def __init__(self, settings: SweepSettings, api: ScanApi, sqs: Any, s3: Any) -> None:
        self.settings, self._api, self._sqs, self._s3 = settings, api, sqs, s3

    def sweep(self, now: datetime, deadline: Deadline) -> SweepReport:
        report = SweepReport()
        try:
            # A cheap read first: during an AppSync outage the run stops here (AppSyncUnavailable), so
            # no re-drive is spent while it would fail and no scan is failed for the outage's silence.
            self._api.get_scan("sweeper-probe", deadline)
            # Re-drive before ending stale scans: a scan whose event waited out an outage in the
            # dead-letter queue gets its verdict instead of "made no progress".
            self._redrive(report, deadline)
            self._end_stale(now, report, deadline)
        except BudgetExhausted:
            logger.warning("out of time: the next run continues")
        return report

    def _redrive(self, report: SweepReport, deadline: Deadline) -> None:
        s = self.settings
        while deadline.left() > REQUEST_SECONDS * 2:
            # Long polling: a short poll samples only some SQS servers and may answer empty.
            messages = self._sqs.receive_message(
                QueueUrl=s.dead_letter_queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                VisibilityTimeout=60,
                MessageAttributeNames=[REDRIVES_ATTRIBUTE],
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                redrives = int(
                    message.get("MessageAttributes", {}).get(REDRIVES_ATTRIBUTE, {}).get("StringValue", "0")
                )
                if redrives < s.max_redrives:
                    self._sqs.send_message(
                        QueueUrl=s.scan_queue_url,
                        MessageBody=message["Body"],
                        MessageAttributes={
                            REDRIVES_ATTRIBUTE: {"DataType": "Number", "StringValue": str(redrives + 1)}
                        },
                    )
                    report.redriven += 1
                else:
                    reason = GAVE_UP.format(
                        deliveries=(redrives + 1) * s.max_receive_count, redrives=redrives
                    )
                    for scan_id in scan_ids_of(message["Body"]):
                        # raises if AppSync is down: the message stays for the next run
                        if self._fail(scan_id, reason, deadline, expected=None):
                            report.gave_up.append(scan_id)
                self._sqs.delete_message(
                    QueueUrl=s.dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def _end_stale(self, now: datetime, report: SweepReport, deadline: Deadline) -> None:
        s = self.settings
        grace_before = _iso(now - timedelta(seconds=s.upload_grace_seconds))
        stuck_before = _iso(now - timedelta(seconds=s.stuck_after_seconds))
        for scan in self._api.scans_by_status("PENDING", grace_before, deadline):
            if scan["updatedAt"] < stuck_before:
                if self._fail(scan["id"], STUCK.format(minutes=s.stuck_after_seconds // 60), deadline, scan):
                    report.stuck.append(scan["id"])
            elif not self._uploaded(scan["imageKey"], deadline):
                reason = NEVER_ARRIVED.format(minutes=max(1, s.upload_grace_seconds // 60))
                if self._fail(scan["id"], reason, deadline, scan):
                    report.never_arrived.append(scan["id"])
        for scan in self._api.scans_by_status("PROCESSING", stuck_before, deadline):
            if self._fail(scan["id"], STUCK.format(minutes=s.stuck_after_seconds // 60), deadline, scan):
                report.stuck.append(scan["id"])

    def _uploaded(self, image_key: str, deadline: Deadline) -> bool:
        deadline.timeout(REQUEST_SECONDS)  # BudgetExhausted when no time is left for the HEAD
        try:
            self._s3.head_object(Bucket=self.settings.bucket, Key=image_key)  # imageKey is stored decoded
            return True
        except ClientError as exc:
            # Without s3:ListBucket S3 answers 403 rather than 404 for a missing object.
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "403", "AccessDenied"):
                return False
            raise

    def _fail(self, scan_id: str, reason: str, deadline: Deadline, expected: dict[str, Any] | None) -> bool:
        """FAILED with the reason, only if the scan has not moved on since it was read (`expected`: the scan
        as read, whose status and updatedAt must still hold) or, without it, has no verdict yet. The
        condition makes a race with the scanner harmless: a verdict written meanwhile stands."""
        condition: dict[str, Any]
        if expected is not None:
            condition = {"status": {"eq": expected["status"]}, "updatedAt": {"eq": expected["updatedAt"]}}
        else:
            condition = {"or": [{"status": {"eq": "PENDING"}}, {"status": {"eq": "PROCESSING"}}]}
        if (
            self._api.update_scan(scan_id, deadline, condition=condition, status="FAILED", reason=reason)
            is None
        ):
            logger.info("scan moved on before the sweeper's write; left as it is", extra={"scanId": scan_id})
            return False
        metrics.add_metric(name="SweeperFailedScans", unit=MetricUnit.Count, value=1)
        logger.info("scan failed by the sweeper", extra={"scanId": scan_id, "reason": reason})
        return True


_settings = SweepSettings.from_env()
_session = boto3.Session(region_name=_settings.region)
_config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)
sweeper = Sweeper(
    _settings,
    ScanApi(_settings.appsync_url, _settings.region),
    _session.client("sqs", config=_config),
    _session.client("s3", config=_config),
)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deadline = Deadline(context.get_remaining_time_in_millis, reserve_seconds=REQUEST_SECONDS)
    report = sweeper.sweep(datetime.now(UTC), deadline)
    metrics.add_metric(name="SweeperRedriven", unit=MetricUnit.Count, value=report.redriven)
    return report.as_dict()

"""The use case: one uploaded object -> one verdict written through AppSync.

Adapters are injected, so tests drive it against moto / the emulator and AWS runs it unchanged.
Every path ends in DONE, REJECTED or FAILED for the scan, or IGNORED (no scan owns the key, or another
delivery of the object wrote the verdict or is writing it), or raises RetryableScanError for a transient
failure that a later delivery of the event may overcome; on the event's last delivery (`final`) a transient
failure is written as FAILED with its reason. Status writes never replace a verdict (NOT_TERMINAL). A
delivery after a FAILED scans again: a late image after the sweeper's "never arrived", or a duplicated or
re-driven event (DetectLabels is still paid at most once per object version if it answered before).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from . import file_format, image_header, scan_logic
from .appsync_client import AppSyncUnavailable, ScanApi
from .deadline import BudgetExhausted, Deadline
from .detector import Detection, DetectorUnavailable, ImageRejectedByDetector
from .object_store import HEADER_READ_LIMIT, HeaderTooLarge, ObjectStore, StorageUnavailable
from .owner_directory import OwnerDirectory
from .thumbnail import ThumbnailWriter

SCANNER_VERSION = "catscan-scanner/1.1"
# DynamoDB reads behind getScan are eventually consistent: an event may overtake its createScan.
CONSISTENCY_WINDOW_SECONDS = 300
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str  # as in the S3 event: URL-encoded
    version_id: str | None = None
    sequencer: str | None = None
    s3_request_id: str | None = None
    event_time: str | None = None  # ISO 8601, from the S3 event
    size_bytes: int | None = None  # from the S3 event: a small object is read whole by its first GET


@dataclass
class Outcome:
    status: str  # DONE | REJECTED | FAILED | IGNORED
    scan_id: str | None = None
    reason: str | None = None
    is_cat: bool | None = None
    confidence: float | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RetryableScanError(Exception):
    """A transient failure: the event should be delivered again later."""


class ScanNotVisibleYet(Exception):
    """getScan found nothing for an event this recent: the scan's write may not be readable yet."""


class DetectionInProgress(Exception):
    """Another delivery of this object (a duplicated event) holds the detection's idempotency record now."""


# Every status write is conditional on this: a delivery of the object (S3 and SQS deliver at least once) never
# writes PROCESSING, a verdict or FAILED over a verdict another delivery wrote after this one read the scan
# (getScan's read is eventually consistent in AppSync, so it may even be older than that).
NOT_TERMINAL: dict[str, Any] = {"and": [{"status": {"ne": "DONE"}}, {"status": {"ne": "REJECTED"}}]}


def _verdict_stands(scan_id: str) -> Outcome:
    """The outcome of a delivery whose status write found a verdict another delivery wrote."""
    return Outcome(status="IGNORED", scan_id=scan_id, reason="a verdict was written meanwhile")


MAX_HEADER_MB = HEADER_READ_LIMIT // (1024 * 1024)


TRANSIENT = (AppSyncUnavailable, DetectorUnavailable, StorageUnavailable, BudgetExhausted, ScanNotVisibleYet)


def failure_reason(exc: Exception, attempts: int) -> str:
    """What a person reads when the last delivery of the event still failed."""
    tried = f"it was tried {attempts} time{'s' if attempts != 1 else ''}."
    if isinstance(exc, DetectorUnavailable) and exc.throttled:
        return f"The cat detector was too busy (rate limit reached); {tried}"
    if isinstance(exc, DetectorUnavailable):
        return f"The cat detector did not answer in time or failed; {tried}"
    if isinstance(exc, StorageUnavailable):
        return f"The image could not be read from storage; {tried}"
    if isinstance(exc, BudgetExhausted):
        return f"The scan ran out of time; {tried}"
    return f"An internal error stopped this scan; {tried}"


class ScanService:
    def __init__(
        self,
        api: ScanApi,
        store: ObjectStore,
        detect: Callable[[ObjectRef, str, float, Deadline], Detection],
        detection_config: Callable[[], scan_logic.DetectionConfig],
        request_id: Callable[[], str | None] = lambda: None,
        clock: Callable[[], float] = time.time,
        owners: OwnerDirectory | None = None,
        thumbnails: ThumbnailWriter | None = None,
    ) -> None:
        # `detect(ref, decoded key, min confidence, deadline)`: the handler makes it pay once per object.
        self._api, self._store, self._detect = api, store, detect
        self._detection_config = detection_config
        self._request_id = request_id
        self._clock = clock
        self._owners, self._thumbnails = owners, thumbnails  # optional: the uploader's e-mail, thumbnails

    def process(self, ref: ObjectRef, deadline: Deadline, attempt: int = 1, final: bool = True) -> Outcome:
        """`attempt`: this delivery's number; `final`: no further delivery will come."""
        try:
            upload = scan_logic.parse_upload_key(ref.key)
        except scan_logic.InvalidUploadKey as exc:
            return Outcome(status="IGNORED", reason=str(exc))
        try:
            return self._scan(ref, upload, deadline, final)
        except ScanNotVisibleYet as exc:
            if final:
                return Outcome(status="IGNORED", scan_id=upload.scan_id, reason=str(exc))
            raise RetryableScanError(str(exc)) from exc
        except DetectionInProgress as exc:
            # A duplicated event overlapping the first: that delivery writes the verdict. This one comes back
            # later and finds the scan terminal; on its last delivery it leaves the scan to the first (or, if
            # that one died, to the sweeper's stale-scan rule).
            if final:
                return Outcome(
                    status="IGNORED", scan_id=upload.scan_id, reason=f"in progress elsewhere: {exc}"
                )
            raise RetryableScanError(f"in progress elsewhere: {exc}") from exc
        except Exception as exc:  # transient or unexpected: retried, or FAILED at the end
            if not final:
                raise RetryableScanError(f"{type(exc).__name__}: {exc}") from exc
            reason = failure_reason(exc, attempt)
            try:
                written = self._write_status(
                    upload.scan_id, deadline, final=True, status="FAILED", reason=reason
                )
            except Exception as write_error:  # noqa: BLE001 - AppSync down too: the event goes to the DLQ
                raise RetryableScanError(f"{exc}; and FAILED could not be written: {write_error}") from exc
            if not written:
                return _verdict_stands(upload.scan_id)
            return Outcome(status="FAILED", scan_id=upload.scan_id, reason=reason)

    def _write_status(self, scan_id: str, deadline: Deadline, *, final: bool = False, **fields: Any) -> bool:
        """updateScan on NOT_TERMINAL; False when a verdict stands (nothing written)."""
        return (
            self._api.update_scan(scan_id, deadline, final=final, condition=NOT_TERMINAL, **fields)
            is not None
        )

    def _recent(self, ref: ObjectRef) -> bool:
        if not ref.event_time:
            return False
        try:
            at = datetime.fromisoformat(ref.event_time.replace("Z", "+00:00"))
        except ValueError:
            return False
        return self._clock() - at.replace(tzinfo=at.tzinfo or UTC).timestamp() < CONSISTENCY_WINDOW_SECONDS

    def _scan(self, ref: ObjectRef, upload: scan_logic.UploadKey, deadline: Deadline, final: bool) -> Outcome:
        started = time.perf_counter()
        timings: dict[str, float] = {}

        def lap(stage: str, since: float) -> float:
            now = time.perf_counter()
            timings[stage] = round((now - since) * 1000, 1)
            return now

        key = f"{scan_logic.UPLOAD_PREFIX}{upload.identity_id}/{upload.scan_id}/{upload.file_name}"

        t = time.perf_counter()
        scan = self._api.get_scan(upload.scan_id, deadline)
        t = lap("getScan", t)
        if scan is None:
            if self._recent(ref):
                raise ScanNotVisibleYet("no scan for this upload (yet)")
            return Outcome(status="IGNORED", scan_id=upload.scan_id, reason="no scan for this upload")
        if scan.get("imageKey") != key:
            return Outcome(
                status="IGNORED",
                scan_id=upload.scan_id,
                reason="the scan's imageKey is not this object's key",
            )
        if scan.get("status") in ("DONE", "REJECTED"):
            # A re-delivery after the verdict (a duplicated S3 event, a kill after the write, a re-driven
            # dead letter): the verdict stands, no PROCESSING over it, no second charge.
            return Outcome(
                status="IGNORED", scan_id=upload.scan_id, reason=f"the scan is already {scan['status']}"
            )

        # The uploader's e-mail (from Cognito, never from the client) goes out with the final status.
        owner_email = (
            None if scan.get("ownerEmail") or not self._owners else self._owners.email(scan.get("owner"))
        )
        debug: dict[str, Any] = {
            "scanner": SCANNER_VERSION,
            "object": {"bucket": ref.bucket, "key": key, "versionId": ref.version_id},
            "requestIds": {"lambda": self._request_id(), "s3": ref.s3_request_id},
            "timingsMs": timings,
        }

        def finish(
            status: str, reason: str | None = None, verdict: scan_logic.Verdict | None = None
        ) -> Outcome:
            timings["total"] = round((time.perf_counter() - started) * 1000, 1)
            fields: dict[str, Any] = {"status": status, "reason": reason, "debug": json.dumps(debug)}
            if owner_email:
                fields["ownerEmail"] = owner_email
            if verdict is not None:
                fields.update(
                    isCat=verdict.is_cat,
                    confidence=verdict.confidence,
                    catBoxes=[asdict(b) for b in verdict.cat_boxes],
                )
            if not self._write_status(upload.scan_id, deadline, final=True, **fields):
                return _verdict_stands(upload.scan_id)
            return Outcome(
                status=status,
                scan_id=upload.scan_id,
                reason=reason,
                is_cat=verdict.is_cat if verdict else None,
                confidence=verdict.confidence if verdict else None,
                timings_ms=timings,
            )

        try:
            info, reader = self._store.open(ref.bucket, key, ref.version_id, deadline, ref.size_bytes)
            debug["object"].update(
                sizeBytes=info.size_bytes, etag=info.etag, declaredContentType=info.content_type
            )
            rejection = scan_logic.size_rejection(info.size_bytes)
            if rejection:
                return finish("REJECTED", rejection)

            head = reader.read(file_format.SNIFF_BYTES)
            rejection = file_format.rejection_for_format(head)
            if rejection:
                return finish("REJECTED", rejection)
            debug["object"]["format"] = file_format.sniff_format(head)
            reader.seek(0)
            width, height = image_header.read_dimensions(reader)
            debug["object"].update(width=width, height=height, headerBytesRead=reader.bytes_fetched)
            t = lap("validate", t)
            rejection = scan_logic.dimension_rejection(width, height)
            if rejection:
                return finish("REJECTED", rejection)
        except HeaderTooLarge as exc:
            debug["error"] = str(exc)
            return finish(
                "REJECTED",
                f"The image has more than {MAX_HEADER_MB} MB of metadata before the picture (EXIF, ICC, "
                "comments), so its size cannot be read.",
            )
        except image_header.UnreadableHeader as exc:
            debug["error"] = str(exc)
            return finish(
                "REJECTED", "The image header is damaged or incomplete, so its size cannot be read."
            )
        except ClientError as exc:
            # Without s3:ListBucket, S3 answers 403 rather than 404 for a missing object.
            if exc.response.get("Error", {}).get("Code") in (
                "NoSuchKey",
                "404",
                "NoSuchVersion",
                "403",
                "AccessDenied",
            ):
                return finish("FAILED", "The uploaded image is no longer in storage.")
            raise

        config = self._detection_config()
        detect_min = scan_logic.detection_min_confidence(config)
        debug["thresholds"] = {
            "targetLabel": config.target_label,
            "minConfidence": config.min_confidence,
            "detectorMinConfidence": detect_min,
        }
        if scan.get("status") != "PROCESSING":  # a retried delivery does not announce it twice
            announce: dict[str, Any] = {"status": "PROCESSING"}
            if owner_email:
                announce["ownerEmail"] = owner_email
            if not self._write_status(upload.scan_id, deadline, **announce):
                return _verdict_stands(upload.scan_id)
        t = lap("markProcessing", t)
        try:
            detection = self._detect(ref, key, detect_min, deadline)
        except ImageRejectedByDetector as exc:
            debug["detector"] = {"error": exc.code, "message": exc.detail}  # the technical part, Admin only
            return finish("REJECTED", exc.reason)
        lap("detect", t)
        debug["detector"] = {
            "labels": detection.labels,
            "modelVersion": detection.model_version,
            "attempts": detection.attempts,
            "elapsedMs": detection.elapsed_ms,
        }
        debug["requestIds"]["rekognition"] = detection.request_id
        verdict = scan_logic.decide(detection.labels, config)
        outcome = finish("DONE", None, verdict)
        if outcome.status == "DONE":
            # After the verdict was pushed; from the bytes already read if the first GET read the image whole.
            self._write_thumbnail(ref, key, upload, debug["object"], deadline, reader.whole())
        return outcome

    def _write_thumbnail(
        self,
        ref: ObjectRef,
        key: str,
        upload: scan_logic.UploadKey,
        obj: dict[str, Any],
        deadline: Deadline,
        data: bytes | None,
    ) -> None:
        """thumbnail.py's JPEG, and its key on the scan; a failure only means no thumbnail."""
        if self._thumbnails is None:
            return
        try:
            target = self._thumbnails.write(
                ref.bucket,
                key,
                ref.version_id,
                upload.identity_id,
                upload.scan_id,
                obj["width"],
                obj["height"],
                deadline,
                data,
            )
            self._api.update_scan(upload.scan_id, deadline, thumbnailKey=target)
        except Exception as exc:  # noqa: BLE001 - the verdict is written; the card shows a placeholder
            logger.warning("no thumbnail for %s: %s: %s", upload.scan_id, type(exc).__name__, exc)

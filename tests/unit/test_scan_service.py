"""Every exit of ScanService.process, with in-memory fakes of AppSync, S3 and the detector (milliseconds).

The same flow runs against the real local cloud in tests/integration; here each decision is pinned alone.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scan_image import scan_logic
from scan_image.appsync_client import AppSyncUnavailable
from scan_image.deadline import BudgetExhausted, Deadline
from scan_image.detector import Detection, DetectorUnavailable, ImageRejectedByDetector
from scan_image.object_store import HeaderTooLarge, ObjectInfo, StorageUnavailable
from scan_image.scan_service import DetectionInProgress, ObjectRef, RetryableScanError, ScanService

SCAN_ID = "11111111-2222-3333-4444-555555555555"
KEY = f"uploads/us-east-1:abc/{SCAN_ID}/cat.png"
CONFIG = scan_logic.DetectionConfig(target_label="Cat", min_confidence=50)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\0" * 64
    )


class FakeApi:
    def __init__(self, scan: dict[str, Any] | None, fail_writes: bool = False, down: bool = False) -> None:
        self.scan, self.fail_writes, self.down = scan, fail_writes, down
        self.writes: list[dict[str, Any]] = []

    def get_scan(self, scan_id: str, deadline: Deadline) -> dict[str, Any] | None:
        if self.down:
            raise AppSyncUnavailable("connection refused")
        return self.scan

    def update_scan(
        self, scan_id: str, deadline: Deadline, *, final: bool = False, condition=None, **fields: Any
    ) -> dict | None:
        if self.down or (self.fail_writes and fields.get("status") != "PROCESSING"):
            raise AppSyncUnavailable("HTTP 503")
        if condition is not None and not holds(condition, self.scan or {}):
            return None  # ConditionalCheckFailed: nothing written
        self.writes.append(fields)
        if self.scan is not None:
            self.scan = {**self.scan, **fields}
        return {"id": scan_id, **fields}

    @property
    def last(self) -> dict[str, Any]:
        return self.writes[-1]


def holds(condition: dict[str, Any], item: dict[str, Any]) -> bool:
    """The and/or/eq/ne subset of a GraphQL condition input the scanner sends."""
    if "and" in condition:
        return all(holds(c, item) for c in condition["and"])
    if "or" in condition:
        return any(holds(c, item) for c in condition["or"])
    ((field, test),) = condition.items()
    ((op, value),) = test.items()
    return (item.get(field) == value) == (op == "eq")


class FakeReader(io.BytesIO):
    bytes_fetched = 0

    def whole(self) -> bytes:
        return self.getvalue()


class FakeStore:
    def __init__(self, data: bytes | None = None, error: Exception | None = None) -> None:
        self.data, self.error = data, error

    def open(self, bucket: str, key: str, version_id: str | None, deadline: Deadline, size_hint=None):
        if self.error:
            raise self.error
        assert self.data is not None
        return ObjectInfo(len(self.data), "image/png", None, '"e"'), FakeReader(self.data)


def detect_returning(labels: list[dict[str, Any]]):
    calls = []

    def detect(ref: ObjectRef, key: str, min_confidence: float, deadline: Deadline) -> Detection:
        calls.append(key)
        return Detection(labels=labels, model_version="3.0", request_id="r", elapsed_ms=1.0, attempts=1)

    detect.calls = calls  # type: ignore[attr-defined]
    return detect


def detect_raising(exc: Exception):
    def detect(*_: Any) -> Detection:
        raise exc

    return detect


def service(api: FakeApi, store: FakeStore, detect=None) -> ScanService:
    return ScanService(api, store, detect or detect_returning([]), lambda: CONFIG, clock=lambda: NOW)


def run(svc: ScanService, *, key: str = KEY, final: bool = False, event_age: float = 10, attempt: int = 1):
    moment = datetime.fromtimestamp(NOW - event_age, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ref = ObjectRef(bucket="b", key=key, sequencer="s", event_time=moment)
    return svc.process(ref, Deadline(lambda: 30_000, reserve_seconds=5), attempt=attempt, final=final)


SCAN = {"id": SCAN_ID, "imageKey": KEY, "status": "PENDING"}
CAT = [
    {
        "Name": "Cat",
        "Confidence": 92.0,
        "Instances": [
            {"BoundingBox": {"Left": 0.1, "Top": 0.2, "Width": 0.5, "Height": 0.6}, "Confidence": 90.0}
        ],
    }
]


def test_a_key_outside_uploads_is_ignored():
    assert run(service(FakeApi(SCAN), FakeStore(png(100, 100))), key="other/x.png").status == "IGNORED"


def test_no_scan_for_an_old_event_is_ignored():
    outcome = run(service(FakeApi(None), FakeStore(png(100, 100))), event_age=3600)
    assert outcome.status == "IGNORED" and outcome.reason == "no scan for this upload"


def test_no_scan_for_a_recent_event_is_retried_then_ignored_on_the_last_delivery():
    with pytest.raises(RetryableScanError, match="no scan for this upload"):
        run(service(FakeApi(None), FakeStore(png(100, 100))), event_age=5)
    assert run(service(FakeApi(None), FakeStore(png(100, 100))), event_age=5, final=True).status == "IGNORED"


def test_a_scan_of_another_key_is_ignored():
    outcome = run(service(FakeApi({**SCAN, "imageKey": "uploads/x/y/z.png"}), FakeStore(png(100, 100))))
    assert outcome.status == "IGNORED" and "imageKey" in outcome.reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "The file is empty"),
        (b"hello, this is a shopping list\n" * 20, "This is a text file"),
        (png(60, 60), "each side must be at least 80 pixels"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 10, "damaged or incomplete"),
    ],
)
def test_bad_images_are_rejected_with_the_reason(data, reason):
    api = FakeApi(SCAN)
    outcome = run(service(api, FakeStore(data)))
    assert outcome.status == "REJECTED" and reason in outcome.reason
    assert api.last["status"] == "REJECTED" and reason in api.last["reason"]
    assert "PROCESSING" not in [w["status"] for w in api.writes]  # refused before the detector


def test_an_image_gone_from_storage_fails():
    gone = ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")
    outcome = run(service(FakeApi(SCAN), FakeStore(error=gone)))
    assert outcome.status == "FAILED" and outcome.reason == "The uploaded image is no longer in storage."


def test_the_detector_refusing_the_image_rejects_it():
    refused = ImageRejectedByDetector(
        "The image data is damaged.",
        "InvalidImageFormatException",
        "image file is truncated (25 bytes not processed)",
    )
    api = FakeApi(SCAN)
    outcome = run(service(api, FakeStore(png(100, 100)), detect_raising(refused)))
    assert outcome.status == "REJECTED" and api.last["reason"] == "The image data is damaged."
    # The detector's own words go to the Admin's debug data, not into the person's reason.
    assert json.loads(api.last["debug"])["detector"] == {
        "error": "InvalidImageFormatException",
        "message": "image file is truncated (25 bytes not processed)",
    }


def test_a_cat_is_done_with_its_boxes_and_debug():
    api = FakeApi(SCAN)
    detect = detect_returning(CAT)
    outcome = run(service(api, FakeStore(png(100, 100)), detect))
    assert outcome.status == "DONE" and outcome.is_cat is True and outcome.confidence == 92.0
    assert [w["status"] for w in api.writes] == ["PROCESSING", "DONE"]
    assert api.last["catBoxes"] == [
        {"left": 0.1, "top": 0.2, "width": 0.5, "height": 0.6, "confidence": 90.0}
    ]
    debug = json.loads(api.last["debug"])
    assert debug["thresholds"]["minConfidence"] == 50 and debug["object"]["width"] == 100
    assert detect.calls == [KEY]


@pytest.mark.parametrize("status", ["DONE", "REJECTED"])
def test_a_delivery_after_the_verdict_changes_nothing(status):
    """E.g. a dead letter re-driven after its idempotency record expired: no PROCESSING over the verdict,
    no second DetectLabels."""
    api, detect = FakeApi({**SCAN, "status": status}), detect_returning(CAT)
    outcome = run(service(api, FakeStore(png(100, 100)), detect))
    assert outcome.status == "IGNORED" and api.writes == [] and detect.calls == []


def test_a_retried_delivery_does_not_announce_processing_twice():
    api = FakeApi({**SCAN, "status": "PROCESSING"})
    assert run(service(api, FakeStore(png(100, 100)), detect_returning([]))).status == "DONE"
    assert [w["status"] for w in api.writes] == ["DONE"]


@pytest.mark.parametrize(
    "error, reason",
    [
        (
            DetectorUnavailable("throttled", throttled=True),
            "The cat detector was too busy (rate limit reached)",
        ),
        (DetectorUnavailable("ReadTimeoutError"), "The cat detector did not answer in time or failed"),
    ],
)
def test_a_transient_detector_failure_is_retried_then_failed_on_the_last_delivery(error, reason):
    api = FakeApi(SCAN)
    with pytest.raises(RetryableScanError):
        run(service(api, FakeStore(png(100, 100)), detect_raising(error)))
    assert "FAILED" not in [w["status"] for w in api.writes]  # more deliveries will come
    outcome = run(service(api, FakeStore(png(100, 100)), detect_raising(error)), final=True, attempt=8)
    assert outcome.status == "FAILED" and outcome.reason == f"{reason}; it was tried 8 times."
    assert api.last == {"status": "FAILED", "reason": outcome.reason}


def test_the_last_deliverys_failed_never_replaces_a_verdict_written_meanwhile():
    """A duplicated event overlapping the first: the first wrote DONE while this one failed."""
    api = FakeApi({**SCAN, "status": "PROCESSING"})

    def detect_then_lose_the_race(*_: Any) -> Detection:
        api.scan = {**api.scan, "status": "DONE"}  # the other delivery's verdict lands now
        raise DetectorUnavailable("ReadTimeoutError")

    outcome = run(service(api, FakeStore(png(100, 100)), detect_then_lose_the_race), final=True, attempt=8)
    assert outcome.status == "IGNORED" and outcome.reason == "a verdict was written meanwhile"
    assert api.scan["status"] == "DONE" and "FAILED" not in [w["status"] for w in api.writes]


def test_a_stale_read_never_puts_processing_over_a_verdict():
    """getScan (eventually consistent in AppSync) still says PENDING, but another delivery wrote DONE."""
    api = FakeApi({**SCAN, "status": "DONE", "isCat": True})
    api.get_scan = lambda *_: dict(SCAN)  # type: ignore[method-assign]
    detect = detect_returning(CAT)
    outcome = run(service(api, FakeStore(png(100, 100)), detect))
    assert outcome.status == "IGNORED" and outcome.reason == "a verdict was written meanwhile"
    assert api.writes == [] and detect.calls == [] and api.scan["status"] == "DONE"


def test_a_verdict_written_meanwhile_by_another_delivery_stands():
    """Both deliveries got past PROCESSING; the other one's verdict landed first: no second write or push."""
    api = FakeApi(dict(SCAN))

    def detect_while_the_other_finishes(*_: Any) -> Detection:
        api.scan = {**api.scan, "status": "REJECTED"}
        return Detection(labels=CAT, model_version="3.0", request_id="r", elapsed_ms=1.0, attempts=1)

    outcome = run(service(api, FakeStore(png(100, 100)), detect_while_the_other_finishes))
    assert outcome.status == "IGNORED" and outcome.reason == "a verdict was written meanwhile"
    assert [w["status"] for w in api.writes] == ["PROCESSING"] and api.scan["status"] == "REJECTED"


def test_a_detection_in_progress_elsewhere_comes_back_later_and_is_left_to_it_at_the_end():
    """The detection's idempotency record is held by another delivery of the object (a duplicated event)."""
    in_progress = detect_raising(DetectionInProgress("Execution already in progress"))
    api = FakeApi(SCAN)
    with pytest.raises(RetryableScanError, match="in progress elsewhere"):
        run(service(api, FakeStore(png(100, 100)), in_progress))
    outcome = run(service(api, FakeStore(png(100, 100)), in_progress), final=True, attempt=8)
    assert outcome.status == "IGNORED" and "in progress elsewhere" in (outcome.reason or "")
    assert "FAILED" not in [w["status"] for w in api.writes]


def test_a_header_past_the_read_limit_is_refused_for_its_size_not_as_damaged():
    outcome = run(service(FakeApi(SCAN), FakeStore(error=HeaderTooLarge("needed more than 2097152 bytes"))))
    assert outcome.status == "REJECTED"
    assert outcome.reason.startswith("The image has more than 2 MB of metadata before the picture")


def test_storage_trouble_on_the_last_delivery_fails_with_the_reason():
    outcome = run(service(FakeApi(SCAN), FakeStore(error=StorageUnavailable("503"))), final=True, attempt=3)
    assert outcome.status == "FAILED" and outcome.reason.startswith(
        "The image could not be read from storage"
    )


def test_an_unexpected_error_is_retried_then_failed_as_internal():
    with pytest.raises(RetryableScanError, match="KeyError"):
        run(service(FakeApi(SCAN), FakeStore(png(100, 100)), detect_raising(KeyError("Labels"))))
    outcome = run(service(FakeApi(SCAN), FakeStore(png(100, 100)), detect_raising(KeyError("x"))), final=True)
    assert outcome.status == "FAILED" and outcome.reason.startswith("An internal error stopped this scan")


def test_a_verdict_that_cannot_be_written_is_retried_even_on_the_last_delivery():
    """AppSync down: not even FAILED can be written, so the event goes to the dead-letter queue."""
    with pytest.raises(RetryableScanError, match="FAILED could not be written"):
        run(service(FakeApi(SCAN, fail_writes=True), FakeStore(png(100, 100))), final=True)
    with pytest.raises(RetryableScanError):
        run(service(FakeApi(SCAN, down=True), FakeStore(png(100, 100))), final=True)


def test_the_budget_keeps_a_reserve_for_the_last_write():
    remaining = [10_000]
    deadline = Deadline(lambda: remaining[0], reserve_seconds=3)
    assert deadline.left() == 7 and deadline.timeout(5) == 5 and deadline.timeout(5, reserve=True) == 5
    remaining[0] = 3_100
    assert round(deadline.left(), 3) == 0.1
    with pytest.raises(BudgetExhausted, match="left"):
        deadline.timeout(5)
    assert round(deadline.timeout(5, reserve=True), 3) == 2.6  # the final write may use the reserve

"""Rekognition adapter: DetectLabels by S3 object reference (the image is never downloaded here).

The client is made with one attempt per call and botocore's adaptive rate limiter (which slows this
container down after throttling answers); `detect` retries throttling, 5xx and timeouts itself, and only
while another attempt fits in the invocation's budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .deadline import BudgetExhausted, Deadline, retry

# Rekognition's answers about the image itself: the upload is refused, retrying cannot help.
_IMAGE_ERRORS = {
    "InvalidImageFormatException": "The image data is damaged or not a format the detector can read.",
    "ImageTooLargeException": "The image is too large for the detector.",
    "InvalidParameterException": "The image's size is outside what the detector accepts.",
}


class ImageRejectedByDetector(Exception):
    """`reason`: for the person who uploaded; `detail`: the detector's own message, for the Admin's debug."""

    def __init__(self, reason: str, code: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.code, self.detail = reason, code, detail


class DetectorUnavailable(Exception):
    """Throttling, 5xx or timeouts on every attempt the budget allowed."""

    def __init__(self, message: str, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


_THROTTLING = {"ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException"}


@dataclass(frozen=True)
class Detection:
    labels: list[dict[str, Any]]
    model_version: str | None
    request_id: str | None
    elapsed_ms: float
    attempts: int


class LabelDetector:
    def __init__(self, rekognition_client: Any, attempt_seconds: float) -> None:
        """`attempt_seconds`: the client's connect + read timeout, i.e. how long one attempt may take."""
        self._client = rekognition_client
        self._attempt_seconds = attempt_seconds

    def detect(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        min_confidence: float,
        deadline: Deadline,
        max_labels: int = 25,
    ) -> Detection:
        s3_object: dict[str, str] = {"Bucket": bucket, "Name": key}
        if version_id:
            s3_object["Version"] = version_id
        started = time.perf_counter()
        attempts = 0

        def call() -> dict[str, Any]:
            nonlocal attempts
            if deadline.left() < self._attempt_seconds:
                raise BudgetExhausted(
                    f"{deadline.left():.1f} s left, an attempt may take {self._attempt_seconds} s"
                )
            attempts += 1
            labels: dict[str, Any] = self._client.detect_labels(
                Image={"S3Object": s3_object}, MaxLabels=max_labels, MinConfidence=min_confidence
            )
            return labels

        try:
            response = retry(
                call, deadline.left, self._attempt_seconds, _transient, base_delay=0.5, max_attempts=6
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _IMAGE_ERRORS:
                detail = exc.response.get("Error", {}).get("Message") or ""
                raise ImageRejectedByDetector(_IMAGE_ERRORS[code], code, detail) from exc
            raise DetectorUnavailable(
                f"{code or 'error'} after {attempts} attempt(s): {exc}", throttled=code in _THROTTLING
            ) from exc
        except BotoCoreError as exc:  # timeouts, connection errors
            raise DetectorUnavailable(f"{type(exc).__name__} after {attempts} attempt(s): {exc}") from exc
        except BudgetExhausted as exc:
            if attempts == 0:
                raise
            raise DetectorUnavailable(f"no time left for attempt {attempts + 1}: {exc}") from exc
        metadata = response.get("ResponseMetadata", {})
        return Detection(
            labels=response.get("Labels", []),
            model_version=response.get("LabelModelVersion"),
            request_id=metadata.get("RequestId"),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
            attempts=attempts,
        )


def _transient(exc: Exception) -> bool:
    if isinstance(exc, BotoCoreError):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _THROTTLING or status >= 500
    return False

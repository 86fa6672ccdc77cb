"""Rekognition adapter: DetectLabels by S3 object reference (the image is never downloaded here)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# Rekognition's answers about the image itself: the upload is refused, retrying cannot help.
_IMAGE_ERRORS = {
    "InvalidImageFormatException": "The image data is damaged or not a format the detector can read.",
    "ImageTooLargeException": "The image is too large for the detector.",
    "InvalidParameterException": "The image's size is outside what the detector accepts.",
}


class ImageRejectedByDetector(Exception):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


class DetectorUnavailable(Exception):
    """Throttling, 5xx, timeouts or a missing object after the client's own retries."""


@dataclass(frozen=True)
class Detection:
    labels: list[dict[str, Any]]
    model_version: str | None
    request_id: str | None
    elapsed_ms: float
    attempts: int


class LabelDetector:
    def __init__(self, rekognition_client: Any) -> None:
        self._client = rekognition_client

    def detect(self, bucket: str, key: str, version_id: str | None, min_confidence: float,
               max_labels: int = 25) -> Detection:
        s3_object: dict[str, str] = {"Bucket": bucket, "Name": key}
        if version_id:
            s3_object["Version"] = version_id
        started = time.perf_counter()
        try:
            response = self._client.detect_labels(
                Image={"S3Object": s3_object}, MaxLabels=max_labels, MinConfidence=min_confidence
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _IMAGE_ERRORS:
                detail = exc.response.get("Error", {}).get("Message") or ""
                reason = _IMAGE_ERRORS[code] + (f" ({detail})" if detail else "")
                raise ImageRejectedByDetector(reason, code) from exc
            raise DetectorUnavailable(f"{code or 'error'}: {exc}") from exc
        except BotoCoreError as exc:  # timeouts, connection errors
            raise DetectorUnavailable(str(exc)) from exc
        metadata = response.get("ResponseMetadata", {})
        return Detection(
            labels=response.get("Labels", []),
            model_version=response.get("LabelModelVersion"),
            request_id=metadata.get("RequestId"),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
            attempts=int(metadata.get("RetryAttempts", 0)) + 1,
        )

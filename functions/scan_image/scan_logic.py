"""Pure decision logic of the scanner: no I/O, so every rule is unit-testable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

# Rekognition's limits for an image passed as an S3 object.
MAX_IMAGE_BYTES = 15 * 1024 * 1024
MIN_SIDE_PX = 80
MAX_SIDE_PX = 10_000
UPLOAD_PREFIX = "uploads/"


class InvalidUploadKey(ValueError):
    """The object key does not follow uploads/{identityId}/{scanId}/{fileName}."""


@dataclass(frozen=True)
class UploadKey:
    identity_id: str
    scan_id: str
    file_name: str


@dataclass(frozen=True)
class DetectionConfig:
    target_label: str
    min_confidence: float  # 0..100, Rekognition's Confidence scale


@dataclass(frozen=True)
class CatBox:
    left: float
    top: float
    width: float
    height: float
    confidence: float | None


@dataclass(frozen=True)
class Verdict:
    is_cat: bool
    confidence: float  # the detector's confidence that the target is present, 0..100
    cat_boxes: list[CatBox] = field(default_factory=list)


def parse_upload_key(raw_key: str) -> UploadKey:
    """S3 event keys are URL-encoded with '+' for spaces: decode before use."""
    key = unquote_plus(raw_key)
    if not key.startswith(UPLOAD_PREFIX):
        raise InvalidUploadKey(f"key outside {UPLOAD_PREFIX}: {key!r}")
    parts = key[len(UPLOAD_PREFIX) :].split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise InvalidUploadKey(f"expected uploads/{{identityId}}/{{scanId}}/{{fileName}}: {key!r}")
    return UploadKey(identity_id=parts[0], scan_id=parts[1], file_name=parts[2])


# Worded as the CLI's pre-check says it (catscan/client/filetypes.py) and as the web UI does, with the name.
EMPTY_FILE = "The file is empty: only JPEG and PNG images can be scanned."


def size_rejection(size_bytes: int) -> str | None:
    if size_bytes == 0:
        return EMPTY_FILE
    if size_bytes > MAX_IMAGE_BYTES:
        return (
            f"The file is {size_bytes / 1024 / 1024:.1f} MB; images up to "
            f"{MAX_IMAGE_BYTES // 1024 // 1024} MB can be scanned."
        )
    return None


def dimension_rejection(width: int, height: int) -> str | None:
    if width < MIN_SIDE_PX or height < MIN_SIDE_PX:
        return f"The image is {width}x{height} pixels; each side must be at least {MIN_SIDE_PX} pixels."
    if width > MAX_SIDE_PX or height > MAX_SIDE_PX:
        return f"The image is {width}x{height} pixels; each side must be at most {MAX_SIDE_PX} pixels."
    return None


def detection_min_confidence(config: DetectionConfig) -> float:
    """Ask the detector for labels somewhat below the threshold so debug shows near misses."""
    return max(0.0, min(config.min_confidence, 50.0))


def decide(labels: Iterable[Mapping[str, Any]], config: DetectionConfig) -> Verdict:
    """Cat = the target label at or above the threshold. Aliases count as the label."""
    target = config.target_label.casefold()
    best: Mapping[str, Any] | None = None
    for label in labels:
        names = {str(label.get("Name", "")).casefold()}
        names |= {str(a.get("Name", "")).casefold() for a in label.get("Aliases") or []}
        if target in names and (best is None or label["Confidence"] > best["Confidence"]):
            best = label
    if best is None:
        return Verdict(is_cat=False, confidence=0.0)
    confidence = round(float(best["Confidence"]), 2)
    is_cat = confidence >= config.min_confidence
    boxes = [_box(i) for i in best.get("Instances") or [] if i.get("BoundingBox")] if is_cat else []
    return Verdict(is_cat=is_cat, confidence=confidence, cat_boxes=boxes)


def _box(instance: Mapping[str, Any]) -> CatBox:
    box = instance["BoundingBox"]
    confidence = instance.get("Confidence")
    return CatBox(
        left=float(box["Left"]),
        top=float(box["Top"]),
        width=float(box["Width"]),
        height=float(box["Height"]),
        confidence=round(float(confidence), 2) if confidence is not None else None,
    )

"""Configuration: deployment facts from the environment, tunables from SSM Parameter Store.

The target label and threshold live in SSM (read through Powertools parameters with a cache), so an
operator changes them without a redeploy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from aws_lambda_powertools.utilities import parameters
from botocore.config import Config

from .scan_logic import DetectionConfig


@dataclass(frozen=True)
class Settings:
    appsync_url: str
    region: str
    idempotency_table: str
    param_target_label: str
    param_min_confidence: str
    param_cache_seconds: int
    service_timeout_seconds: float  # read timeout of one S3 / Rekognition request
    scan_queue_url: str | None  # the event source queue (to delay a retried message)
    max_receive_count: int  # deliveries of one event before it goes to the dead-letter queue
    retry_backoff_base_seconds: float
    retry_backoff_max_seconds: float
    user_pool_id: str | None = None  # to read the uploader's e-mail (owner_directory.py); None: not written


def load_settings() -> Settings:
    env = os.environ
    return Settings(
        appsync_url=env["APPSYNC_URL"],
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", "us-east-1"),
        idempotency_table=env["IDEMPOTENCY_TABLE"],
        param_target_label=env["PARAM_TARGET_LABEL"],
        param_min_confidence=env["PARAM_MIN_CONFIDENCE"],
        param_cache_seconds=int(env.get("PARAM_CACHE_SECONDS", "60")),
        service_timeout_seconds=float(env.get("SERVICE_TIMEOUT_SECONDS", "6")),
        scan_queue_url=env.get("SCAN_QUEUE_URL") or None,
        max_receive_count=int(env.get("MAX_RECEIVE_COUNT", "8")),
        retry_backoff_base_seconds=float(env.get("RETRY_BACKOFF_BASE_SECONDS", "2")),
        retry_backoff_max_seconds=float(env.get("RETRY_BACKOFF_MAX_SECONDS", "300")),
        user_pool_id=env.get("USER_POOL_ID") or None,
    )


class InvalidSetting(ValueError):
    """An SSM parameter holds a value the scanner cannot use."""


# Small, bounded calls (the default client waits up to 60 s): a slow SSM must not outlast the budget.
QUICK_CALLS = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2})
_ssm: parameters.SSMProvider | None = None


def detection_config(settings: Settings) -> DetectionConfig:
    global _ssm
    _ssm = _ssm or parameters.SSMProvider(boto_config=QUICK_CALLS)
    # Both in one GetParameters call per cache period (two GetParameter calls before).
    values = _ssm.get_parameters_by_name(
        {settings.param_target_label: {}, settings.param_min_confidence: {}},
        max_age=settings.param_cache_seconds,
    )
    label, raw = values[settings.param_target_label], values[settings.param_min_confidence]
    try:
        if not isinstance(raw, str):  # a StringList or binary parameter
            raise TypeError(type(raw).__name__)
        threshold = float(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidSetting(f"{settings.param_min_confidence} must be a number, got {raw!r}") from exc
    if not 0 <= threshold <= 100 or not str(label).strip():
        raise InvalidSetting(f"threshold must be 0..100 and label non-empty, got {threshold}, {label!r}")
    return DetectionConfig(target_label=str(label).strip(), min_confidence=threshold)

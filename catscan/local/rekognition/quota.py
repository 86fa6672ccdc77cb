"""The account's DetectLabels rate quota and added latency (``CATSCAN_REKOGNITION_TPS`` / ``_LATENCY_MS``).

Rekognition limits DetectLabels per account and region in transactions per second (50 in us-east-1,
less in many regions) and answers calls over it with ``ProvisionedThroughputExceededException``. One
local server stands for one account, so it holds one :class:`TokenBucket`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping

TPS_ENV = "CATSCAN_REKOGNITION_TPS"
LATENCY_ENV = "CATSCAN_REKOGNITION_LATENCY_MS"


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up (default: one second's worth, at least 1).

    Written here because it is a dozen lines over a monotonic clock, and the rate limiters on PyPI
    either sleep (we must refuse, not wait) or bring a store we do not need. Not thread-safe: the
    server calls it from its event loop only.
    """

    def __init__(
        self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"rate must be a positive number, not {rate!r}")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._tokens = self.burst
        self._at = clock()

    def try_take(self) -> bool:
        """Takes one token if there is one; False means the call is over the quota."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


def parse_tps(value: str | None) -> float | None:
    """``CATSCAN_REKOGNITION_TPS``: empty/unset/``0``/``unlimited`` -> None (no quota), else a rate > 0."""
    text = (value or "").strip().lower()
    if text in ("", "0", "none", "unlimited"):
        return None
    try:
        rate = float(text)
    except ValueError:
        raise ValueError(f"{TPS_ENV} must be a number of requests per second, not {value!r}") from None
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"{TPS_ENV} must be a positive number of requests per second, not {value!r}")
    return rate


def parse_latency_ms(value: str | None) -> int:
    """``CATSCAN_REKOGNITION_LATENCY_MS``: milliseconds added to every admitted DetectLabels (default 0)."""
    text = (value or "").strip()
    if not text:
        return 0
    try:
        latency = int(text)
    except ValueError:
        raise ValueError(f"{LATENCY_ENV} must be a whole number of milliseconds, not {value!r}") from None
    if latency < 0:
        raise ValueError(f"{LATENCY_ENV} must be 0 or more milliseconds, not {value!r}")
    return latency


def from_env(environ: Mapping[str, str] | None = None) -> tuple[float | None, int]:
    """(tps or None, latency_ms) from the environment; ValueError with a clear message if malformed."""
    env = os.environ if environ is None else environ
    return parse_tps(env.get(TPS_ENV)), parse_latency_ms(env.get(LATENCY_ENV))

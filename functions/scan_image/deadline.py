"""The invocation's time budget: every call to a dependency is bounded by what is left of it.

Lambda kills an invocation at its timeout and nothing after that line runs, so a scan whose
dependency is slow must give up early enough to record why. `Deadline` keeps a reserve for that
last write; `retry` runs a call again on transient errors only while an attempt still fits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BudgetExhausted(Exception):
    """Too little of the invocation is left for another attempt."""


class Deadline:
    def __init__(self, remaining_ms: Callable[[], int], reserve_seconds: float) -> None:
        self._remaining_ms = remaining_ms
        self.reserve_seconds = reserve_seconds

    def left(self) -> float:
        """Seconds left for work before the reserve (for the final status write) begins."""
        return self._remaining_ms() / 1000 - self.reserve_seconds

    def in_reserve(self) -> float:
        """Seconds left including the reserve: for the final status write only."""
        return self._remaining_ms() / 1000

    def timeout(self, cap: float, *, reserve: bool = False) -> float:
        """A timeout for one call: at most `cap`, never past the deadline."""
        left = self.in_reserve() - 0.5 if reserve else self.left()
        if left < 0.2:
            raise BudgetExhausted(f"{max(left, 0):.1f} s of the invocation left")
        return min(cap, left)


def retry(
    call: Callable[[], T],
    time_left: Callable[[], float],
    attempt_seconds: float,
    is_transient: Callable[[Exception], bool],
    base_delay: float = 0.2,
    max_attempts: int = 4,
) -> T:
    """`call` again after a transient error (full-jitter backoff, as the AWS SDKs do), but only while an
    attempt of up to `attempt_seconds` still fits in `time_left()`. The last error is raised."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except Exception as exc:  # classified below
            if not is_transient(exc) or attempt >= max_attempts:
                raise
            delay = random.uniform(0, base_delay * 2**attempt)
            if time_left() < delay + attempt_seconds:
                raise
            time.sleep(delay)

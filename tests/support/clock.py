"""The clock handed to an emulator running in a thread, so that tests can age real tokens honestly."""

from __future__ import annotations

import time


class Clock:
    """Real time plus an offset the tests move (and a fixture resets after each test)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

"""Time as the server sees it; tests inject a fake clock to exercise expiry rules."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """The monitor service's time (seconds since the epoch)."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()


class FakeClock:
    """A settable clock for tests."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

"""The auth manager's clock: wall time for credential lifetimes, a monotonic one for scheduling.
Tests inject a clock they move by hand (no sleeping)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What the auth manager reads time from: wall time for lifetimes, monotonic time for schedules."""

    def time(self) -> float:
        """Seconds since the epoch (what ``exp`` and ``iat`` claims count in)."""
        ...

    def monotonic(self) -> float:
        """Seconds for intervals (check schedules, retry delays)."""
        ...


class SystemClock:
    """The real clock (``time.time`` and ``time.monotonic``)."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK: Clock = SystemClock()

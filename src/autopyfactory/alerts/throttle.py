"""At most one alert per problem per interval."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Throttle:
    """Lets each problem key through at most once per ``interval`` seconds of the injected clock ``now``
    (thread-safe)."""

    def __init__(self, interval: float, now: Callable[[], float]) -> None:
        self.interval = interval
        self.now = now
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """True (and the time is noted) when ``key`` was not allowed within the interval."""
        with self._lock:
            t = self.now()
            last = self._last.get(key)
            if last is not None and t - last < self.interval:
                return False
            self._last[key] = t
            return True

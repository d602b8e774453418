"""A clock the tests move by hand (wall and monotonic time advance together)."""

from __future__ import annotations

import threading


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self._t = start
        self._mono = 1000.0
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._t

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds
            self._mono += seconds

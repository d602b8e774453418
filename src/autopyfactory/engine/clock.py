"""Where the engine reads time: a clock it is given.

Everything in the engine that reads the time or waits (the cycle, the status hub, snapshot
freshness, the queues' ``apfqueue.sleep``, plugin call durations, the daemon's loop) asks its
:class:`Clock`. :class:`SystemClock` is the real one; :class:`ManualClock` is virtual time, which
a simulator advances itself, so the real cycle runs a simulated day in seconds."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """The engine's source of time."""

    def time(self) -> float:
        """Seconds since the epoch: what status views are stamped with (``taken_at``)."""
        ...

    def monotonic(self) -> float:
        """Seconds for durations and deadlines (never goes back)."""
        ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Until ``event`` is set or ``seconds`` have passed; whether it is set."""
        ...


class SystemClock:
    """The machine's clock: ``time.time``, ``time.monotonic`` and a real wait."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()


class ManualClock:
    """Virtual time: it stands still until :meth:`advance` (or :meth:`advance_to`) moves it.

    :meth:`wait` does not sleep: unless the event is already set, it moves the clock on by the time
    asked for, so the daemon's loop also runs in virtual time. Use it with
    ``Executors.inline()``: nothing then runs behind the caller's back, so nothing could set the
    event while the clock "waits"."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._start = start
        self._now = start

    def time(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now - self._start

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock does not go back ({seconds} s)")
        self._now += seconds

    def advance_to(self, when: float) -> None:
        """Move the clock on to ``when`` (seconds since the epoch); never back."""
        self.advance(when - self._now)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        self.advance(max(0.0, seconds))
        return event.is_set()

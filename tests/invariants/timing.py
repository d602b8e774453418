"""Time bounds: waiting for conditions with generous deadlines (never fixed sleeps), and checking
that measured durations stay within documented bounds."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class NotReached(AssertionError):
    """A condition did not hold before its deadline."""


def wait_for(cond: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll ``cond()`` until it is truthy; returns the seconds it took. Raises NotReached naming
    ``what`` at the deadline."""
    t0 = time.monotonic()
    while True:
        if cond():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise NotReached(f"not reached within {timeout:g}s: {what}")
        time.sleep(interval)


def wait_value(get: Callable[[], object], timeout: float, interval: float = 0.05) -> object:
    """The first truthy ``get()``, or the last falsy value at the deadline (no exception)."""
    deadline = time.monotonic() + timeout
    while True:
        v = get()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def over_bound(seconds: float, bound: float, what: str) -> list[str]:
    """Violation when ``seconds`` exceeds ``bound``."""
    return [f"{what} took {seconds:.1f}s, bound {bound:g}s"] if seconds > bound else []


@dataclass(frozen=True, slots=True)
class Span:
    """Something that started and (perhaps) ended: a network call seen by the server, a cycle."""

    what: str
    start: float  # time.monotonic()
    end: float | None  # None: still open

    def length(self, now: float) -> float:
        return (self.end if self.end is not None else now) - self.start


def spans_over_bound(spans: Iterable[Span], bound: float, now: float | None = None) -> list[str]:
    """Violations: spans (finished or still open at ``now``) longer than ``bound``."""
    now = time.monotonic() if now is None else now
    out: list[str] = []
    for s in spans:
        n = s.length(now)
        if n > bound:
            state = "lasted" if s.end is not None else "is still open after"
            out.append(f"{s.what} {state} {n:.1f}s, bound {bound:g}s")
    return out


def gaps_over_bound(times: Iterable[float], bound: float, what: str) -> list[str]:
    """Violations: two consecutive events (sorted times) further apart than ``bound``."""
    ts = sorted(times)
    return [
        f"{what}: {b - a:.1f}s without one (from {a:.1f} to {b:.1f}), bound {bound:g}s"
        for a, b in itertools.pairwise(ts)
        if b - a > bound
    ]

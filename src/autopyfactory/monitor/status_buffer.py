"""The queues' newest status records waiting to be sent: one per queue, whatever the cycles do.

A cycle's report replaces what an earlier one left unsent (a monitor slower than the cycles gets the
newest state of every queue, never a backlog), so memory is bounded by the number of queues. A
replaced record that carried a cycle the monitor never heard of is counted as dropped, and so are
records a monitor refused; the count goes with every report, for the dashboard. At most one send is
queued at a time (:attr:`StatusBuffer.sending`); it takes at most ``limit`` queues, and the next
send goes as soon as it ends while records are left."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from autopyfactory.plugins.monitor_report import QueueReport, StatusReport


@dataclass(frozen=True, slots=True)
class Held:
    """A queue's record and the report it came with (its clock's time, and this process's
    monotonic time when it came: what has passed since is added to its ages when it is sent)."""

    record: QueueReport
    report: StatusReport
    came: float

    def age(self, t: float | None, now: float) -> float | None:
        """Seconds from ``t`` (a time of the report's clock) to ``now`` (monotonic)."""
        base = self.report.age(t)
        return None if base is None else round(base + max(0.0, now - self.came), 3)


@dataclass(frozen=True, slots=True)
class Taken:
    """The records of one send, the newest report's cycle and interval, and the drops so far."""

    held: tuple[Held, ...]
    cycle: int
    interval: float | None
    dropped: int


class StatusBuffer:
    """Newest record per queue, not yet sent; safe to use from the engine's and the sender's threads."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.clock = clock
        self.dropped = 0  # records that never reached the monitor
        self.sending = False  # a send is queued or under way
        self._held: dict[str, Held] = {}
        self._last: StatusReport | None = None
        self._lock = threading.Lock()

    def put(self, report: StatusReport) -> bool:
        """Keep the report's records; True when the caller should queue a send (none is queued)."""
        came = self.clock()
        with self._lock:
            self._last = report
            for rec in report.queues:
                old = self._held.get(rec.queue)
                if old is not None and old.record.cycled and not rec.cycled:
                    # a state alone does not hide a cycle not yet sent: that cycle goes, with the state
                    merged = replace(
                        old.record,
                        state=rec.state,
                        state_reason=rec.state_reason,
                        state_since=rec.state_since,
                    )
                    self._held[rec.queue] = Held(merged, old.report, old.came)
                    continue
                if old is not None and old.record.cycled:
                    self.dropped += 1
                self._held[rec.queue] = Held(rec, report, came)
            if self.sending or not self._held:
                return False
            self.sending = True
            return True

    def take(self) -> Taken | None:
        """Up to ``limit`` records to send now (None: nothing left, and no send is under way)."""
        with self._lock:
            if not self._held or self._last is None:
                self.sending = False
                return None
            names = list(self._held)[: self.limit]
            held = tuple(self._held.pop(n) for n in names)
            return Taken(held, self._last.cycle, self._last.interval, self.dropped)

    def sent(self, taken: Taken, ok: bool, keep: bool) -> bool:
        """A send ended. Not ``ok``: its records are kept for the next try when ``keep`` (the monitor
        did not answer or failed), else dropped (it refused them). True when the caller should queue
        the next send now (it went and records are left)."""
        with self._lock:
            if not ok and keep:
                for h in taken.held:
                    self._held.setdefault(h.record.queue, h)  # unless a newer one came meanwhile
            elif not ok:
                self.dropped += sum(1 for h in taken.held if h.record.cycled)
            if ok and self._held:
                return True
            self.sending = False
            return False

    def cancel(self) -> None:
        """The queued send could not be queued after all (the sender's queue was full or closed)."""
        with self._lock:
            self.sending = False

    def pending(self) -> int:
        with self._lock:
            return len(self._held)

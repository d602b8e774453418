"""Held WMS counts: what a queue may still decide on while its WMS source cannot refresh.

A WMS source that refreshes in the background (PanDA) keeps serving its last good counts when a
refresh fails. Counts held that way used to count in full until ``maxage``, so a queue whose site
had just drained kept sending a cycle's pilots after the last job, every cycle, for minutes. The
rule here, applied when the snapshot is cut (never inside the sched chain):

- Counts of a working source are used as they are (up to ``maxage``, as always).
- Held counts whose last known trend is down (the last reading of ready jobs is lower than the one
  before) are not decided on at all: the work was going away when the source went blind.
- Otherwise held counts are used less the pilots this queue has submitted since they were taken:
  every pilot sent since is assumed to have taken one of the jobs counted (they cannot be seen to
  go any more), so held demand is spent at most once.

The queue's memory of its readings and submissions (:class:`WMSMemory`) is engine state; the rule
itself (:func:`held_counts`) is a pure function of it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

from autopyfactory.model.wms import WMSQueueInfo

KEEP_SUBMISSIONS = 64  # submissions remembered (more than enough to cover any held period)


@dataclass(frozen=True, slots=True)
class Reading:
    """One distinct reading of the queue's ready (activated) jobs, at the time the WMS took it."""

    at: float
    ready: int


@dataclass
class WMSMemory:
    """A queue's last two distinct WMS readings and the pilots it submitted (when, how many)."""

    readings: deque[Reading] = field(default_factory=lambda: deque(maxlen=2))
    submissions: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=KEEP_SUBMISSIONS))

    def observe(self, at: float, ready: int) -> None:
        """A reading taken at ``at`` (ignored when it is not newer than the last one)."""
        if not self.readings or at > self.readings[-1].at:
            self.readings.append(Reading(at, ready))

    def submitted(self, at: float, n: int) -> None:
        """``n`` pilots submitted on a decision made at ``at``."""
        if n > 0:
            self.submissions.append((at, n))

    def sent_since(self, at: float) -> int:
        """Pilots submitted on decisions made after ``at``."""
        return sum(n for t, n in self.submissions if t > at)

    def trend_down(self) -> tuple[int, int] | None:
        """(previous, last) ready counts when the last reading is lower than the one before."""
        if len(self.readings) == 2 and self.readings[1].ready < self.readings[0].ready:
            return self.readings[0].ready, self.readings[1].ready
        return None


@dataclass(frozen=True, slots=True)
class Held:
    """What to decide on: ``info`` (None: nothing, the counts are not usable) and why (``note``)."""

    info: WMSQueueInfo | None
    note: str


def held_counts(info: WMSQueueInfo, taken_at: float, memory: WMSMemory, error: str) -> Held:
    """The counts a queue may decide on while its source serves counts taken at ``taken_at``
    because refreshing them failed (``error``). ``memory`` must have seen this reading."""
    down = memory.trend_down()
    if down is not None:
        return Held(
            None,
            f"wms counts held since their refresh failed ({error}) and the last trend was down "
            f"(ready {down[0]} -> {down[1]}): not deciding on them",
        )
    sent = memory.sent_since(taken_at)
    left = max(0, info.ready - sent)
    note = f"wms counts held since their refresh failed ({error}): ready {info.ready}"
    if sent:
        note += f" less {sent} pilot(s) sent since = {left}"
    return Held(replace(info, ready=left), note)

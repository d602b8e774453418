"""What the engine tells a monitor after every cycle: a :class:`StatusReport` with one
:class:`QueueReport` per queue that reports to it.

Times are on the factory's clock (``StatusReport.at`` is "now" on it); a monitor that sends them
elsewhere turns them into ages (``StatusReport.age``), which do not depend on the two hosts' clocks
agreeing."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo
from autopyfactory.model.queue_state import QueueStateKind


@dataclass(frozen=True, slots=True)
class SourceReport:
    """One status source a queue reads, as the factory last saw it.

    ``taken_at``: when its newest data was taken (None: it never gave any); ``maxage``: the age
    beyond which the queue counts that data as missing; ``error``: the last poll error (the poll
    raised or ran past ``status.timeout``, or the source served older data because its last refresh
    failed), ``error_at`` when it was seen. An error older than the data is over."""

    category: str  # "wmsstatus" or "batchstatus"
    plugin: str
    taken_at: float | None
    maxage: float
    error: str = ""
    error_at: float | None = None

    @property
    def failing(self) -> bool:
        """Its last poll failed (no newer data came since)."""
        return bool(self.error) and (
            self.taken_at is None or (self.error_at is not None and self.error_at >= self.taken_at)
        )


@dataclass(frozen=True, slots=True)
class QueueReport:
    """One queue: its configuration state and, when it cycled, its last cycle's inputs, decision
    and action.

    ``cycled``: this report carries a cycle the monitor was not told about yet (False for a queue
    that does not run, or one told about its state only). ``action`` is the outcome's kind (``none``,
    ``submit``, ``retire``, ``skipped``, ``error``), ``action_text`` the decision line's ``action=``
    (``submitted 5``, ``none (wms data 400s old > maxage 360s)``); ``reason`` why nothing was done,
    ``error`` what failed. ``activated``/``pending``/``running`` are the decision's inputs (None:
    missing or stale); ``batch`` the queue's pilots in the newest batch view the factory has, taken
    at ``batch_at`` (done pilots included: what the batch system knows, whatever wrappers said).
    ``section`` is the configuration the queue runs (or, when it does not run, the configured one)."""

    queue: str
    section: ConfigSection
    wmsqueue: str
    state: QueueStateKind
    state_reason: str = ""
    state_since: float = 0.0
    interval: float | None = None  # apfqueue.sleep of a queue that runs
    cycled: bool = False
    cycled_at: float | None = None
    cycles: int = 0
    action: str = ""
    action_text: str = ""
    decision: int | None = None
    target: int = 0
    submitted: int = 0
    retired: int = 0
    reason: str = ""
    error: str = ""
    cap: str = ""
    chain: str = ""  # the sched plugins' messages, joined with ';' as 2.4 did
    activated: int | None = None
    pending: int | None = None
    running: int | None = None
    site: str | None = None
    batch: BatchQueueInfo | None = None
    batch_at: float | None = None
    sources: tuple[SourceReport, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusReport:
    """After a cycle (or a start or reload): the queues that report to one monitor.

    ``queues`` holds every queue that cycled since the last report and every configured queue that
    does not run (disabled, not started), so those show too. ``interval`` is the shortest
    ``apfqueue.sleep`` of the running queues: the factory reports at least that often while it
    cycles (None: no queue runs)."""

    at: float
    cycle: int
    interval: float | None
    queues: tuple[QueueReport, ...]

    def age(self, t: float | None) -> float | None:
        """Seconds from ``t`` (a time of this report's clock) to the report, never negative."""
        return None if t is None else max(0.0, self.at - t)

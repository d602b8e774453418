"""What the metrics remember of each queue and each status source between scrapes, and how a
cycle's outcome or poll result adds to it. Plain data; the collector guards it with its lock."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from autopyfactory.engine.metrics.histogram import Histogram
from autopyfactory.engine.metrics.names import CYCLE_BUCKETS, POLL_BUCKETS
from autopyfactory.engine.metrics.sources import SourceName
from autopyfactory.engine.outcome import ActionKind, Outcome
from autopyfactory.engine.status_hub import PollFailure, PollResult
from autopyfactory.plugins.status import Fetches

STALE = "stale"  # a poll that answered with data older than the source's maxage
ERROR_REASONS = (*(f.value for f in PollFailure if f is not PollFailure.MISSING), STALE)
ACTING = tuple(k.value for k in ActionKind if k in (ActionKind.SUBMIT, ActionKind.RETIRE))


@dataclass
class QueueSeries:
    """One queue's counters (from 0), its last seen inputs and decision, and its timings."""

    decisions: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in ActionKind})
    submitted: int = 0
    retired: int = 0
    submit_failed: int = 0
    action_errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTING, 0))
    cap_cuts: int = 0
    activated: int | None = None
    pending: int | None = None
    running: int | None = None
    decision: int | None = None
    cap_cut: int | None = None
    duration: Histogram = field(default_factory=lambda: Histogram(CYCLE_BUCKETS))
    lateness: float | None = None
    last_decision_at: float | None = None
    sleep: float | None = None
    sources: tuple[SourceName, ...] = ()

    def copy(self) -> QueueSeries:
        """A copy to read without the collector's lock."""
        return replace(
            self,
            decisions=dict(self.decisions),
            action_errors=dict(self.action_errors),
            duration=self.duration.copy(),
        )

    def add(self, out: Outcome) -> None:
        """Count one cycle of the queue."""
        kind = out.kind.value
        self.decisions[kind] = self.decisions.get(kind, 0) + 1
        snap = out.snapshot
        if snap is not None:
            self.activated = snap.activated if snap.activated is not None else self.activated
            self.pending = snap.pending if snap.pending is not None else self.pending
            self.running = snap.running if snap.running is not None else self.running
        if out.decision is not None:
            self.decision = out.decision.n
            self.cap_cut = out.decision.n - out.target if out.cap else 0
            self.cap_cuts += 1 if out.cap else 0
            self.last_decision_at = out.ended_at
        self.submitted += out.submitted
        self.retired += out.retired + out.withdrawn  # a withdrawal removes pending pilots
        if out.kind is ActionKind.SUBMIT and out.stopped is None:
            self.submit_failed += max(0, out.target - out.submitted)
        if out.acts and out.error:
            self.action_errors[kind] = self.action_errors.get(kind, 0) + 1
        if out.kind is not ActionKind.SKIPPED:
            self.duration.observe(max(0.0, out.ended_at - out.started_at))
        if out.due_at is not None:
            self.lateness = max(0.0, out.started_at - out.due_at)


@dataclass
class SourceSeries:
    """One status source: its polls, why some gave nothing usable, how long they took, the time
    of the newest data it gave, and (a source that fetches in a thread of its own) its fetches."""

    polls: int = 0
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ERROR_REASONS, 0))
    duration: Histogram = field(default_factory=lambda: Histogram(POLL_BUCKETS))
    taken_at: float | None = None
    maxage: float | None = None
    fetches: Fetches | None = None

    def copy(self) -> SourceSeries:
        """A copy to read without the collector's lock."""
        return replace(self, errors=dict(self.errors), duration=self.duration.copy())

    def add(self, result: PollResult, maxage: float | None, fetches: Fetches | None, now: float) -> None:
        """Count one poll's result (``now``: the cycle's clock time when it was counted); ``maxage``
        and ``fetches``: what the source said of itself then."""
        if result.failure is PollFailure.MISSING:
            return
        self.polls += 1
        if maxage is not None:
            self.maxage = maxage
        if fetches is not None:
            self.fetches = fetches
        if result.failure is not None:
            reason = result.failure.value
            self.errors[reason] = self.errors.get(reason, 0) + 1
        if result.failure in (None, PollFailure.ERROR):
            self.duration.observe(result.seconds)
        view = result.view
        if view is None:
            return
        if self.taken_at is None or view.taken_at > self.taken_at:
            self.taken_at = view.taken_at
        if self.maxage is not None and now - view.taken_at > self.maxage:
            self.errors[STALE] += 1

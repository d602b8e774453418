"""The factory's cycle: poll, snapshot, decide, act, log.

Per cycle: every status source the due queues need is polled once (concurrently on the polls
executor); each queue's snapshot is cut from those views with the freshness rules
(:mod:`.snapshot`), passed through the snapshot hooks, and its sched chain decides (``decide``, a
pure fold); the decision, cut to the ``batchsubmit.maxpercycle`` safety cap, becomes an action
(:class:`~.outcome.ActionKind`), carried out on the actions executor (:mod:`.actions`); one decision
line per queue is logged (:mod:`.decision_line`). Time comes from the clock the cycle is given."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from autopyfactory.config.factory import FactorySettings
from autopyfactory.engine.actions import ActionRunner
from autopyfactory.engine.clock import SYSTEM_CLOCK, Clock
from autopyfactory.engine.control import Control
from autopyfactory.engine.decision_line import log_outcome
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.monitor_calls import MonitorCalls
from autopyfactory.engine.outcome import ActionKind, CycleReport, Outcome
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.engine.snapshot import Freshness, build_snapshot
from autopyfactory.engine.status_hub import PollResult, PollRound, StatusHub, StatusKey
from autopyfactory.engine.waiting import wait_done
from autopyfactory.model.batch import BatchView
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.status import BATCHSTATUS
from autopyfactory.sched.chain import decide

log = logging.getLogger("autopyfactory.factory")


@dataclass(frozen=True)
class QueueViews:
    """The whole status views a queue's snapshot was cut from (None: none usable this cycle)."""

    wms: WMSView | None
    batch: BatchView | None


class SnapshotHook(Protocol):
    """Called between cutting a queue's snapshot and deciding; returns the snapshot to decide on
    (e.g. with the queue's history added). Must not do I/O: the decision stays a function of it."""

    def __call__(self, queue: QueueRuntime, snapshot: QueueSnapshot, views: QueueViews) -> QueueSnapshot: ...


@dataclass
class _Finished:
    """Actions that ended since the last report (appended from the actions' threads)."""

    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, out: Outcome) -> None:
        with self.lock:
            self.outcomes.append(out)

    def take(self) -> list[Outcome]:
        with self.lock:
            taken, self.outcomes = self.outcomes, []
        return taken


class Cycle:
    """Runs cycles over the queues it is given (:meth:`run`).

    ``settings``: the factory's (deadlines, safety cap, batch size, concurrency); ``hub``: the shared
    status sources; ``monitor_calls``: calls into monitors; ``executors``: where polls, actions and
    plugin calls run (``Executors.inline()``: one cycle runs to its end in the caller's thread);
    ``clock``: the time; ``control``: the stop flags (and the wake-up when an action ends).
    ``snapshot_hooks`` and ``on_cycle`` (called with each report) may be appended to."""

    def __init__(
        self,
        settings: FactorySettings,
        hub: StatusHub,
        monitor_calls: MonitorCalls,
        executors: Executors,
        clock: Clock = SYSTEM_CLOCK,
        control: Control | None = None,
    ) -> None:
        self.settings = settings
        self.hub = hub
        self.monitor_calls = monitor_calls
        self.executors = executors
        self.clock = clock
        self.control = control if control is not None else Control()
        self.snapshot_hooks: list[SnapshotHook] = []
        self.on_cycle: list[Callable[[CycleReport], None]] = []
        self.cycles_done = 0
        self._slots: dict[Hashable, threading.BoundedSemaphore] = {}  # per backend (concurrency key)
        self._batch_views: dict[StatusKey, BatchView] = {}  # the newest view of each batch source
        self._batch_active: dict[StatusKey, int] = {}  # its pending + running (summed once per view)
        self._finished = _Finished()

    def reconfigure(self, settings: FactorySettings, hub: StatusHub) -> None:
        """New factory settings and status sources (a reload that changed [Factory]): the
        submission slots (``batchsubmit.concurrency``) and the batch views are made anew."""
        self.settings = settings
        self.hub = hub
        self._slots.clear()
        self._batch_views.clear()
        self._batch_active.clear()

    def batch_views(self) -> Mapping[StatusKey, BatchView]:
        """The newest view of every batch status source, as of the last queue that decided."""
        return dict(self._batch_views)

    # -- one cycle ------------------------------------------------------------------------------
    def run(
        self,
        queues: Iterable[QueueRuntime],
        now: float | None = None,
        wait_until: Callable[[], float | None] | None = None,
    ) -> CycleReport:
        """Poll every status source the due queues need (once each), decide, act, report.

        ``now`` (default ``clock.time()``) decides which queues are due. A queue decides as soon
        as its own sources have answered (or ``status.timeout`` passed), at ``clock.time()``, and
        its action starts at once. The cycle then waits for the actions it started, until
        ``wait_until()`` (a ``clock.time()`` value; None: until all are done). Actions still under
        way finish on their own: their decision lines are logged then, and their outcomes go into
        the next report. A queue whose plugin call overran its deadline is skipped (and says why)."""
        now = self.clock.time() if now is None else now
        due = [rt for rt in queues if rt.due(now) and not rt.is_acting()]
        report = CycleReport(self.cycles_done + 1, started_at=now)
        if not due:
            return report
        ready: list[QueueRuntime] = []
        due_at: dict[str, float | None] = {}
        for rt in due:
            due_at[rt.name] = rt.next_due() if rt.last_attempt_at is not None else None
            rt.last_attempt_at = now
            why = rt.busy()
            if why:
                log.warning("queue=%s skipped this cycle: %s", rt.name, why)
                skipped = Outcome(rt.name, None, None, ActionKind.SKIPPED, error=why)
                report.outcomes.append(_timed(skipped, due_at[rt.name], now, self.clock.time()))
            else:
                ready.append(rt)
        polls = self.hub.begin({k for rt in ready for k in rt.status_keys}, self.settings.status_timeout)
        started: list[Future[None]] = []
        pending = list(ready)
        while pending:
            stopping = self.control.stop.is_set()
            for rt in [rt for rt in pending if stopping or all(polls.ready(k) for k in rt.status_keys)]:
                pending.remove(rt)
                out = _timed(self._outcome(rt, polls, stopping), due_at[rt.name], now, now)
                if out.acts:
                    started.append(self._start_action(rt, out))
                else:
                    out.ended_at = self.clock.time()
                    log_outcome(rt.wmsqueue, out)
                    report.outcomes.append(out)
            if pending:
                polls.wait(self.control.stop)
        wait_done(started, wait_until() if wait_until is not None else None, self.control, self.clock)
        report.outcomes.extend(self._finished.take())
        report.polls = polls.settled()
        self.cycles_done += 1
        for callback in self.on_cycle:
            callback(report)
        return report

    def _outcome(self, rt: QueueRuntime, polls: PollRound, stopping: bool) -> Outcome:
        results = {k: polls.result(k) for k in rt.status_keys}
        for key, result in results.items():
            view = result.view
            if (
                key[0] == BATCHSTATUS.name
                and isinstance(view, BatchView)
                and self._batch_views.get(key) is not view
            ):
                self._batch_views[key] = view
                self._batch_active[key] = view.total_active()
        try:
            out = self._decide(rt, results, self._factory_active(), self.clock.time())
        except Exception as exc:
            log.exception("queue=%s decision failed", rt.name)
            return Outcome(rt.name, None, None, ActionKind.FAILED, error=str(exc))
        if out.acts and stopping:
            out.kind, out.reason = ActionKind.NONE, "stopping"
        return out

    def _factory_active(self) -> int | None:
        """Pending + running over every queue, from the newest view of every batch source in use."""
        active = [n for k, n in self._batch_active.items() if self.hub.get(k) is not None]
        return sum(active) if active else None

    def _decide(
        self, rt: QueueRuntime, results: dict[StatusKey, PollResult], factory_active: int | None, now: float
    ) -> Outcome:
        wms_view = _view(results, rt.wms_key)
        batch_view = _view(results, rt.batch_key)
        wms = wms_view if isinstance(wms_view, WMSView) else None
        batch = batch_view if isinstance(batch_view, BatchView) else None
        snap, fresh = build_snapshot(
            rt.name, rt.wmsqueue, wms, batch, factory_active, now, rt.wms_maxage, rt.batch_maxage,
            rt.last_batch_at, wms_required=rt.wms_key is not None, wms_memory=rt.wms_memory,
        )  # fmt: skip
        if fresh.repeat:
            return Outcome(rt.name, snap, None, ActionKind.NONE, reason="no fresh batch status data")
        out = self._act_on(rt, results, snap, fresh, wms, batch, now)
        out.note = "; ".join(fresh.notes)
        return out

    def _act_on(
        self,
        rt: QueueRuntime,
        results: dict[StatusKey, PollResult],
        snap: QueueSnapshot,
        fresh: Freshness,
        wms: WMSView | None,
        batch: BatchView | None,
        now: float,
    ) -> Outcome:
        """Decide on ``snap`` and choose the action."""
        for hook in self.snapshot_hooks:
            snap = hook(rt, snap, QueueViews(wms, batch))
        decision = decide(rt.chain, snap)
        rt.last_decision_at = now
        rt.cycles += 1
        if snap.batch is not None and batch is not None:
            rt.last_batch_at = batch.taken_at
        if fresh.problems:
            errors = [e for e in (_error(results, rt.wms_key), _error(results, rt.batch_key)) if e]
            why = "; ".join([*fresh.problems, *errors])
            return Outcome(rt.name, snap, decision, ActionKind.NONE, reason=why)
        if decision.n == 0 and decision.withdraw > 0:
            return Outcome(rt.name, snap, decision, ActionKind.WITHDRAW, target=-decision.withdraw)
        if decision.n == 0:
            return Outcome(rt.name, snap, decision, ActionKind.NONE)
        kind = ActionKind.SUBMIT if decision.n > 0 else ActionKind.RETIRE
        out = Outcome(rt.name, snap, decision, kind, target=decision.n)
        cap = self.settings.submit_max_per_cycle
        if decision.n > cap:
            out.target = cap
            out.cap = f"{decision.n} cut to {cap} (batchsubmit.maxpercycle)"
        return out

    # -- acting ---------------------------------------------------------------------------------
    def _start_action(self, rt: QueueRuntime, out: Outcome) -> Future[None]:
        runner = ActionRunner(
            self.executors.calls, self.settings, self.monitor_calls, self._slot, self.control.stop, self.clock
        )

        def act() -> None:
            try:
                runner.run(rt, out)
            finally:
                out.ended_at = self.clock.time()
                log_outcome(rt.wmsqueue, out)
                if rt.last_decision_at is not None:  # held WMS counts are spent by these pilots
                    rt.wms_memory.submitted(rt.last_decision_at, out.submitted)
                self._finished.add(out)
                self.control.wake.set()

        fut: Future[None] = self.executors.actions.submit(act)
        rt.acting = fut
        return fut

    def _slot(self, rt: QueueRuntime) -> threading.BoundedSemaphore:
        """The submission slots of the queue's backend (``batchsubmit.concurrency`` of them)."""
        key = rt.submitter.concurrency_key()
        sem = self._slots.get(key)
        if sem is None:
            sem = self._slots.setdefault(key, threading.BoundedSemaphore(self.settings.submit_concurrency))
        return sem

    def wait_actions(self, queues: Iterable[QueueRuntime], until: float | None) -> bool:
        """Wait for the queues' actions under way (each bounded by its plugin call deadlines)."""
        return wait_done(
            [rt.acting for rt in queues if rt.acting is not None], until, self.control, self.clock
        )


def _timed(out: Outcome, due_at: float | None, started_at: float, ended_at: float) -> Outcome:
    out.due_at, out.started_at, out.ended_at = due_at, started_at, ended_at
    return out


def _view(results: dict[StatusKey, PollResult], key: StatusKey | None) -> WMSView | BatchView | None:
    if key is None:
        return None
    result = results.get(key)
    return result.view if result is not None else None


def _error(results: dict[StatusKey, PollResult], key: StatusKey | None) -> str:
    if key is None:
        return ""
    result = results.get(key)
    return f"{key[1]}: {result.error}" if result is not None and result.error else ""

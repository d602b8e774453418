"""Telling the monitors every queue's status: after every cycle, each monitor gets one
:class:`~autopyfactory.plugins.monitor_report.StatusReport` (``MonitorPlugin.report_status``).

It holds the queues that cycled since the last report (their decision, action, inputs, the age of
their status sources' data and the sources' last poll errors, the batch system's count of their
pilots) and every configured queue that does not run, with why (disabled, not started), so the
monitor shows those too. After the factory starts and after every reload each monitor is also told
the state of every queue (a factory left with no running queue does not cycle). Each call runs
under ``monitor.timeout`` (:class:`~.monitor_calls.MonitorCalls`); nothing here does I/O."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autopyfactory.config.queue import MONITOR_SECTION
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.outcome import CycleReport, Outcome
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.engine.queue_states import QueueState
from autopyfactory.engine.status_hub import StatusKey
from autopyfactory.model.queue_state import QueueStateKind
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.monitor_report import QueueReport, SourceReport, StatusReport

if TYPE_CHECKING:
    from autopyfactory.engine.factory import Factory

log = logging.getLogger("autopyfactory.factory")


@dataclass
class _Seen:
    """What the factory last saw of one status source: its newest data's time, its last error."""

    taken_at: float | None = None
    error: str = ""
    error_at: float | None = None


class QueueReporter:
    """Builds the queues' :class:`QueueReport` records from the cycle's reports and hands each
    monitor those of its queues. ``monitor_for(name)`` gives the monitor of a ``monitor.conf``
    section (made when no running queue made it yet), or None."""

    def __init__(self, factory: Factory, monitor_for: Callable[[str], MonitorPlugin | None]) -> None:
        self.factory = factory
        self.monitor_for = monitor_for
        self._seen: dict[StatusKey, _Seen] = {}
        self._lock = threading.Lock()

    # -- fed by the factory -------------------------------------------------------------------------
    def after_cycle(self, report: CycleReport) -> None:
        """Tell every monitor about the queues of ``report`` and the queues that do not run."""
        try:
            self._remember(report)
            now = self.factory.clock.time()
            queues = self.factory.queues
            cycled = [
                self._cycled(queues[o.queue], o, now)
                for o in report.outcomes
                if o.queue in queues and queues[o.queue].monitors
            ]
            self._send(report.number, now, [*cycled, *self._idle(now, running=False)])
        except Exception:  # a bug here must not stop the factory's cycles
            log.exception("cannot report cycle %d to the monitors", report.number)

    def states_changed(self) -> None:
        """The factory started or reloaded: tell every monitor the state of each of its queues."""
        try:
            now = self.factory.clock.time()
            self._send(self.factory.cycles_done, now, self._idle(now, running=True))
        except Exception:
            log.exception("cannot report the queues' states to the monitors")

    # -- building the records -------------------------------------------------------------------------
    def _remember(self, report: CycleReport) -> None:
        now = self.factory.clock.time()
        in_use = {k for rt in self.factory.queues.values() for k in rt.status_keys}
        with self._lock:
            for key, result in report.polls.items():
                seen = self._seen.setdefault(key, _Seen())
                view = result.view
                if view is not None:
                    seen.taken_at = (
                        view.taken_at if seen.taken_at is None else max(seen.taken_at, view.taken_at)
                    )
                    if isinstance(view, WMSView) and view.refresh_error:
                        seen.error, seen.error_at = view.refresh_error, now
                elif result.error:
                    seen.error, seen.error_at = result.error, now
            for key in [k for k in self._seen if k not in in_use]:
                del self._seen[key]

    def _sources(self, rt: QueueRuntime) -> tuple[SourceReport, ...]:
        keys = [(rt.wms_key, rt.wms_maxage), (rt.batch_key, rt.batch_maxage)]
        out: list[SourceReport] = []
        with self._lock:
            for key, maxage in keys:
                if key is None:
                    continue
                seen = self._seen.get(key, _Seen())
                out.append(SourceReport(key[0], key[1], seen.taken_at, maxage, seen.error, seen.error_at))
        return tuple(out)

    def _cycled(self, rt: QueueRuntime, out: Outcome, now: float) -> QueueReport:
        state = self.factory.states.get(rt.name)
        snap, decision = out.snapshot, out.decision
        view = self.factory.cycle.batch_views().get(rt.batch_key)
        return QueueReport(
            queue=rt.name,
            section=rt.section,
            wmsqueue=rt.wmsqueue,
            state=state.state if state is not None else QueueStateKind.RUNNING,
            state_reason=state.reason if state is not None else "",
            state_since=state.since if state is not None else now,
            interval=rt.sleep,
            cycled=True,
            cycled_at=rt.last_attempt_at,
            cycles=rt.cycles,
            action=out.kind.value,
            action_text=out.action,
            decision=decision.n if decision is not None else None,
            target=out.target,
            submitted=out.submitted,
            retired=out.retired,
            reason=out.reason,
            error=out.error,
            cap=out.cap,
            chain=decision.message if decision is not None else "",
            activated=snap.activated if snap is not None else None,
            pending=snap.pending if snap is not None else None,
            running=snap.running if snap is not None else None,
            site=snap.site.status if snap is not None and snap.site is not None else None,
            batch=view.queue(rt.name) if view is not None else None,
            batch_at=view.taken_at if view is not None else None,
            sources=self._sources(rt),
        )

    def _idle(self, now: float, running: bool) -> list[QueueReport]:
        """State-only records: of the queues that do not run (and of the running ones, ``running``)."""
        sections = self.factory.queue_sections()
        out: list[QueueReport] = []
        for name, state in self.factory.queue_states.items():
            rt = self.factory.queues.get(name)
            if state.runs and (not running or rt is None):
                continue
            section = rt.section if rt is not None else sections.get(name)
            if section is None:
                continue
            out.append(_state_only(name, section, state, rt))
        return out

    # -- sending ------------------------------------------------------------------------------------
    def _send(self, cycle: int, now: float, records: Iterable[QueueReport]) -> None:
        by_monitor: dict[int, tuple[MonitorPlugin, list[QueueReport]]] = {}
        for rec in records:
            for monitor in self._monitors_of(rec):
                by_monitor.setdefault(id(monitor), (monitor, []))[1].append(rec)
        running = [rt.sleep for rt in self.factory.queues.values()]
        interval = min(running) if running else None
        calls = self.factory.monitor_calls
        for monitor, recs in by_monitor.values():
            report = StatusReport(now, cycle, interval, tuple(recs))
            calls.call(monitor, "*", "report_status", _reporting(monitor, report))

    def _monitors_of(self, rec: QueueReport) -> list[MonitorPlugin]:
        rt = self.factory.queues.get(rec.queue)
        if rt is not None:
            return list(rt.monitors)
        try:
            names = rec.section.get(MONITOR_SECTION)
        except Exception:  # its configuration is broken: whatever monitor it names is unknown
            return []
        return [m for m in (self.monitor_for(n) for n in names) if m is not None]


def _state_only(name: str, section: ConfigSection, state: QueueState, rt: QueueRuntime | None) -> QueueReport:
    wmsqueue = rt.wmsqueue if rt is not None else (section.raw("wmsqueue") or name)
    return QueueReport(
        queue=name,
        section=section,
        wmsqueue=wmsqueue,
        state=state.state,
        state_reason=state.reason,
        state_since=state.since,
        interval=rt.sleep if rt is not None else None,
        cycles=rt.cycles if rt is not None else 0,
    )


def _reporting(monitor: MonitorPlugin, report: StatusReport) -> Callable[[], None]:
    return lambda: monitor.report_status(report)

"""Monitor plugins: told about the factory, every pilot created and, after every cycle, the status
of every queue (:class:`~autopyfactory.plugins.monitor_report.StatusReport`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor_report import StatusReport


class MonitorPlugin(Plugin, ABC):
    """One instance per ``monitor.conf`` section (``keys`` are that section's keys). Calls must not
    block a cycle for long and must not raise for remote failures (the engine also guards every
    call)."""

    @classmethod
    def instance_key(cls, section: ConfigSection) -> Hashable:
        return section.name

    def __init__(self, ctx: FactoryContext, section: ConfigSection) -> None:
        self.ctx = ctx
        self.section = section

    def register_factory(self) -> None:
        """Once at start (and after a reload)."""

    @abstractmethod
    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None: ...

    @abstractmethod
    def update_label(self, queue: ConfigSection, message: str) -> None:
        """A queue's sched message chain, after each of its cycles (through :meth:`report_status`
        unless a plugin overrides that)."""

    def report_status(self, report: StatusReport) -> None:
        """After every cycle that had queues in it, and after the start and every reload: the queues
        that report to this monitor (see :class:`StatusReport`). The default tells
        :meth:`update_label` the message chain of each queue that decided since the last report."""
        for q in report.queues:
            if q.cycled and q.chain and not q.error:
                self.update_label(q.section, q.chain)

    def close(self) -> None: ...


MONITOR: Category[MonitorPlugin] = Category("monitor", MonitorPlugin)

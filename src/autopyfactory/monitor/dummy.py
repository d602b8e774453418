"""Monitor plugin ``Dummy``: logs what a real monitor would be told."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.monitor_report import StatusReport

log = logging.getLogger(__name__)


class DummyMonitor(MonitorPlugin):
    """Monitor plugin ``Dummy``: logs what it is told, sends nothing."""

    name = "Dummy"

    def register_factory(self) -> None:
        log.info("monitor=%s register factory=%s", self.section.name, self.ctx.settings.factory_id)

    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None:
        log.info(
            "monitor=%s queue=%s register pilots=%d ids=%s",
            self.section.name,
            queue.name,
            len(pilots),
            ",".join(p.pilot_id for p in pilots),
        )

    def update_label(self, queue: ConfigSection, message: str) -> None:
        log.info("monitor=%s queue=%s label status=%s", self.section.name, queue.name, message)

    def report_status(self, report: StatusReport) -> None:
        for q in report.queues:
            if q.cycled:
                log.info(
                    "monitor=%s queue=%s state=%s decision=%s action=%r chain=%r",
                    self.section.name,
                    q.queue,
                    q.state.value,
                    q.decision,
                    q.action_text,
                    q.chain,
                )
            else:
                log.info(
                    "monitor=%s queue=%s state=%s %s",
                    self.section.name,
                    q.queue,
                    q.state.value,
                    q.state_reason,
                )

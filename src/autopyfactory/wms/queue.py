"""WMS status plugin ``Queue``: another APF queue is this queue's WMS (2.4's queue-as-WMS).

2.4 reported the named queue's ``wmsstatus()``, which 2.4 never implemented beyond "0": so the work
waiting is always none. This plugin keeps that meaning exactly: every WMS queue has no jobs (chains
that read the WMS, such as Ready, give 0; chains that do not, such as Fixed, KeepNRunning or
KeepNQueueLife, work as with any source) and there is no site status. ``wmsstatus.queue.qname`` must
name a queue of the configuration (2.4 could not start the queue otherwise)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping

from autopyfactory.config.keys import NONNEG_FLOAT, STR, Key
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.queue import ENABLED
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import WMSStatusPlugin

QNAME = Key(
    "wmsstatus.queue.qname", STR, None, "the APF queue that serves as this queue's WMS", required=True
)
SLEEP = Key("wmsstatus.queue.sleep", NONNEG_FLOAT, 150, "2.4 poll interval; unused (one poll per cycle)")
MAXAGE = Key("wmsstatus.queue.maxage", NONNEG_FLOAT, 360, "data older than this counts as missing")


class QueueWMSStatus(WMSStatusPlugin):
    """Reports no jobs for any WMS queue and no site status, as 2.4's queue-as-WMS did."""

    name = "Queue"
    keys = (QNAME,)
    factory_keys = (SLEEP, MAXAGE)

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return queue.get(QNAME)

    @classmethod
    def queue_references(
        cls, queue: ConfigSection, queues: Mapping[str, ConfigSection]
    ) -> list[ConfigProblem]:
        """``qname`` must be a queue of the configuration; a disabled one is pointed out."""
        if queue.check(QNAME) is not None:
            return []  # missing or bad: reported with the keys
        qname = queue.get(QNAME)
        target = queues.get(qname)
        if target is None:
            return [
                ConfigProblem(
                    "error",
                    queue.origin_of(QNAME.name),
                    queue.name,
                    QNAME.name,
                    f"no queue [{qname}] in the configuration",
                    qname,
                    "name an APF queue (a section of the queue files)",
                )
            ]
        if target.check(ENABLED) is None and target.get(ENABLED) is False:
            return [
                ConfigProblem(
                    "warning",
                    queue.origin_of(QNAME.name),
                    queue.name,
                    QNAME.name,
                    f"[{qname}] is disabled (2.4 could not start this queue then; here it runs, with no work)",
                    qname,
                )
            ]
        return []

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.qname = queue.get(QNAME)
        self._maxage = ctx.factory.get(MAXAGE)

    def maxage(self) -> float:
        return self._maxage

    def poll(self) -> WMSView:
        return WMSView(f"Queue:{self.qname}", time.time())

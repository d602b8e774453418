"""WMS status plugin ``Static``: work waiting taken from the queue configuration.

For tests, demos and sites without a WMS to ask: each queue states how many jobs are activated and
the site status, e.g. ``wmsstatus.static.activated = 20``, ``wmsstatus.static.status = online``."""

from __future__ import annotations

import time
from collections.abc import Hashable

from autopyfactory.config.keys import NONNEG_INT, STR, Key, choice
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import WMSStatusPlugin

ACTIVATED = Key("wmsstatus.static.activated", NONNEG_INT, 0, "activated (ready) jobs reported for wmsqueue")
RUNNING = Key("wmsstatus.static.running", NONNEG_INT, 0, "running jobs reported for wmsqueue")
STATUS = Key(
    "wmsstatus.static.status", choice("online", "offline", "test", "brokeroff"), "online", "site status"
)
CLOUD = Key("wmsstatus.static.cloud", STR, "", "cloud")


class StaticWMSStatus(WMSStatusPlugin):
    """One instance per queue; reports the configured numbers for the queue's ``wmsqueue``."""

    name = "Static"
    keys = (ACTIVATED, RUNNING, STATUS, CLOUD)

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return queue.name

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.wmsqueue = queue.raw("wmsqueue") or queue.name
        self.info = WMSQueueInfo(ready=queue.get(ACTIVATED), running=queue.get(RUNNING))
        self.site = SiteInfo(queue.get(STATUS), queue.get(CLOUD))

    def poll(self) -> WMSView:
        return WMSView("Static", time.time(), {self.wmsqueue: self.info}, {self.wmsqueue: self.site})

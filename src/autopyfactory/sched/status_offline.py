"""StatusOffline: a site that is offline gets (usually) no pilots."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

PILOTS = Key("sched.statusoffline.pilots", INT, 0, "pilots per cycle while the site status is 'offline'")


class StatusOffline(SchedPlugin):
    """Site status ``offline``: ``pilots``; otherwise n. Missing WMS, site or batch data: 0."""

    name = "StatusOffline"
    keys = (PILOTS,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.pilots = queue.get(PILOTS)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.site is None or snap.batch is None:
            return SchedResult(
                0, message("StatusOffline", ("comment", "no wms/site/batchinfo"), ("in", n), ("ret", 0))
            )
        if snap.site.status == "offline":
            return SchedResult(
                self.pilots, message("StatusOffline", ("comment", "offline"), ("in", n), ("ret", self.pilots))
            )
        return SchedResult(n, message("StatusOffline", ("comment", "not offline"), ("in", n), ("ret", n)))

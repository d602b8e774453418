"""StatusTest: a site in test mode gets a fixed trickle of pilots."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

PILOTS = Key("sched.statustest.pilots", INT, 0, "pilots per cycle while the site status is 'test'")


class StatusTest(SchedPlugin):
    """Site status ``test``: ``pilots``; otherwise n. Missing WMS, site or batch data: 0."""

    name = "StatusTest"
    keys = (PILOTS,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.pilots = queue.get(PILOTS)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.site is None or snap.batch is None:
            return SchedResult(
                0, message("StatusTest", ("comment", "no wms/batch/siteinfo"), ("in", n), ("ret", 0))
            )
        if snap.site.status == "test":
            return SchedResult(
                self.pilots, message("StatusTest", ("comment", "test"), ("in", n), ("out", self.pilots))
            )
        return SchedResult(n, message("StatusTest", ("comment", "not test"), ("in", n), ("ret", n)))

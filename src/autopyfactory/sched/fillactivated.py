"""Fillactivated: one pilot per activated job not covered by a pending pilot (2.4's, working)."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

DEFAULT = Key("sched.fillactivated.default", INT, 0, "pilots to submit when WMS or batch data is missing")


class Fillactivated(SchedPlugin):
    """``max(0, activated - pending)``; ``default`` when data is missing. 2.4 shipped it broken
    (a NameError on every call); this is the behaviour its code intended."""

    name = "Fillactivated"
    keys = (DEFAULT,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.default = queue.get(DEFAULT)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            out = self.default
            return SchedResult(
                out, message("Fillactivated", ("comment", "Invalid wms/batchinfo"), ("in", n), ("ret", out))
            )
        activated, pending, running = snap.wms.ready, snap.batch.pending, snap.batch.running
        out = max(0, activated - pending)
        return SchedResult(
            out,
            message(
                "Fillactivated",
                ("in", n),
                ("activated", activated),
                ("pending", pending),
                ("running", running),
                ("ret", out),
            ),
        )

"""WeightedActivated: Ready with weights on activated jobs and pending pilots."""

from __future__ import annotations

from autopyfactory.config.keys import FLOAT, INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

ACTIVATED = Key("sched.weightedactivated.activated", FLOAT, 1.0, "weight of activated jobs")
PENDING = Key("sched.weightedactivated.pending", FLOAT, 1.0, "weight of pending pilots")
DEFAULT = Key("sched.weightedactivated.default", INT, 0, "pilots to submit when WMS or batch data is missing")


class WeightedActivated(SchedPlugin):
    """``max(0, int(activated * wa) - int(pending * wp))``; the input is ignored."""

    name = "WeightedActivated"
    keys = (ACTIVATED, PENDING, DEFAULT)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.wa = queue.get(ACTIVATED)
        self.wp = queue.get(PENDING)
        self.default = queue.get(DEFAULT)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            comment = "no wmsinfo" if snap.wms is None else "no batchinfo"
            return SchedResult(
                self.default,
                message("WeightedActivated", ("comment", comment), ("in", n), ("ret", self.default)),
            )
        activated, pending = snap.wms.ready, snap.batch.pending
        wact, wpend = int(activated * self.wa), int(pending * self.wp)
        out = max(0, wact - wpend)
        return SchedResult(
            out,
            message(
                "WeightedActivated",
                ("in", n),
                ("activated", activated),
                ("weightedactivated", wact),
                ("pending", pending),
                ("weightedpending", wpend),
                ("ret", out),
            ),
        )

"""MinPerCycle: at least this many pilots in one cycle."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MINIMUM = Key("sched.minpercycle.minimum", INT, None, "smallest number of pilots per cycle")


class MinPerCycle(SchedPlugin):
    """``max(n, minimum)``; passes n through when unset."""

    name = "MinPerCycle"
    keys = (MINIMUM,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.minimum = queue.get(MINIMUM)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if self.minimum is None:
            return SchedResult(n, "MinPerCycle:comment=Not set")
        out = max(n, self.minimum)
        return SchedResult(
            out, message("MinPerCycle", ("in", n), ("minpercycle", self.minimum), ("ret", out))
        )

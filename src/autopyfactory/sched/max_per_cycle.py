"""MaxPerCycle: at most this many pilots in one cycle."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MAXIMUM = Key("sched.maxpercycle.maximum", INT, None, "largest number of pilots per cycle")


class MaxPerCycle(SchedPlugin):
    """``min(n, maximum)``; passes n through when unset."""

    name = "MaxPerCycle"
    keys = (MAXIMUM,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.maximum = queue.get(MAXIMUM)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if self.maximum is None:
            return SchedResult(n, message("MaxPerCycle", ("comment", "Not set"), ("in", n)))
        out = min(n, self.maximum)
        return SchedResult(
            out, message("MaxPerCycle", ("in", n), ("maxpercycle", self.maximum), ("ret", out))
        )

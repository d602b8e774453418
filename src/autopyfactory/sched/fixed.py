"""Fixed: the same number of pilots every cycle, whatever came before."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

PILOTS = Key("sched.fixed.pilotspercycle", INT, None, "pilots to submit every cycle")


class Fixed(SchedPlugin):
    """``pilotspercycle``, or 0 when unset (or 0); the input is ignored."""

    name = "Fixed"
    keys = (PILOTS,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.pilots = queue.get(PILOTS)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if not self.pilots:
            return SchedResult(0, message("Fixed", ("comment", "nosetup"), ("in", n), ("ret", 0)))
        return SchedResult(self.pilots, message("Fixed", ("in", n), ("ret", self.pilots)))

"""Scale: multiply by a factor, rounding up."""

from __future__ import annotations

import math

from autopyfactory.config.keys import FLOAT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

FACTOR = Key("sched.scale.factor", FLOAT, 1.0, "multiplier (e.g. 1/numfactories/nCEs/jobsperpilot)")


class Scale(SchedPlugin):
    """``ceil(n * factor)``; negative numbers are scaled too (towards zero)."""

    name = "Scale"
    keys = (FACTOR,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.factor = queue.get(FACTOR)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        out = math.ceil(n * self.factor)
        return SchedResult(out, message("Scale", ("in", n), ("factor", self.factor), ("ret", out)))

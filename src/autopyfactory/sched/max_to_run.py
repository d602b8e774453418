"""MaxToRun: cap pending plus running pilots."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MAXIMUM = Key("sched.maxtorun.maximum", INT, None, "largest number of pending + running pilots")


class MaxToRun(SchedPlugin):
    """``min(n, maximum - (pending + running))``; no batch data: 0; unset: n, and no message."""

    name = "MaxToRun"
    keys = (MAXIMUM,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.maximum = queue.get(MAXIMUM)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.batch is None:
            return SchedResult(0, message("MaxToRun", ("comment", "No batchinfo"), ("in", n)))
        if self.maximum is None:
            return SchedResult(n, "")
        pending, running = snap.batch.pending, snap.batch.running
        out = min(n, self.maximum - (pending + running))
        return SchedResult(
            out,
            message(
                "MaxToRun",
                ("in", n),
                ("maxtorun", self.maximum),
                ("pending", pending),
                ("running", running),
                ("ret", out),
            ),
        )

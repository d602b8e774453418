"""Ready: as many pilots as there are activated jobs not yet covered by pending pilots."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

OFFSET = Key("sched.ready.offset", INT, 0, "activated jobs to leave alone before submitting")


class Ready(SchedPlugin):
    """``max(0, (activated - offset) - pending)``; the input is ignored. No data: 0."""

    name = "Ready"
    keys = (OFFSET,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.offset = queue.get(OFFSET)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            return SchedResult(0, "Ready:comment=Invalid wmsinfo or batchinfo")
        activated, pending = snap.wms.ready, snap.batch.pending
        out = max(0, (activated - self.offset) - pending)
        return SchedResult(
            out,
            message(
                "Ready",
                ("in", n),
                ("activated", activated),
                ("offset", self.offset),
                ("pending", pending),
                ("ret", out),
            ),
        )

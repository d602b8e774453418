"""MaxPerFactory: cap the pilots (pending + running) of the whole factory."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MAXIMUM = Key(
    "maxperfactory.maximum", INT, None, "largest number of pending + running pilots over all queues"
)


class MaxPerFactory(SchedPlugin):
    """With T = pending + running over every queue: ``T > max``: 0; ``n + T > max``: ``max - T``;
    else n. No batch data: 0. Unset maximum: n passes through (2.4 returned 0 there by accident)."""

    name = "MaxPerFactory"
    factory_keys = (MAXIMUM,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.maximum = factory.get(MAXIMUM)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        total = snap.factory_active
        if total is None:
            return SchedResult(
                0, message("MaxPerFactory", ("comment", "No batchinfo"), ("in", n), ("ret", 0))
            )
        if self.maximum is None:
            return SchedResult(
                n, message("MaxPerFactory", ("comment", "Not set"), ("in", n), ("total", total), ("ret", n))
            )
        out = n
        if total > self.maximum:
            out = 0
        elif n + total > self.maximum:
            out = self.maximum - total
        return SchedResult(
            out,
            message(
                "MaxPerFactory", ("in", n), ("total", total), ("maxperfactory", self.maximum), ("ret", out)
            ),
        )

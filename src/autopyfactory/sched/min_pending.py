"""MinPending: keep at least this many pilots pending."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MINIMUM = Key("sched.minpending.minimum", INT, None, "smallest number of pending pilots")


class MinPending(SchedPlugin):
    """``max(n, minimum - pending)``; n passes through when unset or without batch data."""

    name = "MinPending"
    keys = (MINIMUM,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.minimum = queue.get(MINIMUM)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.batch is None:
            return SchedResult(n, message("MinPending", ("comment", "No queueinfo"), ("in", n), ("ret", n)))
        pending = snap.batch.pending
        if self.minimum is None:
            return SchedResult(
                n, message("MinPending", ("comment", "not set"), ("in", n), ("pending", pending), ("ret", n))
            )
        out = max(n, self.minimum - pending)
        return SchedResult(
            out,
            message(
                "MinPending", ("in", n), ("minpending", self.minimum), ("pending", pending), ("ret", out)
            ),
        )

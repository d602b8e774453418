"""MaxPending: keep the number of pending pilots under a ceiling."""

from __future__ import annotations

from autopyfactory.config.keys import BOOL, INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MAXIMUM = Key("sched.maxpending.maximum", INT, None, "largest number of pending pilots")
ALLOW_NEGATIVE = Key(
    "sched.maxpending.allow_negative",
    BOOL,
    True,
    "let the result go negative (retire pilots) when over the ceiling",
)


class MaxPending(SchedPlugin):
    """No pending pilots: no limit. Otherwise ``min(n, maximum - pending)``, the second term clamped
    to 0 unless ``allow_negative``. No batch data: n passes through."""

    name = "MaxPending"
    keys = (MAXIMUM, ALLOW_NEGATIVE)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.maximum = queue.get(MAXIMUM)
        self.allow_negative = queue.get(ALLOW_NEGATIVE)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.batch is None:
            return SchedResult(n, "MaxPending:comment=No queueinfo.")
        pending = snap.batch.pending
        out = n
        if pending != 0 and self.maximum is not None:
            tosubmit = self.maximum - pending
            if not self.allow_negative and tosubmit < 0:
                tosubmit = 0
            out = min(n, tosubmit)
        return SchedResult(
            out,
            message(
                "MaxPending", ("in", n), ("pending", pending), ("maxpending", self.maximum), ("ret", out)
            ),
        )

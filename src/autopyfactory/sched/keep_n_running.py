"""KeepNRunning: hold the number of pilots at a target; a negative result retires pilots."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

KEEP = Key(
    "sched.keepnrunning.keep_running", INT, None, "target number of pilots; unset: the input is the target"
)


class KeepNRunning(SchedPlugin):
    """``keep_running - (running + pending)`` (``n - (running + pending)`` when unset). May be negative."""

    name = "KeepNRunning"
    keys = (KEEP,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.keep = queue.get(KEEP)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.batch is None:
            return SchedResult(0, "KeepNRunning:comment=Invalid queueinfo")
        pending = max(0, snap.batch.pending)
        running = max(0, snap.batch.running)
        retiring = max(0, snap.batch.retiring)
        target = n if self.keep is None else self.keep
        out = target - (running + pending)
        return SchedResult(
            out,
            message(
                "KeepNRunning",
                ("in", n),
                ("keep", self.keep),
                ("running", running),
                ("pending", pending),
                ("retiring", retiring),
                ("ret", out),
            ),
        )

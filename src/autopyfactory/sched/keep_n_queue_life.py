"""KeepNQueueLife: hold the number of this queue's jobs in the schedd at a target (2.4's experimental
plugin, written against its info2 API)."""

from __future__ import annotations

from autopyfactory.config.keys import INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

NJOBS = Key(
    "sched.keepnqueuelife.njobs",
    INT,
    None,
    "target number of this queue's jobs in the batch queue; unset: the input is the target",
)


class KeepNQueueLife(SchedPlugin):
    """``njobs - jobs in queue`` (``n - jobs in queue`` when ``njobs`` is unset); may be negative.

    The jobs in queue are the queue's pilots the batch system still holds: pending, running and
    suspended (2.4 counted the ``condor_q`` entries of the queue). No batch data: 0, with 2.4's
    message. Differences from 2.4: a queue without any job counts 0 (2.4 raised); the message names
    this plugin (2.4's said ``KeepNRunning``)."""

    name = "KeepNQueueLife"
    keys = (NJOBS,)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.njobs = queue.get(NJOBS)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.batch is None:
            return SchedResult(0, "KeepNQueueLife:comment=Invalid queueinfo")
        in_queue = max(0, snap.batch.pending) + max(0, snap.batch.running) + max(0, snap.batch.suspended)
        out = (n if self.njobs is None else self.njobs) - in_queue
        return SchedResult(
            out,
            message(
                "KeepNQueueLife", ("in", n), ("keep", self.njobs), ("jobsinqueue", in_queue), ("ret", out)
            ),
        )

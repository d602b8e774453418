"""keda: KEDA's ScaledJob scaling with the ``accurate`` strategy, for one APF queue.

Rules, from kedacore/keda-docs ``content/docs/2.16/reference/scaledjob-spec.md`` (scalingStrategy),
with the WMS queue's activated jobs as the scaler's queue length, every unfinished pilot (pending or
running) as a running Job and the pending pilots as pending Jobs:

1. ``maxScale = min(maxReplicaCount, ceil(queueLength / targetAverageValue))``.
2. ``accurate``: when ``maxScale + runningJobCount > maxReplicaCount``, create
   ``maxReplicaCount - runningJobCount``; otherwise ``maxScale - pendingJobCount``.
3. Never fewer than 0 (KEDA does not delete Jobs to scale in).

Defaults are KEDA's: ``maxReplicaCount`` 100 and a target of 1 job per Job (the queue-length
scalers' usual ``targetAverageValue``); ``minReplicaCount`` 0. KEDA has no notion of site status;
an offline site gets nothing here only because its activated jobs are not dispatched to it."""

from __future__ import annotations

import math

from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

MAX_REPLICAS = Key("sched.keda.maxreplicacount", NONNEG_INT, 100, "most Jobs (pilots) at once")
TARGET = Key("sched.keda.targetaveragevalue", NONNEG_FLOAT, 1.0, "queue length per Job")


class KEDA(SchedPlugin):
    """The ``keda`` sched plugin: KEDA ScaledJob scaling with the ``accurate`` strategy (rules in the
    module docstring)."""

    name = "keda"
    keys = (MAX_REPLICAS, TARGET)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.max_replicas = queue.get(MAX_REPLICAS)
        self.target = max(queue.get(TARGET), 1e-9)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            return SchedResult(
                0, message("keda", ("comment", "no scaler or job data"), ("in", n), ("ret", 0))
            )
        queue_length = snap.wms.ready
        pending = snap.batch.pending
        running = snap.batch.pending + snap.batch.running
        max_scale = min(self.max_replicas, math.ceil(queue_length / self.target))
        over = max_scale + running > self.max_replicas
        out = max(0, self.max_replicas - running if over else max_scale - pending)
        return SchedResult(
            out,
            message(
                "keda",
                ("in", n),
                ("queuelength", queue_length),
                ("maxscale", max_scale),
                ("running", running),
                ("pending", pending),
                ("ret", out),
            ),
        )

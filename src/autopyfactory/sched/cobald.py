"""cobald: COBalD's ``LinearController`` over a TARDIS-style factory pool, for one APF queue.

Rules, each from MatterMiners/cobald, with this queue's pilots as drones (one core each):

1. ``controller/linear.py`` ``LinearController.regulate``: when the pool's utilisation is below
   ``low_utilisation``, demand drops by ``rate`` per second; otherwise, when its allocation is above
   ``high_allocation``, it rises by ``rate`` per second. The controller regulates every ``interval``
   seconds, so over one factory cycle (``apfqueue.sleep``) demand moves by ``rate * apfqueue.sleep``.
2. ``composite/factory.py`` ``FactoryPool``: utilisation and allocation are the mean over drones that
   supply resources (running pilots); with none they are 1. The pool spawns drones while their
   demand is below its demand and releases the least used ones (pending first) when the running
   drones exceed it.
3. ``decorator/limiter.py`` ``Limiter``: demand is kept at ``minimum`` or more (the documented
   TARDIS pipeline puts ``minimum: 1`` after the controller).

The pool's demand before this cycle is its drones (pending + running pilots), which the factory pool
realises. A running pilot is allocated when it runs a job: the WMS queue's running jobs, shared
among this factory's queues that serve it in proportion to their running pilots. COBalD looks at
no queue length. Defaults are the code's (``low_utilisation`` 0.5, ``high_allocation`` 0.5, ``rate``
1 per second) and the TARDIS pipeline's ``minimum`` 1."""

from __future__ import annotations

import math

from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, Key, ratio
from autopyfactory.config.queue import SLEEP
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

P = "sched.cobald."
LOW = Key(P + "low_utilisation", ratio(), 0.5, "below this utilisation, demand falls")
HIGH = Key(P + "high_allocation", ratio(), 0.5, "above this allocation, demand rises")
RATE = Key(P + "rate", NONNEG_FLOAT, 1.0, "change of demand, in pilots per second")
MINIMUM = Key(P + "minimum", NONNEG_INT, 1, "the Limiter's minimum demand")


class COBalD(SchedPlugin):
    """The ``cobald`` sched plugin: COBalD's linear controller and limiter over this queue's pilots (rules
    in the module docstring)."""

    name = "cobald"
    keys = (LOW, HIGH, RATE, MINIMUM)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.low = queue.get(LOW)
        self.high = queue.get(HIGH)
        self.step = queue.get(RATE) * queue.get(SLEEP)
        self.minimum = queue.get(MINIMUM)

    @staticmethod
    def busy(snap: QueueSnapshot) -> int:
        assert snap.wms is not None and snap.batch is not None
        running = snap.batch.running
        share = snap.history.share.running if snap.history is not None else running
        if share <= 0:
            return 0
        return min(running, round(snap.wms.running * running / share))

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            return SchedResult(0, message("cobald", ("comment", "no pool data"), ("in", n), ("ret", 0)))
        pending, running = snap.batch.pending, snap.batch.running
        busy = self.busy(snap)
        fitness = busy / running if running else 1.0  # utilisation = allocation for one-core pilots
        demand: float = pending + running
        if fitness < self.low:
            demand -= self.step
        elif fitness > self.high:
            demand += self.step
        demand = max(demand, float(self.minimum))
        target = math.ceil(demand)
        # more running than demanded: release drones (pending ones first); otherwise spawn up to it
        out = target - (pending + running) if running > target else max(0, target - (pending + running))
        return SchedResult(
            out,
            message(
                "cobald",
                ("in", n),
                ("pending", pending),
                ("running", running),
                ("busy", busy),
                ("utilisation", round(fitness, 3)),
                ("demand", target),
                ("ret", out),
            ),
        )

"""cobald: COBalD's ``LinearController`` over a TARDIS factory pool, for one APF queue.

Rules, each from MatterMiners/cobald and MatterMiners/tardis, with this queue's pilots as drones of
one core each (a pending pilot is a booting drone, a running pilot an available one):

1. ``cobald/controller/linear.py`` ``LinearController.regulate``: when the pool's utilisation is below
   ``low_utilisation``, demand drops by ``rate`` per second; otherwise, when its allocation is above
   ``high_allocation``, it rises by ``rate`` per second. The controller regulates every ``interval``
   seconds, so over one factory cycle (``apfqueue.sleep``) demand moves by ``rate * apfqueue.sleep``.
2. ``cobald/composite/factory.py`` ``FactoryPool``: utilisation and allocation are the mean over the
   children whose ``supply > 0``; with none they are 1. A TARDIS drone (``tardis/resources/drone.py``)
   starts with supply, allocation and utilisation 0 and gets its supply only once it is available
   (``dronestates.py`` ``AvailableState``), so booting drones (pending pilots) are not in the mean:
   the pool's fitness is that of its running pilots. (The class docstring says children with
   ``demand > 0`` count too; the code counts ``supply > 0`` only, and the code is what runs.)
3. ``FactoryPool.run``: while the supply (running drones) is at most the demand, drones are spawned
   until the demand of all children (booting ones included) reaches the pool's demand; when the
   supply exceeds the demand, ``_shrink`` releases children, least used first (``supply *
   utilisation``): booting drones go first, and a released booting drone is removed
   (``BootingState`` -> ``CleanupState``, the behaviour since cobald 0.3.0 / TARDIS changes/76): a
   withdrawal of pending pilots here. Releasing an available drone drains it; a PanDA pilot cannot
   be told to stop taking jobs, and leaves by itself when it finds none, so running pilots are
   never removed.
4. ``cobald/decorator/limiter.py`` ``Limiter``: demand is kept at ``minimum`` or more (the documented
   TARDIS pipeline puts ``minimum: 1`` after the controller). The site ``quota`` (Standardiser
   maximum) is a site setting with no default (negative: unlimited): unset here.

The pool's demand before this cycle is its drones (pending + running pilots), which the factory pool
realises. A running pilot is allocated (and utilised) when it runs a job: the WMS queue's running
jobs, shared among this factory's queues that serve it in proportion to their running pilots (a
PanDA pilot without a job leaves within minutes, so almost every running pilot is busy and
allocation stays near 1: the demand climbs by ``rate * apfqueue.sleep`` a cycle, COBalD's issue
#104). COBalD looks at no queue length. Defaults are the code's (``low_utilisation`` 0.5,
``high_allocation`` 0.5, ``rate`` 1 per second) and the TARDIS pipeline's ``minimum`` 1."""

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
        withdraw = 0
        if running > target:  # supply over demand: release booting drones first (rule 3)
            out, withdraw = 0, min(pending, pending + running - target)
        else:
            out = max(0, target - (pending + running))
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
                ("withdraw", withdraw),
                ("ret", out),
            ),
            withdraw,
        )

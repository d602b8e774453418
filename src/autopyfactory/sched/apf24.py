"""apf24: AutoPyFactory 2.4's production chain as one plugin, with 2.4's example values.

``schedplugin = apf24`` runs ``Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline,
MaxPending`` (the chain of 2.4's ``etc/agisdefaults.conf`` and ATLAS's ``00-defaults.conf``) with
the values of 2.4's shipped ``etc/agisdefaults.conf`` for every key the queue leaves unset:

=============================  =====  ========================================================
key                            value  rule (2.4 ``plugins/queue/sched/``)
=============================  =====  ========================================================
sched.ready.offset             0      Ready: ``max(0, activated - offset - pending)``
sched.scale.factor             0.5    Scale: ``ceil(n * factor)`` (1/factories/CEs/jobs per pilot)
sched.maxpercycle.maximum      50     MaxPerCycle: ``min(n, maximum)``
sched.minpercycle.minimum      0      MinPerCycle: ``max(n, minimum)``
sched.statustest.pilots        1      StatusTest: site in ``test``: that many pilots
sched.statusoffline.pilots     0      StatusOffline: site ``offline``: that many pilots
sched.maxpending.maximum       100    MaxPending: with pilots pending, ``min(n, maximum - pending)``
=============================  =====  ========================================================

Each step is this project's plugin of that name (the 2.4 semantics, see docs/configuration.md); the
message is the chain's messages joined by ``;``, as 2.4 reported them to APFMon."""

from __future__ import annotations

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched import (
    max_pending,
    max_per_cycle,
    min_per_cycle,
    ready,
    scale,
    status_offline,
    status_test,
)
from autopyfactory.sched.base import SchedPlugin

STEPS: tuple[type[SchedPlugin], ...] = (
    ready.Ready,
    scale.Scale,
    max_per_cycle.MaxPerCycle,
    min_per_cycle.MinPerCycle,
    status_test.StatusTest,
    status_offline.StatusOffline,
    max_pending.MaxPending,
)
EXAMPLE_VALUES = {
    ready.OFFSET.name: "0",
    scale.FACTOR.name: "0.5",
    max_per_cycle.MAXIMUM.name: "50",
    min_per_cycle.MINIMUM.name: "0",
    status_test.PILOTS.name: "1",
    status_offline.PILOTS.name: "0",
    max_pending.MAXIMUM.name: "100",
}


class APF24(SchedPlugin):
    """2.4's example chain; the queue's own ``sched.*`` values override the example ones."""

    name = "apf24"
    keys = tuple(k for step in STEPS for k in step.keys)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        unset = {k: v for k, v in EXAMPLE_VALUES.items() if k not in queue}
        section = queue.with_values(unset, "<apf24 example value>")
        self.steps = [step(section, factory) for step in STEPS]

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        messages: list[str] = []
        for step in self.steps:
            r = step.calc(n, snap)
            n = r.n
            if r.message:
                messages.append(r.message)
        return SchedResult(n, ";".join(messages))

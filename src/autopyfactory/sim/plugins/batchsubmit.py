"""Batch submit plugin ``Simulated``: pilots submitted to a site of the simulated world.

The site is ``batchsubmit.simulated.site`` (default: the queue's name); the pilots ask the queue's
``wmsqueue`` for jobs. Retiring removes pilots like ``condor_rm`` (pending ones vanish, running
ones are killed and their job goes back to the WMS queue) unless the queue is peaceful.
Withdrawing (a sched plugin's ``withdraw``) removes only pilots that have not started, checked in
the world at the moment of removal, as a batch system removes a job only while it is idle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from autopyfactory.config.keys import STR, Key
from autopyfactory.config.problems import error
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.submit import BatchSubmitPlugin, PilotRef
from autopyfactory.sim.world import World

SITE = Key(
    "batchsubmit.simulated.site", STR, None, "the simulated site (CE) pilots go to; default: the queue name"
)


class SimulatedSubmit(BatchSubmitPlugin):
    """Batch submit plugin ``Simulated``: submits and retires pilots at a site of the bound ``world``."""

    name = "Simulated"
    key_prefix = "batchsubmit.simulated."
    keys = (SITE,)
    world: ClassVar[World]

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        site = queue.get(SITE) or queue.name
        wmsqueue = queue.raw("wmsqueue") or queue.name
        if site not in self.world.sites:
            raise error(
                queue.origin_of(SITE.name),
                queue.name,
                SITE.name,
                f"the scenario has no site {site!r}",
                hint=f"sites: {', '.join(sorted(self.world.sites))}",
            )
        if wmsqueue not in self.world.wms:
            raise error(
                queue.origin_of("wmsqueue"),
                queue.name,
                "wmsqueue",
                f"the scenario has no WMS queue {wmsqueue!r}",
                hint=f"WMS queues: {', '.join(sorted(self.world.wms))}",
            )
        self.book = self.world.register_queue(queue.name, site, wmsqueue)

    def submit(self, n: int) -> list[PilotRecord]:
        return [PilotRecord(p.pid, self.apfqname, p.submitted) for p in self.world.submit(self.book, n)]

    def list_pilots(self) -> list[PilotRef]:
        live = [*self.book.pending.values(), *self.book.running.values()]
        live.sort(key=lambda p: p.submitted)
        return [PilotRef(p.pid, p.submitted, "pending" if p.started is None else "running") for p in live]

    def remove(self, pilot_ids: Sequence[str]) -> None:
        self.world.remove(self.book, list(pilot_ids))

    can_withdraw = True

    def remove_pending(self, pilot_ids: Sequence[str]) -> list[str]:
        return self.world.withdraw(self.book, list(pilot_ids))

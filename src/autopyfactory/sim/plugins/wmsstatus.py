"""WMS status plugin ``Simulated``: the simulated PanDA's job counts and site status.

It stands in for ``Panda`` and reads the same ``[Factory]`` keys: it polls every
``wmsstatus.panda.sleep`` seconds (its view is stamped with the poll time) and each poll returns the
counts the WMS last recomputed (every ``wms_refresh`` of the scenario), so what a queue sees is as
stale as it would be in production."""

from __future__ import annotations

import math
from typing import ClassVar

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import WMSStatusPlugin
from autopyfactory.sim.world import World
from autopyfactory.wms.panda import keys as panda_keys


class NoWMSData(RuntimeError):
    """The simulated WMS has not computed its counts yet."""


class SimulatedWMSStatus(WMSStatusPlugin):
    """WMS status plugin ``Simulated``: the bound ``world``'s job counts and site status, polled as
    ``Panda`` polls."""

    name = "Simulated"
    factory_keys = (panda_keys.SLEEP, panda_keys.MAXAGE)
    world: ClassVar[World]

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.every = max(1.0, ctx.factory.get(panda_keys.SLEEP))
        self._maxage = ctx.factory.get(panda_keys.MAXAGE)
        self._cache: tuple[float, WMSView] | None = None

    def maxage(self) -> float:
        return self._maxage

    def poll(self) -> WMSView:
        now = self.world.now
        tick = math.floor(now / self.every) * self.every
        if self._cache is not None and self._cache[0] == tick:
            return self._cache[1]
        got = self.world.table_at(tick)
        if got is None:
            raise NoWMSData("the simulated WMS has no job counts yet")
        table = got[1]
        queues: dict[str, WMSQueueInfo] = {}
        sites: dict[str, SiteInfo] = {}
        for name, (info, site) in table.items():
            queues[name] = info
            sites[name] = site
        view = WMSView(self.name, tick, queues, sites)
        self._cache = (tick, view)
        return view

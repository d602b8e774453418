"""A plugin registry for one simulation: every installed plugin, plus the simulated ones bound to
the world."""

from __future__ import annotations

from typing import Any

from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS
from autopyfactory.plugins.submit import BATCHSUBMIT
from autopyfactory.sim.plugins.batchstatus import SimulatedBatchStatus
from autopyfactory.sim.plugins.batchsubmit import SimulatedSubmit
from autopyfactory.sim.plugins.wmsstatus import SimulatedWMSStatus
from autopyfactory.sim.world import World

SIMULATED = "Simulated"


def _bound(cls: type[Any], world: World) -> type[Any]:
    return type(cls.__name__, (cls,), {"world": world, "__module__": cls.__module__})


def simulation_registry(world: World) -> Registry:
    reg = Registry()
    reg.register(WMSSTATUS, SIMULATED, _bound(SimulatedWMSStatus, world))
    reg.register(BATCHSTATUS, SIMULATED, _bound(SimulatedBatchStatus, world))
    reg.register(BATCHSUBMIT, SIMULATED, _bound(SimulatedSubmit, world))
    return reg

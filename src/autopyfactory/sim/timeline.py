"""The world over time, sampled at a fixed interval: what the plots draw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autopyfactory.sim.world import World


@dataclass
class Timeline:
    """Parallel series, one entry per sample (totals over every WMS queue and site)."""

    t: list[float] = field(default_factory=list)
    queued_jobs: list[int] = field(default_factory=list)  # activated + held
    running_jobs: list[int] = field(default_factory=list)
    pending_pilots: list[int] = field(default_factory=list)
    running_pilots: list[int] = field(default_factory=list)
    empty_pilots: list[int] = field(default_factory=list)  # cumulative

    def sample(self, world: World) -> None:
        if self.t and self.t[-1] == world.now:
            return
        self.t.append(world.now)
        self.queued_jobs.append(sum(len(w.queue) + len(w.held) for w in world.wms.values()))
        self.running_jobs.append(sum(w.busy for w in world.wms.values()))
        self.pending_pilots.append(sum(len(b.pending) for b in world.books.values()))
        self.running_pilots.append(sum(len(b.running) for b in world.books.values()))
        self.empty_pilots.append(sum(w.empty_pilots for w in world.wms.values()))

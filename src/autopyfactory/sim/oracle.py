"""The clairvoyant provisioner: the lower bound every policy's result is measured against.

The issue defines it as a pilot ready the moment each job arrives, paying only the site's start
latency. It reacts to every change at once (no cycle, no stale counts, no batch status): whenever a
WMS queue has more activated jobs than pilots on their way to them (pending pilots that will start,
running pilots asking for work), it sends the missing pilots at once, each to the serving site where
a pilot should start soonest (the shortest median latency among sites with a free slot, else among
all; never a black hole). Each pilot pays its own start latency (it cannot choose its draw) and
waits for a slot when the site is full, so each job waits about that long, less when a running
pilot frees up first and takes it.

It also knows what no factory can, and uses it only to send no pilot that finds nothing: a pilot
that will never start is removed at once, and a pilot about to start whose job was taken meanwhile
(the jobs waiting are all taken by pilots that ask before it has set up) is removed instead of
starting. Both count as removed before starting, not as empty: the bound's empty share is about 0,
and its median wait is what a provisioner that paid only the start latency would get."""

from __future__ import annotations

import bisect

from autopyfactory.sim.entities import BUSY, IDLE, NEVER, PENDING, Pilot, QueueBook, SiteState, WMSQueueState
from autopyfactory.sim.queues import queue_names
from autopyfactory.sim.world import World

LOWER_BOUND = "lower_bound"


class Clairvoyant:
    """The lower-bound provisioner: listens to the world and keeps as many starting pilots on their way as
    there are activated jobs, each at the serving site where it would start soonest."""

    def __init__(self, world: World) -> None:
        self.books: dict[str, list[QueueBook]] = {}
        self.by_site: dict[str, list[QueueBook]] = {}
        for name, site, wmsqueue in queue_names(world.scenario):
            book = world.register_queue(name, site, wmsqueue)
            self.books.setdefault(wmsqueue, []).append(book)
            self.by_site.setdefault(site, []).append(book)
        self._busy = False
        world.listener = self

    def _supply(self, world: World, w: WMSQueueState, skip: Pilot | None = None) -> list[float]:
        """When each pilot serving ``w`` will next ask for a job (sorted); pilots that cannot serve
        the queue now (waiting for a slot, dying, never starting) are left out."""
        now, setup = world.now, world.pilot.setup
        out: list[float] = []
        for book in self.books.get(w.name, ()):
            for p in book.running.values():
                if p.state == IDLE:
                    out.append(now)
                elif p.state == BUSY and p.job is not None and p.job.start is not None:
                    end = p.job.start + p.job.duration
                    if end < p.deadline:
                        out.append(end)
            for p in book.pending.values():
                if p.state == PENDING and p is not skip:
                    out.append(max(p.ready_at, now) + setup)
        out.sort()
        return out

    def _free(self, site: SiteState) -> int:
        return site.slots - site.running - sum(len(b.pending) for b in self.by_site.get(site.name, ()))

    def _best(self, world: World, w: WMSQueueState) -> QueueBook | None:
        """The serving site where a pilot sent now should start soonest: the shortest median
        latency among sites with a free slot (not counting pilots already on their way), else among
        all; never a black hole."""
        best: tuple[bool, float, QueueBook] | None = None
        for book in self.books.get(w.name, []):
            site = book.site
            if site.start_failure >= 1.0:
                continue
            key = (self._free(site) <= 0, site.latency_median)
            if best is None or key < best[:2]:
                best = (*key, book)
        return None if best is None else best[2]

    def on_demand(self, world: World, w: WMSQueueState) -> None:
        if self._busy or not w.dispatches or not w.queue:
            return
        self._busy = True  # submitting and removing call back here
        try:
            self._plan(world, w)
        finally:
            self._busy = False

    def _plan(self, world: World, w: WMSQueueState) -> None:
        """A pilot for every activated job that has none on its way (pending pilots that will
        start, idle pilots); busy pilots are not counted, since a new pilot may well start before
        they free up (its latency is paid, not known): whichever asks first takes the job, and
        :meth:`admit` removes the pilot that comes too late before it starts."""
        deficit = len(w.queue) - (w.pending_live + w.idle)
        guard = 4 * deficit + 16
        while deficit > 0 and guard > 0:
            guard -= 1
            book = self._best(world, w)
            if book is None:
                return
            (p,) = world.submit(book, 1)
            if p.state == NEVER:  # it will never start: the clairvoyant removes it at once
                world.withdraw(book, [p.pid])
                continue
            deficit -= 1

    def admit(self, world: World, pilot: Pilot) -> bool:
        """Start ``pilot`` only if a job will be left for it when it first asks."""
        w = pilot.wms
        if not w.dispatches:
            return False  # it would find nothing
        first_ask = world.now + world.pilot.setup
        before = bisect.bisect_right(self._supply(world, w, skip=pilot), first_ask)
        return len(w.queue) > before

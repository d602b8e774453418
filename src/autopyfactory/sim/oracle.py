"""The clairvoyant provisioner: the lower bound every policy's result is measured against.

It sees the world as it is, at every instant (no cycle, no stale counts, no batch status), and
knows what no factory can: which pilots will never start, which site is a black hole right now.
Whenever a WMS queue may need pilots, it keeps as many pilots on their way (pending ones that will
start, plus running ones asking for a job) as there are activated jobs, submitting each missing one
to the serving site where it should start soonest. Its jobs therefore pay only the sites' start
latency (and slot waits when the sites are full); its empty pilots are not a bound on anything."""

from __future__ import annotations

from autopyfactory.sim.entities import QueueBook, SiteState, WMSQueueState
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
        world.listener = self

    def _best(self, world: World, w: WMSQueueState) -> QueueBook | None:
        best: tuple[float, QueueBook] | None = None
        for book in self.books.get(w.name, []):
            site: SiteState = book.site
            if site.start_failure >= 1.0:
                continue
            on_way = sum(len(b.pending) for b in self.by_site.get(site.name, ()))
            free = site.slots - site.running - on_way
            score = site.latency_median * (1.0 + site.start_failure) + (0.0 if free > 0 else 1e9)
            if best is None or score < best[0]:
                best = (score, book)
        return None if best is None else best[1]

    def on_demand(self, world: World, w: WMSQueueState) -> None:
        if not w.dispatches:
            return
        deficit = len(w.queue) - (w.pending_live + w.idle)
        while deficit > 0:
            book = self._best(world, w)
            if book is None:
                return
            world.submit(book, 1)
            deficit -= 1

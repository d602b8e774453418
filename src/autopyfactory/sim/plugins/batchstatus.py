"""Batch status plugin ``Simulated``: this factory's pilots in the simulated world, per APF queue.

Like a schedd query it is exact at the time of the poll. Besides the counts it lists recently
finished pilots (for Throttle) and the lives of pilots pending now (the oldest 256) or started or
ended in the last 6 hours (the newest 2048, for the queue's history). Like HTCondor it cannot tell whether a pilot ran
a payload: ``found_job`` is left unknown."""

from __future__ import annotations

import itertools
from typing import ClassVar

from autopyfactory.model.batch import BatchQueueInfo, BatchView, FinishedPilot
from autopyfactory.model.history import PilotTimes
from autopyfactory.plugins.status import BatchStatusPlugin
from autopyfactory.sim.entities import QueueBook
from autopyfactory.sim.world import FINISHED_WINDOW, World

PILOT_WINDOW = 6 * 3600.0
PENDING_LISTED = 256
LIVES_LISTED = 2048


def pilot_lives(book: QueueBook, now: float) -> tuple[PilotTimes, ...]:
    """The lives of the queue's pilots that started or ended in the last 6 hours (the newest 2048)
    and of its oldest 256 pending pilots, as a batch system's history and queue list them."""
    since = now - PILOT_WINDOW
    recent = book.recent
    while recent:
        first = next(iter(recent.values()))
        if first[0] >= since:
            break
        recent.popitem(last=False)
    newest = [p.times for _, p in itertools.islice(reversed(recent.values()), LIVES_LISTED)]
    newest.reverse()
    pending = [p.times for p in itertools.islice(book.pending.values(), PENDING_LISTED)]
    return (*newest, *pending)


class SimulatedBatchStatus(BatchStatusPlugin):
    """Batch status plugin ``Simulated``: the factory's pilots in the bound ``world``, per APF queue,
    exact at the poll."""

    name = "Simulated"
    world: ClassVar[World]

    def poll(self) -> BatchView:
        world = self.world
        now = world.now
        cutoff = now - FINISHED_WINDOW
        queues: dict[str, BatchQueueInfo] = {}
        finished: dict[str, tuple[FinishedPilot, ...]] = {}
        pilots: dict[str, tuple[PilotTimes, ...]] = {}
        for name, book in world.books.items():
            fin = book.finished
            while fin and fin[0][0] < cutoff:
                fin.popleft()
            queues[name] = BatchQueueInfo(pending=len(book.pending), running=len(book.running), done=len(fin))
            finished[name] = tuple(f for _, f in fin)
            pilots[name] = pilot_lives(book, now)
        return BatchView(self.name, now, queues, finished, pilots)

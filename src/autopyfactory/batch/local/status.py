"""Batch status plugin ``Local``: counts of local pilots per queue, from the registry, and the lives
of their pilots (submitted, started, ended) for the sched plugins that learn from them."""

from __future__ import annotations

import time
from collections.abc import Hashable

from autopyfactory.batch.local.backend import LocalBatch
from autopyfactory.batch.local.settings import DONE_WINDOW, KILL_GRACE, SLOTS, slots_of
from autopyfactory.batch.local.view import LocalBatchView
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo, BatchView, FinishedPilot
from autopyfactory.model.history import PilotTimes
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import BatchStatusPlugin

# the Local backend's states, as its registry keeps them, to APF's buckets (mappings.conf may override)
STATE2INFO = {
    "pending": "pending",
    "running": "running",
    "done": "done",
    "failed": "done",
    "killed": "done",
}
MAPPING = MappingSpec.batch("LOCALBATCHSTATUS-STATE2INFO", defaults=STATE2INFO, states=list(STATE2INFO))
FINISHED_WINDOW = 24 * 3600.0
LIVES_WINDOW = 6 * 3600.0  # pilots that ended longer ago than this are not reported as lives


class LocalBatchStatus(BatchStatusPlugin):
    """Batch status plugin ``Local``: the Local backend's pilots per queue, mapped to APF states."""

    name = "Local"
    mapping = MAPPING
    factory_keys = (SLOTS, KILL_GRACE, DONE_WINDOW)

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return ()

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.backend: LocalBatch | None = None
        self.view: LocalBatchView | None = None
        if ctx.read_only:  # a reporting tool: the registry is opened read-only, nothing is started
            self.view = LocalBatchView(ctx.settings.state_dir)
        else:
            self.backend = LocalBatch.for_dir(
                ctx.settings.state_dir, slots_of(ctx.factory), ctx.factory.get(KILL_GRACE)
            )
        self.done_window = ctx.factory.get(DONE_WINDOW)

    def poll(self) -> BatchView:
        now = time.time()
        if self.backend is not None:
            self.backend.schedule()
            raw = self.backend.store.counts(now - self.done_window)
            ended = self.backend.store.finished_since(now - FINISHED_WINDOW)
            recorded = self.backend.store.lives(now - LIVES_WINDOW)
        else:
            assert self.view is not None
            raw, ended = self.view.observed(now - self.done_window, now - FINISHED_WINDOW)
            recorded = self.view.lives(now - LIVES_WINDOW)
        mapped = self.ctx.mappings.map_each(MAPPING, raw)
        queues = {q: BatchQueueInfo.from_counts(c) for q, c in mapped.counts.items()}
        finished: dict[str, list[FinishedPilot]] = {}
        for q, started, wall in ended:
            finished.setdefault(q, []).append(FinishedPilot(started, wall))
        lives: dict[str, list[PilotTimes]] = {}
        for q, submitted, began, end in recorded:
            lives.setdefault(q, []).append(PilotTimes(submitted, began, end))
        return BatchView(
            "Local",
            now,
            queues,
            {q: tuple(v) for q, v in finished.items()},
            {q: tuple(v) for q, v in lives.items()},
            mapped.incomplete,
            mapped.uncounted,
        )

"""Batch status plugin ``Slurm``: one job listing per cycle per cluster, shared by every queue,
plus finished pilots from accounting; raw states mapped by ``SLURMBATCHSTATUS-JOBSTATE2INFO``. The
view also carries the lives of the queues' pilots (submit, start and end times, as squeue, sacct or
slurmrestd report them), which the factory hands to sched plugins that learn from them
(``leadtime``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable

from autopyfactory.batch.slurm.backend import SlurmBackend, backend_for
from autopyfactory.batch.slurm.jobs import FINAL_STATES
from autopyfactory.batch.slurm.runner import SlurmError
from autopyfactory.batch.slurm.settings import (
    ACCOUNTING,
    DONE_WINDOW,
    ENDPOINT_KEYS,
    FACTORY_KEYS,
    SlurmEndpoint,
)
from autopyfactory.batch.slurm.tally import tally
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo, BatchView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import BatchStatusPlugin

log = logging.getLogger(__name__)

# Slurm job states to APF's buckets (mappings.conf may override)
JOBSTATE2INFO = {
    "PENDING": "pending",
    "CONFIGURING": "pending",
    "REQUEUED": "pending",
    "REQUEUE_HOLD": "pending",
    "REQUEUE_FED": "pending",
    "RESV_DEL_HOLD": "pending",
    "RUNNING": "running",
    "COMPLETING": "running",
    "STAGE_OUT": "running",
    "SIGNALING": "running",
    "RESIZING": "running",
    "SUSPENDED": "suspended",
    "STOPPED": "suspended",
    "COMPLETED": "done",
    "FAILED": "done",
    "CANCELLED": "done",
    "TIMEOUT": "done",
    "NODE_FAIL": "done",
    "OUT_OF_MEMORY": "done",
    "BOOT_FAIL": "done",
    "DEADLINE": "done",
    "PREEMPTED": "done",
    "SPECIAL_EXIT": "done",
    "REVOKED": "done",
}
MAPPING = MappingSpec.batch(
    "SLURMBATCHSTATUS-JOBSTATE2INFO",
    defaults=JOBSTATE2INFO,
    states=["PENDING", "RUNNING", "SUSPENDED", *sorted(FINAL_STATES)],
)


class SlurmBatchStatus(BatchStatusPlugin):
    """Batch status plugin ``Slurm``: this factory's pilots per queue (found by their tag), one query per
    cluster and cycle."""

    name = "Slurm"
    mapping = MAPPING
    keys = ENDPOINT_KEYS
    factory_keys = FACTORY_KEYS

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return SlurmEndpoint.from_config(queue).key()

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.endpoint = SlurmEndpoint.from_config(queue, ctx.factory)
        self.backend: SlurmBackend = backend_for(self.endpoint, ctx.factory.get(ACCOUNTING), ctx.auth)
        self.done_window = ctx.factory.get(DONE_WINDOW)
        self.factory_id = ctx.settings.factory_id

    def poll(self) -> BatchView:
        """Raises SlurmError when the job listing fails (that cycle has no data); an accounting
        failure only costs the finished pilots that only accounting knows."""
        now = time.time()
        since = now - self.done_window
        jobs = self.backend.jobs()
        try:
            accounted = self.backend.finished(since)
        except SlurmError as exc:
            log.warning("%s: finished pilots unavailable: %s", self.endpoint.describe(), exc)
            accounted = None
        tallies = tally(jobs, accounted, self.factory_id, since)
        mapped = self.ctx.mappings.map_each(MAPPING, {q: t.states for q, t in tallies.items()})
        queues = {q: BatchQueueInfo.from_counts(c) for q, c in mapped.counts.items()}
        finished = {q: tuple(t.finished) for q, t in tallies.items() if t.finished}
        lives = {q: tuple(sorted(t.lives, key=lambda p: p.submitted_at)) for q, t in tallies.items()}
        return BatchView("Slurm", now, queues, finished, lives, mapped.incomplete, mapped.uncounted)

    def close(self) -> None:
        self.backend.close()

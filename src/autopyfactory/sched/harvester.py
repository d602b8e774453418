"""harvester: PanDA Harvester's pull-mode worker adjuster, for one APF queue.

Rules, each from HSF/harvester (``harvesterbody/worker_adjuster.py`` ``define_num_workers`` and
``harvestercore/db_proxy.py`` ``get_worker_limits``; attribute meanings from panda-docs
``harvester_docs/queue_configuration.rst``), with this queue's pending pilots as Harvester's queued
workers (submitted/idle/pending) and its running pilots as running workers:

1. A queue that is ``offline`` (Harvester: offline, standby, maintenance) or has no status data
   gets no worker.
2. Queue limit: ``nQueueLimitWorker``; with ``nQueueLimitWorkerRatio``,
   ``max(min(limit, running * ratio / 100), nQueueLimitWorkerMin)``.
3. No worker when ``queued >= queue limit`` or ``queued + running >= maxWorkers``.
4. Pull mode (``mapType = NoJob``): target queued workers
   ``min(queue limit, max(int(activated * activateWorkerFactor), 1))`` (the floor is 0 with
   ``noPilotsWhenNoActiveJobs``).
5. New workers ``max(target - queued, 0)``, cut to ``maxWorkers - (queued + running)``, to
   ``maxNewWorkersPerCycle`` (0: no cut) and to the submitter's ``maxNewWorkers``.

Defaults are the ``production.pull`` template ATLAS ships for grid queues (PanDAWMS/
harvester_configurations ``GRID/common_grid_queueconfig_template.json``: nQueueLimitWorker 1000,
ratio 40, min 100, maxWorkers 100000, maxNewWorkersPerCycle 50), ``activateWorkerFactor`` 1 and the
submitter's template ``maxNewWorkers`` 1000."""

from __future__ import annotations

from autopyfactory.config.keys import BOOL, NONNEG_FLOAT, NONNEG_INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

P = "sched.harvester."
FACTOR = Key(P + "activateworkerfactor", NONNEG_FLOAT, 1.0, "activated jobs per queued worker wanted")
QUEUE_LIMIT = Key(P + "nqueuelimitworker", NONNEG_INT, 1000, "most queued workers")
RATIO = Key(P + "nqueuelimitworkerratio", NONNEG_INT, 40, "queued workers at most this % of running")
RATIO_MIN = Key(P + "nqueuelimitworkermin", NONNEG_INT, 100, "the ratio limit never goes below this")
MAX_WORKERS = Key(P + "maxworkers", NONNEG_INT, 100000, "most workers, queued + running")
PER_CYCLE = Key(P + "maxnewworkerspercycle", NONNEG_INT, 50, "most new workers per cycle (0: no limit)")
SUBMITTER_MAX = Key(P + "maxnewworkers", NONNEG_INT, 1000, "the submitter's cap per queue and cycle")
NO_PILOTS_IDLE = Key(P + "nopilotswhennoactivejobs", BOOL, False, "no worker at all without activated jobs")


class Harvester(SchedPlugin):
    """Harvester's pull-mode adjuster; the input is ignored (it is a first step, like Ready)."""

    name = "harvester"
    keys = (FACTOR, QUEUE_LIMIT, RATIO, RATIO_MIN, MAX_WORKERS, PER_CYCLE, SUBMITTER_MAX, NO_PILOTS_IDLE)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.factor = queue.get(FACTOR)
        self.queue_limit = queue.get(QUEUE_LIMIT)
        self.ratio = queue.get(RATIO)
        self.ratio_min = queue.get(RATIO_MIN)
        self.max_workers = queue.get(MAX_WORKERS)
        self.per_cycle = queue.get(PER_CYCLE)
        self.submitter_max = queue.get(SUBMITTER_MAX)
        self.no_pilots_idle = queue.get(NO_PILOTS_IDLE)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None or snap.site is None:
            return SchedResult(
                0, message("harvester", ("comment", "no wms/batch/site info"), ("in", n), ("ret", 0))
            )
        if snap.site.status == "offline":
            return SchedResult(0, message("harvester", ("comment", "offline"), ("in", n), ("ret", 0)))
        queued, running, activated = snap.batch.pending, snap.batch.running, snap.wms.ready
        limit = self.queue_limit
        if self.ratio is not None:
            limit = max(min(limit, running * self.ratio // 100), self.ratio_min)
        if queued >= limit or queued + running >= self.max_workers:
            return SchedResult(
                0,
                message(
                    "harvester", ("comment", "at limit"), ("queued", queued), ("limit", limit), ("ret", 0)
                ),
            )
        wanted = int(activated * self.factor)
        wanted = max(wanted, 0 if self.no_pilots_idle else 1)
        target = min(limit, wanted)
        out = max(target - queued, 0)
        out = min(out, self.max_workers - (queued + running))
        if self.per_cycle > 0:
            out = min(out, self.per_cycle)
        out = min(out, self.submitter_max)
        return SchedResult(
            out,
            message(
                "harvester",
                ("in", n),
                ("activated", activated),
                ("queued", queued),
                ("running", running),
                ("limit", limit),
                ("target", target),
                ("ret", out),
            ),
        )

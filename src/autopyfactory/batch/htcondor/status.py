"""Batch status plugin ``Condor``: pilot counts per APF queue from one schedd query per cycle.

Every queue whose pilots live in the same schedd shares one instance (``instance_key`` is the schedd
location), so a cycle makes one ``Schedd.query`` (plus one incremental ``Schedd.history``) per schedd
however many queues use it. Pilots are attributed by ``MATCH_APF_QUEUE``; ``JobStatus`` becomes APF's
buckets through ``mappings.conf`` ``CONDORBATCHSTATUS-JOBSTATUS2INFO`` (held counts as the mapping
says, 2.4's default: pending; 6 is transferring output: running). The view also carries the lives
of the queue's pilots (submitted, started, ended) in the queue and in the history window, which the
factory hands to sched plugins that learn from them (``leadtime``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

from autopyfactory.batch.htcondor.history import HistoryTracker
from autopyfactory.batch.htcondor.jobs import QUEUE_ATTR, STATUS_PROJECTION, JobAd
from autopyfactory.batch.htcondor.location import BATCHSTATUS_LOCATION
from autopyfactory.batch.htcondor.schedd import handle
from autopyfactory.config.keys import NONNEG_FLOAT, Key
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo, BatchView, FinishedPilot
from autopyfactory.model.history import PilotTimes
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import BatchStatusPlugin

# HTCondor JobStatus to APF's buckets: 2.4's mappings.conf (plus 7, suspended; mappings.conf may override)
JOBSTATUS2INFO = {
    "0": "pending",
    "1": "pending",
    "2": "running",
    "3": "done",
    "4": "done",
    "5": "pending",
    "6": "running",
    "7": "suspended",
}
MAPPING = MappingSpec.batch(
    "CONDORBATCHSTATUS-JOBSTATUS2INFO", defaults=JOBSTATUS2INFO, states=[str(s) for s in range(8)]
)
# sections 2.4's mappings.conf shipped for HTCondor that nothing reads (a 2.4 mappings.conf that
# sets them is not mistaken for a typo)
UNREAD_24 = {
    "NATIVECONDORBATCHSTATUS": {
        "0": "unexpanded",
        "1": "idle",
        "2": "running",
        "3": "removed",
        "4": "completed",
        "5": "held",
        "6": "transferring_output",
        "7": "suspended",
    },
    "CONDORBATCHSTATUS-GLOBUSSTATUS2INFO": {
        "1": "pending",
        "2": "running",
        "4": "done",
        "8": "done",
        "16": "suspended",
        "32": "pending",
        "64": "pending",
        "128": "running",
    },
    "CONDOREC2BATCHSTATUS-JOBSTATUS2INFO": {
        "0": "pending",
        "1": "pending",
        "2": "running",
        "3": "done",
        "4": "done",
        "5": "pending",
        "6": "running",
        "7": "suspended",
    },
}
SLEEP = Key("batchstatus.condor.sleep", NONNEG_FLOAT, 150, "2.4 poll interval; unused (one poll per cycle)")
MAXAGE = Key("batchstatus.condor.maxage", NONNEG_FLOAT, 360, "schedd data older than this counts as missing")
HISTORY_WINDOW = Key(
    "batchstatus.condor.historywindow",
    NONNEG_FLOAT,
    3600,
    "pilots that finished within this many seconds count as done (0: no history query)",
)


class CondorBatchStatus(BatchStatusPlugin):
    """Batch status plugin ``Condor``: this factory's pilots per queue from one schedd query (and its
    history for the pilots that ended), mapped through ``CONDORBATCHSTATUS-JOBSTATUS2INFO``. Every
    HTCondor flavour's pilots are counted here."""

    name = "Condor"
    mapping = MAPPING
    unread_mappings = UNREAD_24
    keys = BATCHSTATUS_LOCATION.all()
    factory_keys = (SLEEP, MAXAGE, HISTORY_WINDOW)

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return BATCHSTATUS_LOCATION.location(queue)

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        self.location = BATCHSTATUS_LOCATION.location(queue)
        self._maxage = ctx.factory.get(MAXAGE)
        window = ctx.factory.get(HISTORY_WINDOW)
        self.history = HistoryTracker(window) if window > 0 else None
        self._lock = threading.Lock()
        self._raw: dict[str, dict[int, int]] = {}
        self.clock = time.time

    def maxage(self) -> float:
        return self._maxage

    def raw_counts(self) -> dict[str, dict[int, int]]:
        """JobStatus counts per queue at the last poll (queue and recent history), for queue-status."""
        with self._lock:
            return {q: dict(c) for q, c in self._raw.items()}

    def poll(self) -> BatchView:
        h = handle(self.location)
        now = self.clock()
        ads = h.call("query", lambda s: s.query(f"{QUEUE_ATTR} =!= undefined", list(STATUS_PROJECTION)))
        jobs = [j for j in (JobAd.from_ad(a) for a in ads) if j is not None]
        in_queue = {j.job_id for j in jobs}
        finished = (
            [j for j in self.history.update(h, now) if j.job_id not in in_queue] if self.history else []
        )
        raw: dict[str, dict[int, int]] = {}
        for j in (*jobs, *finished):
            c = raw.setdefault(j.queue, {})
            c[j.status] = c.get(j.status, 0) + 1
        with self._lock:
            self._raw = raw
        mapped = self.ctx.mappings.map_each(
            MAPPING, {q: {str(s): n for s, n in c.items()} for q, c in raw.items()}
        )
        queues = {q: BatchQueueInfo.from_counts(c) for q, c in mapped.counts.items()}
        ended: dict[str, list[FinishedPilot]] = {}
        for j in finished:
            if j.started > 0:
                ended.setdefault(j.queue, []).append(FinishedPilot(j.started, j.wallclock))
        lives: dict[str, list[PilotTimes]] = {}
        for j in (*jobs, *finished):
            lives.setdefault(j.queue, []).append(j.lives())
        return BatchView(
            "Condor",
            now,
            queues,
            {q: tuple(v) for q, v in ended.items()},
            {q: tuple(sorted(v, key=lambda p: p.submitted_at)) for q, v in lives.items()},
            mapped.incomplete,
            mapped.uncounted,
        )

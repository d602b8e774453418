"""The things the simulated world is made of: jobs, pilots, sites, WMS queues and the APF queues'
pilot books. Plain mutable records with slots: the event loop touches them millions of times."""

from __future__ import annotations

import math
import random
from collections import OrderedDict, deque
from statistics import NormalDist

from autopyfactory.model.batch import FinishedPilot
from autopyfactory.model.history import PilotTimes
from autopyfactory.sim.scenario import SiteSpec

# pilot states
PENDING = 0  # submitted, its start latency not over yet
WAITSLOT = 1  # latency over, the site has no free slot
NEVER = 2  # will never start (removed after pilot.pending_limit)
IDLE = 3  # running, asking for a job
BUSY = 4  # running a job
DYING = 5  # started at a black hole, dies within seconds
DONE = 6
REMOVED = 7  # removed before it started (stuck, or retired)
KILLED = 8  # removed while running (retired)

NORMAL = NormalDist()

WAITING_STATES = (PENDING, WAITSLOT, NEVER)
RUNNING_STATES = (IDLE, BUSY, DYING)


class Job:
    """A simulated job: its WMS queue, arrival (None until an avalanche releases it), duration, the task
    it scouts for, and when it started and ended."""

    __slots__ = ("arrival", "duration", "end", "jid", "start", "task", "wmsqueue")

    def __init__(
        self, jid: int, wmsqueue: str, arrival: float | None, duration: float, task: int = -1
    ) -> None:
        self.jid = jid
        self.wmsqueue = wmsqueue
        self.arrival = arrival  # None: an avalanche job not released yet
        self.duration = duration
        self.task = task  # the task whose scout this is (-1: not a scout)
        self.start: float | None = None
        self.end: float | None = None


class Pilot:
    """A simulated pilot: where and when it was submitted, its state, the job it runs and the jobs it ran,
    and its idle time."""

    __slots__ = (
        "blackhole",
        "book",
        "deadline",
        "ended",
        "idle_since",
        "idle_time",
        "job",
        "jobs",
        "pid",
        "ready_at",
        "site",
        "started",
        "state",
        "submitted",
        "times",
        "tries",
        "wms",
    )

    def __init__(self, pid: str, book: QueueBook, site: SiteState, wms: WMSQueueState, now: float) -> None:
        self.pid = pid
        self.book = book
        self.site = site
        self.wms = wms
        self.submitted = now
        self.ready_at = math.inf  # when its start latency is over (inf: it never starts)
        self.started: float | None = None
        self.ended: float | None = None
        self.state = PENDING
        self.jobs = 0
        self.job: Job | None = None
        self.tries = 0
        self.deadline = 0.0
        self.idle_since = 0.0
        self.idle_time = 0.0
        self.blackhole = False
        self.times = PilotTimes(now)

    def refresh_times(self) -> None:
        """What a batch system can report about it (whether it ran a payload, it cannot tell)."""
        self.times = PilotTimes(self.submitted, self.started, self.ended)


class SiteState:
    """A site as it is now (events change it) with its pilots waiting for a slot."""

    __slots__ = (
        "latency_median",
        "latency_mu",
        "latency_sigma",
        "name",
        "never_start",
        "next_draw",
        "rng_start",
        "rng_submit",
        "running",
        "slots",
        "start_failure",
        "waiting",
        "walltime",
    )

    def __init__(self, spec: SiteSpec, seed: int) -> None:
        self.name = spec.name
        self.slots = spec.slots
        self.latency_median = spec.latency_median
        self.latency_mu = math.log(max(spec.latency_median, 1e-3))
        self.latency_sigma = spec.latency_sigma
        self.never_start = spec.never_start
        self.start_failure = spec.start_failure
        self.walltime = spec.walltime
        self.running = 0
        self.waiting: deque[Pilot] = deque()
        # separate streams, so a pilot's latency does not depend on how many pilots started elsewhere
        self.rng_submit = random.Random(f"{seed}:submit:{spec.name}")
        self.rng_start = random.Random(f"{seed}:start:{spec.name}")
        self.next_draw: tuple[float, float] | None = None

    def peek(self) -> tuple[bool, float]:
        """The fate of the next pilot submitted here: (never starts, start latency), without
        submitting it (the clairvoyant lower bound looks ahead). Both draws are made for every
        pilot, so the n-th pilot of a site gets the same numbers whoever sent it."""
        if self.next_draw is None:
            self.next_draw = (self.rng_submit.random(), self.rng_submit.random())
        u_never, u_latency = self.next_draw
        return u_never < self.never_start, self._latency(u_latency)

    def draw(self) -> tuple[bool, float]:
        """The next pilot's fate, consumed."""
        got = self.peek()
        self.next_draw = None
        return got

    def _latency(self, u: float) -> float:
        """The lognormal latency at quantile ``u`` (a site's median and sigma may change at events,
        so the quantile is drawn and the latency computed when it is used)."""
        z = NORMAL.inv_cdf(min(max(u, 1e-12), 1.0 - 1e-12))
        return math.exp(self.latency_mu + self.latency_sigma * z)

    def set(self, field: str, value: float | int | str) -> None:
        if field == "slots":
            self.slots = int(value)
        elif field == "latency_median":
            self.latency_median = float(value)
            self.latency_mu = math.log(max(float(value), 1e-3))
        elif field == "latency_sigma":
            self.latency_sigma = float(value)
        elif field == "never_start":
            self.never_start = float(value)
        elif field == "start_failure":
            self.start_failure = float(value)
        elif field == "walltime":
            self.walltime = float(value)
        else:
            raise KeyError(field)


class WMSQueueState:
    """A WMS queue: activated jobs (FIFO), jobs held while it does not take new work, and counters."""

    __slots__ = (
        "blackhole_pilots",
        "busy",
        "empty_pilots",
        "held",
        "idle",
        "idle_seconds",
        "jobs",
        "name",
        "pending_live",
        "pilots_killed",
        "pilots_removed",
        "pilots_started",
        "pilots_submitted",
        "queue",
        "status",
    )

    def __init__(self, name: str, status: str) -> None:
        self.name = name
        self.status = status
        self.queue: deque[Job] = deque()
        self.held: list[Job] = []
        self.jobs: list[Job] = []  # every job that arrived here
        self.busy = 0  # pilots running a job of this queue
        self.idle = 0  # pilots running, asking for a job
        self.pending_live = 0  # pilots pending that will start
        self.pilots_submitted = 0
        self.pilots_started = 0
        self.pilots_removed = 0  # removed by the factory before they started (withdrawn, retired)
        self.pilots_killed = 0  # removed by the factory while running (retired)
        self.empty_pilots = 0
        self.blackhole_pilots = 0
        self.idle_seconds = 0.0

    @property
    def dispatches(self) -> bool:
        """Pilots get jobs (PanDA dispatches to online, test and brokeroff sites, not offline)."""
        return self.status != "offline"

    @property
    def accepts(self) -> bool:
        """New jobs are activated here (brokerage assigns work only to online sites)."""
        return self.status == "online"

    def take(self, remaining: float) -> Job | None:
        """The oldest activated job that fits in ``remaining`` seconds of walltime."""
        q = self.queue
        if not q:
            return None
        head = q[0]
        if head.duration <= remaining:
            return q.popleft()
        for i in range(1, min(len(q), 64)):
            j = q[i]
            if j.duration <= remaining:
                del q[i]
                return j
        return None


class QueueBook:
    """One APF queue's pilots, as its batch system would list them."""

    __slots__ = ("cluster", "finished", "name", "pending", "recent", "running", "site", "wms")

    # pending: pilots not started (submission order); running: pilots started and not ended

    def __init__(self, name: str, site: SiteState, wms: WMSQueueState) -> None:
        self.name = name
        self.site = site
        self.wms = wms
        self.pending: dict[str, Pilot] = {}
        self.running: dict[str, Pilot] = {}
        # pilots that started or ended lately, the one touched last at the end (with when)
        self.recent: OrderedDict[str, tuple[float, Pilot]] = OrderedDict()
        self.finished: deque[tuple[float, FinishedPilot]] = deque()
        self.cluster = 0

    def touch(self, p: Pilot, now: float) -> None:
        """``p`` started or ended now."""
        self.recent.pop(p.pid, None)
        self.recent[p.pid] = (now, p)

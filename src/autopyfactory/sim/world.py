"""The simulated world and its discrete-event loop in virtual time.

Jobs arrive at WMS queues; pilots submitted to sites wait a lognormal start latency, then for a free
slot, then ask their WMS queue for a job like the PanDA pilot (``getjob_tries`` requests
``getjob_delay`` apart; after a job, again while walltime remains) and leave. Scenario events change
sites and WMS queues. The WMS recomputes the job counts the factory reads every ``wms_refresh``.

Whoever provisions pilots drives the loop: the engine's own factory (sim/engine_driver.py) runs its
cycle whenever a queue is due; the clairvoyant lower bound (sim/oracle.py) reacts to every change at once.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from autopyfactory.model.batch import FinishedPilot
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo
from autopyfactory.sim.entities import (
    BUSY,
    DONE,
    DYING,
    IDLE,
    KILLED,
    NEVER,
    PENDING,
    REMOVED,
    WAITSLOT,
    Job,
    Pilot,
    QueueBook,
    SiteState,
    WMSQueueState,
)
from autopyfactory.sim.scenario import EventSpec, Scenario
from autopyfactory.sim.timeline import Timeline
from autopyfactory.sim.workload import Workload

READY, GETJOB, JOBEND, DIE, EXPIRE, REFRESH, EVENT, SAMPLE = range(8)
FINISHED_WINDOW = 7200.0  # finished pilots the batch status lists (Throttle looks back 1 h)


class CycleDriver(Protocol):
    """Who decides in the world's time: when it next wants to act, and acting then."""

    def next_due(self) -> float: ...

    def run_cycle(self, now: float) -> None: ...


class DemandListener(Protocol):
    """Told at once whenever a WMS queue may need pilots, and asked before a pilot starts (the
    clairvoyant provisioner)."""

    def on_demand(self, world: World, wms: WMSQueueState) -> None: ...

    def admit(self, world: World, pilot: Pilot) -> bool:
        """False: withdraw the pilot instead of starting it (it would find no job)."""
        ...


class World:
    """The simulated world (sites, WMS queues, the queues' pilot books) and its discrete-event loop in
    virtual time."""

    def __init__(self, scenario: Scenario, workload: Workload, sample_every: float | None = None) -> None:
        sim = scenario.simulation
        self.scenario = scenario
        self.pilot = scenario.pilot
        self.now = 0.0
        self.end = sim.duration
        self.sites = {s.name: SiteState(s, sim.seed) for s in scenario.sites}
        self.wms = {w.name: WMSQueueState(w.name, w.status) for w in scenario.wmsqueues}
        self.books: dict[str, QueueBook] = {}
        self.arrivals = workload.jobs
        self.tasks = workload.tasks
        self.unreleased = workload.unreleased
        self.jobs_total = workload.total
        self._ai = 0
        self._heap: list[tuple[float, int, int, object]] = []
        self._seq = itertools.count()
        self.listener: DemandListener | None = None
        self.pilots: list[Pilot] = []
        self.tables: deque[tuple[float, dict[str, tuple[WMSQueueInfo, SiteInfo]]]] = deque(maxlen=64)
        self.timeline = Timeline()
        self.sample_every = sample_every or min(sim.cycle, 600.0)
        self.jobs_done = 0
        # handlers by event kind; each event's object is what its kind carries (a pilot, an event, None)
        self._handlers: list[Callable[[Any], None]] = [
            self._on_ready,
            self._on_getjob,
            self._on_jobend,
            self._on_die,
            self._on_expire,
            self._on_refresh,
            self._on_event,
            self._on_sample,
        ]
        self._push(0.0, REFRESH, None)
        self._push(0.0, SAMPLE, None)
        for e in scenario.events:
            self._push(e.at, EVENT, e)

    # -- the loop --------------------------------------------------------------------------------
    def _push(self, t: float, kind: int, obj: object) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), kind, obj))

    def advance(self, until: float) -> None:
        """Process every arrival and event at or before ``until``; the clock ends at ``until``."""
        heap, arrivals, handlers = self._heap, self.arrivals, self._handlers
        n = len(arrivals)
        ai = self._ai
        inf = math.inf
        while True:
            ta: float = arrivals[ai].arrival or 0.0 if ai < n else inf
            th = heap[0][0] if heap else inf
            if ta <= th:
                if ta > until:
                    break
                self.now = ta
                self._ai = ai = ai + 1
                self._arrive(arrivals[ai - 1])
            else:
                if th > until:
                    break
                t, _, kind, obj = heapq.heappop(heap)
                self.now = t
                handlers[kind](obj)
        self.now = max(self.now, until)

    def run(self, driver: CycleDriver | None) -> None:
        """Run to the end of the scenario: events, and the driver's cycles when they are due."""
        while True:
            due = driver.next_due() if driver is not None else math.inf
            if due >= self.end:
                break
            self.advance(due)
            assert driver is not None
            driver.run_cycle(self.now)
        self.advance(self.end)
        self.now = self.end
        self._on_sample(None, reschedule=False)

    @property
    def not_arrived(self) -> int:
        """Jobs of the workload whose arrival time has not come yet."""
        return len(self.arrivals) - self._ai

    # -- jobs --------------------------------------------------------------------------------------
    def _arrive(self, job: Job) -> None:
        w = self.wms[job.wmsqueue]
        w.jobs.append(job)
        if w.accepts:
            w.queue.append(job)
            if self.listener is not None:
                self.listener.on_demand(self, w)
        else:
            w.held.append(job)

    def _release_held(self, w: WMSQueueState) -> None:
        if w.held and w.accepts:
            w.queue.extend(w.held)
            w.held.clear()

    def _job_done(self, job: Job) -> None:
        self.jobs_done += 1
        if job.task >= 0:
            task = self.tasks[job.task]
            task.scouts_left -= 1
            if task.scouts_left == 0 and task.avalanche:
                for j in task.avalanche:
                    j.arrival = self.now
                    self.unreleased -= 1
                    self._arrive(j)
                task.avalanche = []

    # -- pilots ------------------------------------------------------------------------------------
    def register_queue(self, name: str, site: str, wmsqueue: str) -> QueueBook:
        """The pilot book of APF queue ``name`` (created once; later calls return it)."""
        book = self.books.get(name)
        if book is None:
            book = self.books[name] = QueueBook(name, self.sites[site], self.wms[wmsqueue])
        return book

    def submit(self, book: QueueBook, n: int) -> list[Pilot]:
        now, site, w = self.now, book.site, book.wms
        book.cluster += 1
        out: list[Pilot] = []
        for proc in range(n):
            p = Pilot(f"{book.cluster}.{proc}", book, site, w, now)
            book.pending[p.pid] = p
            w.pilots_submitted += 1
            never, latency = site.draw()
            if never:
                p.state = NEVER
            else:
                w.pending_live += 1
                p.ready_at = now + latency
                self._push(p.ready_at, READY, p)
            self._push(now + self.pilot.pending_limit, EXPIRE, p)
            self.pilots.append(p)
            out.append(p)
        return out

    def withdraw(self, book: QueueBook, pids: list[str]) -> list[str]:
        """Remove those pilots that have not started (a running one is left alone); the ids
        removed."""
        done: list[str] = []
        for pid in pids:
            p = book.pending.get(pid)
            if p is not None and p.state in (PENDING, WAITSLOT, NEVER):
                p.wms.pilots_removed += 1
                self._drop_waiting(p)
                done.append(pid)
        return done

    def remove(self, book: QueueBook, pids: list[str]) -> list[str]:
        """Remove pilots (retirement): waiting ones go away, running ones are killed and their job
        goes back to the head of its queue. Returns the ids removed."""
        done: list[str] = []
        for pid in pids:
            p = book.pending.get(pid) or book.running.get(pid)
            if p is None:
                continue
            if p.state in (PENDING, WAITSLOT, NEVER):
                p.wms.pilots_removed += 1
                self._drop_waiting(p)
            else:
                p.wms.pilots_killed += 1
                job = p.job
                if job is not None:
                    job.start = None
                    p.wms.queue.appendleft(job)
                    p.wms.busy -= 1
                    p.job = None
                self._end(p, KILLED)
            done.append(pid)
        return done

    def _drop_waiting(self, p: Pilot) -> None:
        if p.state != NEVER:
            p.wms.pending_live -= 1
        p.state = REMOVED
        p.ended = self.now
        p.book.pending.pop(p.pid, None)
        p.refresh_times()
        if self.listener is not None:
            self.listener.on_demand(self, p.wms)

    def _on_ready(self, p: Pilot) -> None:
        if p.state != PENDING:
            return
        site = p.site
        if site.running < site.slots:
            if self.listener is not None and not self.listener.admit(self, p):
                p.wms.pilots_removed += 1
                self._drop_waiting(p)
                return
            self._start(p)
        else:
            p.state = WAITSLOT
            site.waiting.append(p)

    def _start(self, p: Pilot) -> None:
        now, site, book, w = self.now, p.site, p.book, p.wms
        site.running += 1
        del book.pending[p.pid]
        book.running[p.pid] = p
        w.pending_live -= 1
        w.pilots_started += 1
        p.started = now
        p.deadline = now + site.walltime
        p.idle_since = now
        rng = site.rng_start
        fails = rng.random() < site.start_failure
        life = rng.uniform(1.0, self.pilot.blackhole_lifetime)
        if fails:
            p.state = DYING
            p.blackhole = True
            self._push(now + life, DIE, p)
        else:
            p.state = IDLE
            w.idle += 1
            p.tries = self.pilot.getjob_tries
            self._push(now + self.pilot.setup, GETJOB, p)
        p.refresh_times()
        book.touch(p, now)

    def _on_getjob(self, p: Pilot) -> None:
        if p.state != IDLE:
            return
        now, w = self.now, p.wms
        job = w.take(p.deadline - now) if w.dispatches else None
        if job is not None:
            p.state = BUSY
            p.job = job
            p.idle_time += now - p.idle_since
            w.idle -= 1
            w.busy += 1
            job.start = now
            self._push(now + job.duration, JOBEND, p)
            return
        p.tries -= 1
        if p.tries > 0:
            self._push(now + self.pilot.getjob_delay, GETJOB, p)
        else:
            self._end(p, DONE)

    def _on_jobend(self, p: Pilot) -> None:
        if p.state != BUSY or p.job is None:
            return
        job = p.job
        job.end = self.now
        p.job = None
        p.jobs += 1
        p.state = IDLE
        p.idle_since = self.now
        p.tries = self.pilot.getjob_tries
        p.wms.busy -= 1
        p.wms.idle += 1
        self._job_done(job)
        self._on_getjob(p)  # the pilot asks for its next job at once

    def _on_die(self, p: Pilot) -> None:
        if p.state == DYING:
            self._end(p, DONE)

    def _end(self, p: Pilot, state: int) -> None:
        now, site, book, w = self.now, p.site, p.book, p.wms
        if p.state == IDLE:
            p.idle_time += now - p.idle_since
            w.idle -= 1
        w.idle_seconds += p.idle_time
        if p.blackhole:
            w.blackhole_pilots += 1
        elif p.jobs == 0:
            w.empty_pilots += 1
        p.state = state
        p.ended = now
        p.refresh_times()
        book.running.pop(p.pid, None)
        book.touch(p, now)
        assert p.started is not None
        book.finished.append((now, FinishedPilot(p.started, now - p.started)))
        site.running -= 1
        self._fill_slots(site)
        if self.listener is not None:
            self.listener.on_demand(self, w)

    def _fill_slots(self, site: SiteState) -> None:
        while site.waiting and site.running < site.slots:
            nxt = site.waiting.popleft()
            if nxt.state != WAITSLOT:
                continue
            if self.listener is not None and not self.listener.admit(self, nxt):
                nxt.wms.pilots_removed += 1
                self._drop_waiting(nxt)
                continue
            self._start(nxt)

    def _on_expire(self, p: Pilot) -> None:
        if p.state in (PENDING, WAITSLOT, NEVER):
            self._drop_waiting(p)

    # -- the WMS's view and scenario events -------------------------------------------------------
    def _on_refresh(self, _: object = None) -> None:
        table = {
            name: (WMSQueueInfo(notready=len(w.held), ready=len(w.queue), running=w.busy), SiteInfo(w.status))
            for name, w in self.wms.items()
        }
        self.tables.append((self.now, table))
        self._push(self.now + self.scenario.simulation.wms_refresh, REFRESH, None)

    def table_at(self, t: float) -> tuple[float, dict[str, tuple[WMSQueueInfo, SiteInfo]]] | None:
        """The WMS's job counts as last recomputed at or before ``t``."""
        for at, table in reversed(self.tables):
            if at <= t:
                return at, table
        return None

    def _on_event(self, e: EventSpec) -> None:
        if e.site is not None:
            site = self.sites[e.site]
            for f, v in e.changes:
                site.set(f, v)
            self._fill_slots(site)
            if self.listener is not None:
                for w in self.wms.values():
                    self.listener.on_demand(self, w)
        if e.wmsqueue is not None:
            w = self.wms[e.wmsqueue]
            for f, v in e.changes:
                if f == "status":
                    w.status = str(v)
            self._release_held(w)
            if self.listener is not None:
                self.listener.on_demand(self, w)

    def _on_sample(self, _: object = None, reschedule: bool = True) -> None:
        self.timeline.sample(self)
        if reschedule:
            self._push(self.now + self.sample_every, SAMPLE, None)


__all__ = ["CycleDriver", "DemandListener", "World"]

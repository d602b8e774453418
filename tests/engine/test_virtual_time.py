"""The real cycle in virtual time: a factory on a ManualClock with inline executors runs a simulated
day of 6-minute cycles through its own code (status hub, freshness rules, sched chain, safety cap,
actions, decision lines), with status and submit plugins registered in a Registry like any other,
without one thread or one real sleep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.clock import ManualClock
from autopyfactory.engine.cycle import QueueViews
from autopyfactory.engine.daemon import Daemon
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.outcome import ActionKind
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.model.batch import BatchQueueInfo, BatchView
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BatchStatusPlugin, WMSStatusPlugin
from autopyfactory.plugins.submit import BatchSubmitPlugin

HOUR = 3600.0
CYCLE = 360.0
START_LATENCY = 600.0  # a pilot starts 10 minutes after its submission
JOB_SECONDS = HOUR
ARRIVALS_PER_HOUR = 12  # per WMS queue, for the first ARRIVAL_HOURS hours
ARRIVAL_HOURS = 18
QUEUES = ("Q0", "Q1", "Q2")


@dataclass
class Pilot:
    submitted_at: float
    job_ends_at: float | None = None  # None: pending (or ended empty, see ``gone``)
    gone: bool = False


@dataclass
class SimWorld:
    """Jobs arrive on a schedule; a pilot starts START_LATENCY after its submission, takes a queued
    job if there is one (or ends at once: an empty pilot) and ends with its job. The world is
    brought up to the clock's time whenever a plugin looks at it."""

    clock: ManualClock
    start: float
    queued: dict[str, int] = field(default_factory=dict)
    arrived: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    pilots: dict[str, list[Pilot]] = field(default_factory=dict)
    empty_pilots: int = 0
    submitted: int = 0

    def settle(self) -> None:
        now = self.clock.time()
        hours = min(ARRIVAL_HOURS * HOUR, now - self.start)
        for q in QUEUES:
            site = f"SITE{q[1:]}"
            due = int(hours / HOUR * ARRIVALS_PER_HOUR)
            new = due - self.arrived.get(site, 0)
            self.arrived[site] = due
            self.queued[site] = self.queued.get(site, 0) + new
            for p in sorted(self.pilots.get(q, []), key=lambda p: p.submitted_at):
                if p.gone:
                    continue
                if p.job_ends_at is None and now >= p.submitted_at + START_LATENCY:
                    if self.queued[site] > 0:
                        self.queued[site] -= 1
                        p.job_ends_at = p.submitted_at + START_LATENCY + JOB_SECONDS
                    else:
                        p.gone = True
                        self.empty_pilots += 1
                if p.job_ends_at is not None and now >= p.job_ends_at:
                    p.gone = True
                    self.done[site] = self.done.get(site, 0) + 1

    def batch_counts(self, queue: str) -> BatchQueueInfo:
        live = [p for p in self.pilots.get(queue, []) if not p.gone]
        return BatchQueueInfo(
            pending=sum(p.job_ends_at is None for p in live),
            running=sum(p.job_ends_at is not None for p in live),
        )


def sim_registry(world: SimWorld) -> Registry:
    """Status and submit plugins bound to ``world``, registered like any other plugin."""

    class SimWMS(WMSStatusPlugin):
        name = "SimWMS"

        def poll(self) -> WMSView:
            world.settle()
            queues = {site: WMSQueueInfo(ready=n) for site, n in world.queued.items()}
            return WMSView("SimWMS", world.clock.time(), queues, {s: SiteInfo("online") for s in queues})

    class SimBatch(BatchStatusPlugin):
        name = "SimBatch"

        @classmethod
        def instance_key(cls, queue: ConfigSection) -> Hashable:
            return "sim"

        def poll(self) -> BatchView:
            world.settle()
            return BatchView("SimBatch", world.clock.time(), {q: world.batch_counts(q) for q in QUEUES})

    class SimSubmit(BatchSubmitPlugin):
        name = "SimSubmit"

        def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
            super().__init__(ctx, queue)

        def submit(self, n: int) -> list[PilotRecord]:
            now = world.clock.time()
            mine = world.pilots.setdefault(self.apfqname, [])
            out = []
            for _ in range(n):
                mine.append(Pilot(now))
                world.submitted += 1
                out.append(PilotRecord(f"{world.submitted}.0", self.apfqname, now))
            return out

    reg = Registry()
    for category, cls in (("wmsstatus", SimWMS), ("batchstatus", SimBatch), ("batchsubmit", SimSubmit)):
        reg.register(category, cls.name, cls)
    return reg


QUEUES_CONF = """
[DEFAULT]
wmsstatusplugin = SimWMS
batchstatusplugin = SimBatch
batchsubmitplugin = SimSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 20
apfqueue.sleep = 360
"""


def queues_conf(extra: dict[str, str] | None = None) -> str:
    return QUEUES_CONF + "".join(
        f"\n[{q}]\nwmsqueue = SITE{q[1:]}\n{(extra or {}).get(q, '')}" for q in QUEUES
    )


@pytest.fixture
def sim(conf_tree) -> tuple[Path, SimWorld]:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queues_conf()})
    clock = ManualClock()
    return etc, SimWorld(clock, clock.time())


def virtual_factory(etc: Path, world: SimWorld, **options: object) -> Factory:
    return Factory(
        RunOptions(conf=str(etc), services=False, **options),  # type: ignore[arg-type]
        sim_registry(world),
        clock=world.clock,
        executors=Executors.inline(),
    )


def test_a_simulated_day_of_cycles_runs_through_the_real_cycle_without_threads(sim, caplog) -> None:  # type: ignore[no-untyped-def]
    etc, world = sim
    threads_before = set(threading.enumerate())
    f = virtual_factory(etc, world)
    cycles = int(24 * HOUR / CYCLE)
    reports = []
    with caplog.at_level(logging.INFO, logger="autopyfactory.factory"):
        for _ in range(cycles):
            reports.append(f.run_cycle())
            world.clock.advance(CYCLE)
    assert set(threading.enumerate()) == threads_before  # every poll, action and call ran inline
    assert [r.number for r in reports] == list(range(1, cycles + 1))
    # every queue took part in every cycle, each time on fresh data, and its action ended in it
    for r in reports:
        assert sorted(o.queue for o in r.outcomes) == list(QUEUES)
        assert all(o.kind in (ActionKind.NONE, ActionKind.SUBMIT) and not o.reason for o in r.outcomes), [
            o.action for o in r.outcomes
        ]
    first = {o.queue: o for o in reports[0].outcomes}
    assert first["Q0"].action == "none"  # no job has arrived yet
    second = {o.queue: o for o in reports[int(HOUR / CYCLE)].outcomes}  # one hour in: 12 jobs queued
    assert second["Q0"].snapshot is not None and second["Q0"].snapshot.activated is not None
    # the world drained: every job that arrived ran, with one pilot per job and no empty pilot
    world.settle()
    total = ARRIVALS_PER_HOUR * ARRIVAL_HOURS
    assert world.arrived == {f"SITE{i}": total for i in range(3)}
    assert world.done == world.arrived and world.queued == {f"SITE{i}": 0 for i in range(3)}
    assert world.submitted == 3 * total and world.empty_pilots == 0
    # and the decision lines were logged as in production, with the chain of messages
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("queue=Q0 ")]
    assert len(lines) == cycles
    assert any("action='submitted 1'" in line and 'chain="Ready:in=0,activated=1,' in line for line in lines)


def test_stale_data_in_virtual_time_is_judged_by_the_virtual_clock(sim) -> None:  # type: ignore[no-untyped-def]
    etc, world = sim
    (etc / "queues.conf").write_text(queues_conf({"Q0": "wmsstatus.maxage = 60\n"}))
    f = virtual_factory(etc, world)
    original = f.hub.get(f.queues["Q0"].wms_key)  # type: ignore[arg-type]
    assert original is not None
    poll = original.poll  # type: ignore[attr-defined]

    def late_poll() -> WMSView:
        view: WMSView = poll()
        return WMSView(view.source, view.taken_at - 120, view.queues, view.sites)  # two virtual minutes old

    original.poll = late_poll  # type: ignore[attr-defined]
    by = {o.queue: o for o in f.run_cycle().outcomes}
    assert by["Q0"].action == "none (wms data 120s old > maxage 60s)"
    assert by["Q1"].reason == ""  # its maxage is the default 360 s


def test_the_daemon_loop_runs_in_virtual_time(sim) -> None:  # type: ignore[no-untyped-def]
    etc, world = sim
    f = virtual_factory(etc, world, cycles=240)
    start = world.clock.time()
    assert Daemon(f).run() == 0
    assert f.cycles_done == 240
    # it slept between cycles on the factory's clock: exactly apfqueue.sleep each time
    assert world.clock.time() - start == 239 * CYCLE
    assert world.done == world.arrived


def test_a_snapshot_hook_gives_the_chain_what_it_adds(sim) -> None:  # type: ignore[no-untyped-def]
    etc, world = sim
    f = virtual_factory(etc, world)
    seen: list[tuple[str, float | None]] = []

    def no_jobs_for_q1(queue: QueueRuntime, snap: QueueSnapshot, views: QueueViews) -> QueueSnapshot:
        seen.append((queue.name, views.batch.taken_at if views.batch is not None else None))
        if queue.name != "Q1":
            return snap
        from dataclasses import replace

        return replace(snap, wms=WMSQueueInfo())

    f.cycle.snapshot_hooks.append(no_jobs_for_q1)
    world.clock.advance(HOUR)
    by = {o.queue: o for o in f.run_cycle().outcomes}
    assert by["Q0"].submitted == 12 and by["Q1"].submitted == 0 and by["Q1"].action == "none"
    assert sorted(seen) == [(q, world.clock.time()) for q in QUEUES]


def test_the_manual_clock_moves_only_when_told_and_waits_by_moving() -> None:
    clock = ManualClock(1000.0)
    event = threading.Event()
    assert (clock.time(), clock.monotonic()) == (1000.0, 0.0)
    assert clock.wait(event, 30) is False and clock.time() == 1030.0
    event.set()
    assert clock.wait(event, 30) is True and clock.time() == 1030.0  # set already: no time passes
    clock.advance_to(2000.0)
    assert clock.monotonic() == 1000.0
    with pytest.raises(ValueError, match="does not go back"):
        clock.advance_to(1999.0)

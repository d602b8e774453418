"""The world's mechanics: pilots behave like the PanDA pilot, sites start them as the scenario says,
WMS statuses and events act, runs are deterministic for a seed, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autopyfactory.sim.conservation import conservation_problems
from autopyfactory.sim.entities import BUSY, DONE, NEVER, REMOVED, Job
from autopyfactory.sim.oracle import Clairvoyant
from autopyfactory.sim.runner import BUILTIN_POLICIES, run_lower_bound, run_policy
from autopyfactory.sim.scenario import (
    DurationDist,
    PilotSpec,
    Scenario,
    SimulationSpec,
    SiteSpec,
    StreamSpec,
    WMSQueueSpec,
)
from autopyfactory.sim.workload import Workload, build_workload
from autopyfactory.sim.world import World
from tests.sim.helpers import small


def bare(
    *,
    slots: int = 10,
    latency: float = 60.0,
    sigma: float = 0.0,
    never: float = 0.0,
    failure: float = 0.0,
    walltime: float = 172800.0,
    per_hour: float = 0.0,
    duration: float = 600.0,
    hours: float = 2.0,
    pilot: PilotSpec | None = None,
) -> Scenario:
    streams = (StreamSpec("W", "steady", DurationDist(duration), per_hour=per_hour),) if per_hour else ()
    return Scenario(
        Path("bare.toml"),
        "bare",
        SimulationSpec(duration=hours * 3600, seed=5, cycle=360, wms_refresh=120),
        (SiteSpec("S", slots, latency, sigma, never, failure, walltime),),
        (WMSQueueSpec("W", ("S",)),),
        pilot or PilotSpec(),
        streams=streams,
    )


def test_an_empty_pilot_asks_getjob_tries_times_then_leaves() -> None:
    s = bare(pilot=PilotSpec(getjob_tries=3, getjob_delay=60, setup=30))
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    (p,) = w.submit(book, 1)
    w.advance(3600)
    assert p.state == DONE and p.jobs == 0
    assert p.started == pytest.approx(60.0)
    assert p.ended is not None and p.started is not None
    assert p.ended - p.started == pytest.approx(30 + 2 * 60)  # setup, then 3 asks 60 s apart
    assert w.wms["W"].empty_pilots == 1
    assert conservation_problems(w) == []


def test_a_pilot_takes_jobs_while_its_walltime_lasts() -> None:
    s = bare(walltime=2000.0, duration=600.0, latency=1.0)
    jobs = [Job(i, "W", 0.0, 600.0) for i in range(5)]
    w = World(s, Workload(jobs, {}, 0))
    book = w.register_queue("S", "S", "W")
    (p,) = w.submit(book, 1)
    w.advance(7200)
    # starts at 1 s, first ask at 31 s; 600 s jobs fit three times into 2000 s of walltime
    assert p.jobs == 3 and p.state == DONE
    assert [j.start is not None for j in jobs] == [True, True, True, False, False]
    assert conservation_problems(w) == []


def test_a_full_site_starts_a_pilot_only_when_a_slot_frees() -> None:
    s = bare(slots=2, latency=10.0)
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    pilots = w.submit(book, 3)
    w.advance(20)
    assert sum(1 for p in pilots if p.started is not None) == 2
    assert len(book.pending) == 1
    w.advance(3600)  # the two empty ones leave after ~90 s; the third starts then
    third = pilots[2]
    assert third.started is not None and third.started >= min(p.ended or 0 for p in pilots[:2])


def test_black_hole_pilots_die_within_seconds_and_never_take_work() -> None:
    s = bare(failure=1.0, per_hour=60)
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    ps = w.submit(book, 20)
    w.advance(3600)
    assert all(p.blackhole and p.jobs == 0 for p in ps)
    assert all(
        p.ended is not None and p.started is not None and p.ended - p.started <= s.pilot.blackhole_lifetime
        for p in ps
    )
    assert w.wms["W"].blackhole_pilots == 20 and w.wms["W"].empty_pilots == 0


def test_pilots_that_never_start_are_removed_after_the_pending_limit() -> None:
    s = bare(never=1.0, pilot=PilotSpec(pending_limit=1800))
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    ps = w.submit(book, 4)
    w.advance(1000)
    assert all(p.state == NEVER for p in ps) and len(book.pending) == 4
    w.advance(2000)
    assert all(p.state == REMOVED for p in ps) and not book.pending
    assert conservation_problems(w) == []


def test_retiring_removes_pending_pilots_and_requeues_a_killed_pilots_job() -> None:
    s = bare(latency=1.0, per_hour=600, duration=3000.0)
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    running = w.submit(book, 1)[0]
    w.advance(400)
    assert running.state == BUSY
    job = running.job
    book.site.set("latency_median", 10_000.0)
    waiting = w.submit(book, 2)
    removed = w.remove(book, [running.pid, waiting[0].pid, "nope"])
    assert removed == [running.pid, waiting[0].pid]
    assert job is not None and job.start is None and w.wms["W"].queue[0] is job
    assert waiting[0].state == REMOVED and waiting[1].pid in book.pending
    assert conservation_problems(w) == []


def test_wms_status_holds_and_stops_work(tmp_path: Path) -> None:
    s = small(tmp_path)
    w = World(s, build_workload(s))
    w.advance(1.2 * 3600)  # brokeroff since 1 h: new PANDA_A jobs are held, not activated
    q = w.wms["PANDA_A"]
    assert q.status == "brokeroff" and q.held and not any(j in q.queue for j in q.held)
    w.advance(1.7 * 3600)
    assert q.status == "offline" and not q.dispatches
    w.advance(2.1 * 3600)
    assert q.status == "online" and not q.held  # released in arrival order
    assert conservation_problems(w) == []


def test_the_wms_counts_are_as_stale_as_its_refresh(tmp_path: Path) -> None:
    s = small(tmp_path)
    w = World(s, build_workload(s))
    w.advance(1000)
    at, table = w.table_at(1000) or (None, {})
    assert at == 960.0  # refreshed every 2 min
    assert table["PANDA_A"][0].ready + table["PANDA_A"][0].notready <= len(w.wms["PANDA_A"].jobs)


def test_an_avalanche_follows_its_scouts(tmp_path: Path) -> None:
    s = small(tmp_path)
    w = World(s, build_workload(s))
    task = next(iter(w.tasks.values()))
    jobs = list(task.avalanche)
    Clairvoyant(w)
    w.run(None)
    scouts = [j for j in w.wms["ANALY_C"].jobs if j.task == task.tid]
    assert len(scouts) == 5 and all(j.end is not None for j in scouts)
    released = min(j.arrival for j in jobs if j.arrival is not None)
    assert released == max(j.end for j in scouts if j.end is not None)
    assert conservation_problems(w) == []


@pytest.mark.parametrize("policy", [*BUILTIN_POLICIES, "Ready,MaxPending"])
def test_every_policy_run_conserves_jobs_and_pilots(tmp_path: Path, policy: str) -> None:
    r = run_policy(small(tmp_path), policy)
    assert r.conservation == [] and r.notes == []
    assert r.metrics.total.jobs > 200 and r.decisions > 0


def test_runs_are_deterministic_for_a_seed(tmp_path: Path) -> None:
    s = small(tmp_path)
    a, b = run_policy(s, "harvester"), run_policy(s, "harvester")
    assert a.metrics == b.metrics and a.timeline == b.timeline
    c = run_policy(s.with_seed(11), "harvester")
    assert c.metrics != a.metrics
    assert run_lower_bound(s).metrics == run_lower_bound(s).metrics


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    slots=st.integers(0, 40),
    latency=st.floats(1, 3600),
    sigma=st.floats(0, 1.5),
    never=st.floats(0, 0.5),
    failure=st.floats(0, 1),
    walltime=st.floats(600, 86400),
    per_hour=st.floats(0, 200),
    duration=st.floats(60, 20000),
    tries=st.integers(1, 3),
)
def test_nothing_is_lost_whatever_the_world(
    slots: int,
    latency: float,
    sigma: float,
    never: float,
    failure: float,
    walltime: float,
    per_hour: float,
    duration: float,
    tries: int,
) -> None:
    s = bare(
        slots=slots,
        latency=latency,
        sigma=sigma,
        never=never,
        failure=failure,
        walltime=walltime,
        per_hour=per_hour,
        duration=duration,
        hours=3,
        pilot=PilotSpec(getjob_tries=tries, pending_limit=5000),
    )
    for run in (run_policy(s, "leadtime"), run_policy(s, "Ready"), run_lower_bound(s)):
        assert run.conservation == []
        t = run.metrics.total
        assert t.jobs_started <= t.jobs and t.empty_pilots + t.blackhole_pilots <= t.pilots_submitted

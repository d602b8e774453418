"""What the results mean: the empty share cannot be lowered by removing pending pilots or by sending
pilots into a black hole; jobs still waiting count as waits at least as long as they have been;
the clairvoyant bound sends no pilot that finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.sim.conservation import conservation_problems
from autopyfactory.sim.entities import Job
from autopyfactory.sim.metrics import measure, wait_quantile
from autopyfactory.sim.oracle import Clairvoyant
from autopyfactory.sim.runner import run_lower_bound
from autopyfactory.sim.scenario import PilotSpec, Scenario, SimulationSpec, SiteSpec, WMSQueueSpec
from autopyfactory.sim.workload import Workload, build_workload
from autopyfactory.sim.world import World
from tests.sim.helpers import small


def bare(failure: float = 0.0, never: float = 0.0) -> Scenario:
    return Scenario(
        Path("m.toml"),
        "m",
        SimulationSpec(duration=7200, seed=2, cycle=360, wms_refresh=120),
        (SiteSpec("S", 50, 60.0, 0.0, never, failure),),
        (WMSQueueSpec("W", ("S",)),),
        PilotSpec(),
    )


def test_empty_share_is_over_pilots_that_started_and_could_look_for_work() -> None:
    s = bare()
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    w.submit(book, 4)  # no job anywhere: all four leave empty
    w.advance(10)
    removed = w.submit(book, 40)  # 40 more, removed before they start
    assert w.withdraw(book, [p.pid for p in removed]) == [p.pid for p in removed]
    w.advance(3600)
    m = measure(w)
    assert m.total.pilots_submitted == 44 and m.total.empty_pilots == 4
    assert m.total.empty_share == 1.0  # removing pending pilots does not dilute it
    assert m.fates.pilots_started == 4 and m.fates.pilots_removed_pending == 40
    assert conservation_problems(w) == []


def test_black_hole_pilots_are_not_counted_as_pilots_that_looked_for_work() -> None:
    s = bare(failure=1.0)
    w = World(s, build_workload(s))
    book = w.register_queue("S", "S", "W")
    w.submit(book, 10)
    w.advance(3600)
    m = measure(w).total
    assert m.blackhole_pilots == 10 and m.empty_pilots == 0 and m.empty_share == 0.0


def test_job_waits_are_right_censored_for_jobs_still_waiting() -> None:
    # 4 jobs started after 10 s; 6 still waiting after 100 s: the median is at least 100 s
    waits = sorted([(10.0, True)] * 4 + [(100.0, False)] * 6)
    assert wait_quantile(waits, 0.5) == 100.0
    # the same 6 jobs waiting for only 5 s: they say little, the median is the 10 s of those started
    early = sorted([(10.0, True)] * 4 + [(5.0, False)] * 6)
    assert wait_quantile(early, 0.5) == 10.0
    assert wait_quantile(sorted([(float(i), True) for i in range(1, 101)]), 0.5) == 50.0
    assert wait_quantile([], 0.5) == 0.0


def test_a_job_never_started_counts_with_the_wait_it_has_had() -> None:
    s = bare()
    jobs = [Job(i, "W", 0.0, 600.0) for i in range(3)]
    w = World(s, Workload(jobs, {}, 0))
    w.advance(7200)
    m = measure(w).total
    assert m.jobs == 3 and m.jobs_started == 0 and m.wait_p50_s == m.wait_max_s == 7200.0
    assert measure(w).fates.jobs_waiting_at_end == 3


def test_the_lower_bound_pays_latency_but_sends_no_pilot_that_finds_nothing(tmp_path: Path) -> None:
    r = run_lower_bound(small(tmp_path))
    assert r.conservation == []
    t = r.metrics.total
    assert t.empty_pilots == 0 and t.jobs_started > 0.9 * t.jobs
    assert r.metrics.fates.pilots_removed_pending > 0  # never-starters and pilots whose job was taken


def test_the_lower_bound_removes_pilots_that_will_never_start() -> None:
    s = bare(never=1.0)
    jobs = [Job(i, "W", 0.0, 600.0) for i in range(5)]
    w = World(s, Workload(jobs, {}, 0))
    Clairvoyant(w)
    w.advance(60)  # each job gets a pilot: every one of them would never start, and is removed
    assert w.wms["W"].pilots_submitted > 0 and not w.books["S"].pending
    assert w.wms["W"].pilots_removed == w.wms["W"].pilots_submitted


@pytest.mark.parametrize("seed", [1, 2])
def test_the_sites_pilots_draw_the_same_fates_whoever_sends_them(seed: int) -> None:
    s = bare(never=0.3).with_seed(seed)
    a = World(s, build_workload(s))
    b = World(s, build_workload(s))
    ba, bb = a.register_queue("S", "S", "W"), b.register_queue("S", "S", "W")
    peeked = [a.sites["S"].peek() for _ in range(3)]
    assert len(set(peeked)) == 1  # peeking does not consume
    pa = a.submit(ba, 5)
    pb = [b.submit(bb, 1)[0] for _ in range(5)]
    assert [(p.state, p.ready_at) for p in pa] == [(p.state, p.ready_at) for p in pb]

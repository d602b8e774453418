"""The default policy's rules, each from the inputs it names; and that it stays a pure function."""

from __future__ import annotations

from dataclasses import replace

from autopyfactory.model.batch import BatchQueueInfo
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.history import CycleSample, PilotTimes, QueueHistory, SiblingQueue, WMSQueueShare
from autopyfactory.model.snapshot import QueueSnapshot
from tests.sched.helpers import plugin, snap

NOW = 100_000.0


def lt(s: QueueSnapshot, **keys: object) -> SchedResult:
    return plugin("leadtime", None, **{"apfqueue__sleep": 360, **keys}).calc(0, s)


def with_history(s: QueueSnapshot, **h: object) -> QueueSnapshot:
    return replace(s, history=QueueHistory(**h))  # type: ignore[arg-type]


def found(n: int, started: float = NOW - 1800, wait: float = 300.0) -> tuple[PilotTimes, ...]:
    """Pilots that started at ``started`` after ``wait`` and are still running (they found work)."""
    return tuple(PilotTimes(started - wait, started) for _ in range(n))


def pending(s: QueueSnapshot, n: int, running: int = 0) -> QueueSnapshot:
    return replace(s, batch=BatchQueueInfo(pending=n, running=running))


def test_needs_data_and_follows_site_status() -> None:
    assert lt(snap(activated=None, now=NOW)).n == 0
    off = lt(pending(snap(activated=50, status="offline", now=NOW), 7))
    assert (off.n, off.withdraw) == (0, 7) and "comment=site offline" in off.message
    assert lt(snap(activated=50, pending=0, status="test", now=NOW)).n == 1
    test = lt(pending(snap(activated=50, status="test", now=NOW), 4))
    assert (test.n, test.withdraw) == (0, 3)  # one pilot is kept pending, the others withdrawn


def test_first_contact_is_capped_by_the_ramp() -> None:
    r = lt(snap(activated=500, pending=0, now=NOW))
    assert r.n == 100 and "room=100" in r.message and r.withdraw == 0
    assert lt(snap(activated=500, pending=0, now=NOW), sched__leadtime__initial=200).n == 200
    assert lt(snap(activated=20, pending=5, now=NOW)).n == 15


def test_black_hole_probing_withdraws_all_but_one() -> None:
    died = tuple(PilotTimes(NOW - 900, NOW - 600 + i, NOW - 595 + i) for i in range(4))
    s = with_history(snap(activated=300, pending=0, now=NOW), pilots=died)
    r = lt(s)
    assert r.n == 1 and "black hole" in r.message and "died=4" in r.message
    r2 = lt(pending(s, 5))
    assert (r2.n, r2.withdraw) == (0, 4)
    lived = (*died, PilotTimes(NOW - 700, NOW - 400, NOW - 100))  # the last one ran 300 s: over
    assert lt(with_history(snap(activated=30, pending=0, now=NOW), pilots=lived)).n > 1


def test_counts_are_corrected_for_pilots_that_started_since_they_were_taken() -> None:
    # the WMS counts were taken at NOW - 200 (and are 120 s older still): 4 pilots started since
    started = tuple(PilotTimes(NOW - 600, NOW - 250 + 10 * i) for i in range(4))
    s = with_history(snap(activated=10, pending=0, now=NOW), pilots=started, wms_taken_at=NOW - 200)
    r = lt(s, sched__leadtime__emptywallclock=1e6, sched__leadtime__forecast=False)
    assert "started_since=4" in r.message and r.n == 6


def test_only_demand_that_persists_gets_pilots() -> None:
    # 30 jobs now, but only 8 a cycle ago: the running pilots took the others before a new pilot
    # could start; the smaller corrected count is the demand
    samples = (CycleSample(NOW - 360, 8, 0, 50, 0),)
    s = with_history(snap(activated=30, pending=0, running=50, now=NOW), samples=samples, wms_taken_at=NOW)
    r = lt(s, sched__leadtime__forecast=False)
    assert "demand=8" in r.message and r.n == 8


def test_jobs_no_running_pilot_can_take_persist_at_once() -> None:
    # 30 jobs came within a cycle to a queue with 10 running pilots: at most 10 can be taken by them
    samples = (CycleSample(NOW - 360, 0, 0, 10, 0),)
    s = with_history(snap(activated=30, pending=0, running=10, now=NOW), samples=samples, wms_taken_at=NOW)
    r = lt(s, sched__leadtime__forecast=False)
    assert "demand=20" in r.message and r.n == 20
    idle = with_history(snap(activated=7, pending=0, now=NOW), samples=(CycleSample(NOW - 360, 0, 0, 0, 0),))
    assert lt(idle, sched__leadtime__forecast=False).n == 7  # nobody runs: every new job persists


def test_one_empty_pilot_among_a_few_is_not_read_as_a_high_share() -> None:
    busy = found(14)
    one_empty = (*busy, PilotTimes(NOW - 1500, NOW - 1200, NOW - 1100))  # 1 of 15: the point share is 6.7%
    s = with_history(snap(activated=10, pending=0, now=NOW), pilots=one_empty, wms_taken_at=NOW)
    r = lt(s, sched__leadtime__forecast=False)
    assert "empty=0.026" in r.message and r.n == 9  # trust 0.93 of the 10 jobs
    many = (*found(140), *(PilotTimes(NOW - 1500, NOW - 1200 + i, NOW - 1100 + i) for i in range(10)))
    r2 = lt(
        with_history(snap(activated=10, pending=0, now=NOW), pilots=many, wms_taken_at=NOW),
        sched__leadtime__forecast=False,
    )
    assert "empty=0.049" in r2.message and r2.n < r.n  # 10 of 150: read as about 5%


def test_the_forecast_covers_the_lead_time_and_backs_off_on_empty_pilots() -> None:
    # 60 pilots found work over the last hour (1/min) after a 30-minute wait: lead 1800 s, of which
    # the 1080 s beyond two 6-minute cycles are covered -> 18 pilots
    busy = tuple(PilotTimes(NOW - 3000 + 50 * i - 1800, NOW - 3000 + 50 * i) for i in range(60))
    s = with_history(snap(activated=0, pending=0, now=NOW), pilots=busy, wms_pilots=busy, wms_taken_at=NOW)
    r = lt(s)
    assert "lead=1800" in r.message and "forecast=18.0" in r.message and r.n == 18
    # a site that starts pilots within two cycles: the next decisions still cover those jobs in time
    quick = tuple(PilotTimes(p.submitted_at + 1500, p.started_at) for p in busy)
    rq = lt(
        with_history(snap(activated=0, pending=0, now=NOW), pilots=quick, wms_pilots=quick, wms_taken_at=NOW)
    )
    assert "lead=300" in rq.message and "forecast=0.0" in rq.message and rq.n == 0
    empties = tuple(
        PilotTimes(NOW - 2000 + 60 * i - 1800, NOW - 2000 + 60 * i, NOW - 1900 + 60 * i) for i in range(20)
    )
    s2 = with_history(
        snap(activated=0, pending=0, now=NOW), pilots=(*busy, *empties), wms_pilots=busy, wms_taken_at=NOW
    )
    r2 = lt(s2)
    # 20 of 75 empty: the Wilson lower end of that share is 0.219, far above the 2% target
    assert r2.n == 0 and "empty=0.219" in r2.message and "forecast=0.0" in r2.message


def test_a_forecast_gets_pilots_only_for_whole_jobs_a_waiting_job_always_gets_one() -> None:
    # 10 pilots found work in 3300 s after a 1000 s wait: 280 s beyond two 6-minute cycles at that
    # rate is 0.85 of a job forecast: no pilot for it
    slow = tuple(PilotTimes(NOW - 360 * i - 1000, NOW - 360 * i) for i in range(1, 11))
    s = with_history(snap(activated=0, pending=0, now=NOW), pilots=slow, wms_pilots=slow, wms_taken_at=NOW)
    r = lt(s)
    assert "forecast=0.8" in r.message and r.n == 0
    # one job seen waiting that no pilot on the way covers: it gets its pilot (1.85 rounds to 2)
    s1 = with_history(snap(activated=1, pending=0, now=NOW), pilots=slow, wms_pilots=slow, wms_taken_at=NOW)
    assert lt(s1).n == 2


def test_surplus_pending_pilots_are_withdrawn_and_only_those() -> None:
    # the queue emptied: 12 pilots pending for nothing are withdrawn (newest first, by the engine)
    busy = found(30)
    s = with_history(pending(snap(activated=0, now=NOW), 12, running=30), pilots=busy, wms_taken_at=NOW)
    r = lt(s, sched__leadtime__forecast=False)
    assert (r.n, r.withdraw) == (0, 12)
    assert lt(s, sched__leadtime__forecast=False, sched__leadtime__withdraw=False).withdraw == 0
    # with 5 jobs still waiting, 5 are kept
    s5 = with_history(pending(snap(activated=5, now=NOW), 12, running=30), pilots=busy, wms_taken_at=NOW)
    assert lt(s5, sched__leadtime__forecast=False).withdraw == 7


def test_a_saturated_site_keeps_one_probe_and_its_other_pending_ones_are_withdrawn() -> None:
    started_once = found(20, started=NOW - 20_000, wait=100)  # lead time 100 s
    stuck = tuple(PilotTimes(NOW - 3000 + 10 * i) for i in range(10))  # pending 2500-3000 s
    level = tuple(CycleSample(NOW - 360 * k, 400, 10, 300, 0) for k in range(5, 0, -1))
    s = with_history(
        pending(snap(activated=400, now=NOW), 10, running=300), pilots=(*started_once, *stuck), samples=level
    )
    r = lt(s)
    assert (r.n, r.withdraw) == (0, 9) and "site not starting pilots" in r.message
    # with none pending it sends the probe
    empty = with_history(
        pending(snap(activated=400, now=NOW), 0, running=300), pilots=(*started_once, *stuck), samples=level
    )
    assert lt(empty).n == 1 and "site not starting pilots" in lt(empty).message
    # the probe (the newest pilot that had its time) started: the verdict ends
    probe = PilotTimes(NOW - 900, NOW - 100)
    ended = with_history(
        pending(snap(activated=400, now=NOW), 0, running=300),
        pilots=(*started_once, *stuck, probe),
        samples=level,
    )
    assert "site not starting pilots" not in lt(ended).message
    # running pilots left (slots freed): the site is not saturated any more
    freed = replace(s, batch=BatchQueueInfo(pending=10, running=200))
    assert "site not starting pilots" not in lt(freed).message


def test_a_long_tailed_site_is_not_read_as_saturated() -> None:
    """Pilots given three median waits to start: the median is the Kaplan-Meier one (pilots still
    pending, or withdrawn, count as waits at least that long), not the median of the quick ones
    that started; at a site with a long tail (lognormal sigma 1.5, median 20 min) most of the
    pilots submitted 20-40 min ago have not started, and the site is not full."""
    level = tuple(CycleSample(NOW - 360 * k, 40, 30, 800, 0) for k in range(5, 0, -1))
    pilots: list[PilotTimes] = []
    waits = (60, 180, 400, 700, 1200, 1200, 1800, 2600, 4000, 7000)  # about that distribution
    for k in range(12):  # a batch of 10 every 6 minutes over the last 72 minutes
        sub = NOW - 360 * (k + 1)
        for w in waits:
            start = sub + w
            pilots.append(PilotTimes(sub, start) if start <= NOW else PilotTimes(sub))
    withdrawn = tuple(PilotTimes(NOW - 8000 - i, None, NOW - 3000) for i in range(20))  # waited 5000 s
    s = with_history(
        pending(snap(activated=40, now=NOW), sum(p.started_at is None for p in pilots), running=800),
        pilots=(*pilots, *withdrawn),
        samples=level,
    )
    r = lt(s)
    assert "site not starting pilots" not in r.message
    lead = int(r.message.split("lead=")[1].split(",")[0])
    assert lead >= 1200  # the median wait, not that of the quick ones


def test_stuck_pending_pilots_are_withdrawn_and_not_counted() -> None:
    ok = found(20, wait=300)  # lead time 300 s: stuck after max(1 h, 5 x 300 s) = 1 h
    stuck = tuple(PilotTimes(NOW - 5000) for _ in range(3))
    s = with_history(
        pending(snap(activated=10, now=NOW), 3, running=20), pilots=(*ok, *stuck), wms_taken_at=NOW
    )
    r = lt(s, sched__leadtime__forecast=False)
    assert "stuck=3" in r.message and "pending=0" in r.message and r.n == 10


def test_sibling_queues_share_by_their_lead_times() -> None:
    fast = found(10, wait=120)
    slow = found(10, wait=1200)
    members = (SiblingQueue("Q", 0, 10, fast), SiblingQueue("SLOW", 0, 10, slow))
    h = {
        "pilots": fast,
        "wms_pilots": (*fast, *slow),
        "share": WMSQueueShare(2, 0, 20, members),
        "wms_taken_at": NOW,
    }
    r = lt(
        with_history(snap(activated=110, pending=0, running=10, now=NOW), **h),
        sched__leadtime__forecast=False,
    )
    assert "part=0.91" in r.message and r.n == 100  # 1/120 over 1/120 + 1/1200, cut by the ramp
    # a saturated sibling gets nothing: the whole shortfall goes to the queue that starts pilots
    waiting = tuple(PilotTimes(NOW - 3000 + 10 * i) for i in range(10))  # 30 typical waits old
    sat = SiblingQueue("SLOW", 10, 10, (*found(10, started=NOW - 15_000, wait=100), *waiting))
    h2 = {**h, "share": WMSQueueShare(2, 10, 20, (members[0], sat))}
    r2 = lt(
        with_history(snap(activated=50, pending=0, running=10, now=NOW), **h2),
        sched__leadtime__forecast=False,
    )
    assert "part=1.0" in r2.message and "pending=0" in r2.message and r2.n == 50


def test_pure_same_inputs_same_answer() -> None:
    busy = found(20)
    s = with_history(
        snap(activated=40, pending=3, now=NOW), pilots=busy, wms_pilots=busy, wms_taken_at=NOW - 60
    )
    p = plugin("leadtime", None, apfqueue__sleep=360)
    assert p.calc(0, s) == p.calc(0, s) == plugin("leadtime", None, apfqueue__sleep=360).calc(0, s)

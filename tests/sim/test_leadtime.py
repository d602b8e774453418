"""The new default policy's rules, each from the inputs it names; and that it stays a pure function."""

from __future__ import annotations

from dataclasses import replace

from autopyfactory.model.history import CycleSample, PilotTimes, QueueHistory, WMSQueueShare
from autopyfactory.model.snapshot import QueueSnapshot
from tests.sched.helpers import plugin, snap

NOW = 100_000.0


def lt(s: QueueSnapshot, **keys: object) -> tuple[int, str]:
    r = plugin("leadtime", None, **{"apfqueue__sleep": 360, **keys}).calc(0, s)
    return r.n, r.message


def with_history(s: QueueSnapshot, **h: object) -> QueueSnapshot:
    return replace(s, history=QueueHistory(**h))  # type: ignore[arg-type]


def found(n: int, started: float = NOW - 1800, wait: float = 300.0) -> tuple[PilotTimes, ...]:
    """Pilots that started at ``started`` after ``wait`` and are still running (they found work)."""
    return tuple(PilotTimes(started - wait, started) for _ in range(n))


def test_needs_data_and_follows_site_status() -> None:
    assert lt(snap(activated=None, now=NOW))[0] == 0
    n, msg = lt(snap(activated=50, pending=0, status="offline", now=NOW))
    assert n == 0 and "comment=site offline" in msg
    assert lt(snap(activated=50, pending=0, status="test", now=NOW))[0] == 1
    assert lt(snap(activated=50, pending=1, status="test", now=NOW))[0] == 0


def test_first_contact_is_capped_by_the_ramp() -> None:
    n, msg = lt(snap(activated=500, pending=0, now=NOW))
    assert n == 100 and "room=100" in msg
    assert lt(snap(activated=500, pending=0, now=NOW), sched__leadtime__initial=200)[0] == 200
    assert lt(snap(activated=20, pending=5, now=NOW))[0] == 15


def test_black_hole_probing() -> None:
    died = tuple(PilotTimes(NOW - 900, NOW - 600 + i, NOW - 595 + i) for i in range(4))
    s = with_history(snap(activated=300, pending=0, now=NOW), pilots=died)
    n, msg = lt(s)
    assert n == 1 and "black hole" in msg and "died=4" in msg
    assert lt(replace(s, batch=replace(s.batch, pending=1)))[0] == 0  # type: ignore[type-var]
    lived = (*died, PilotTimes(NOW - 700, NOW - 400, NOW - 100))  # the last one ran 300 s: over
    assert lt(with_history(snap(activated=30, pending=0, now=NOW), pilots=lived))[0] > 1


def test_counts_are_corrected_for_pilots_that_started_since_they_were_taken() -> None:
    # the WMS counts were taken at NOW - 200 (and are 120 s older still): 4 pilots started since
    started = tuple(PilotTimes(NOW - 600, NOW - 250 + 10 * i) for i in range(4))
    s = with_history(snap(activated=10, pending=0, now=NOW), pilots=started, wms_taken_at=NOW - 200)
    n, msg = lt(s, sched__leadtime__emptywallclock=1e6)
    assert "started_since=4" in msg and n == 6


def test_the_factorys_queues_on_one_wms_queue_share_the_shortfall() -> None:
    mine = found(3)
    theirs = found(1)
    h = {"pilots": mine, "wms_pilots": (*mine, *theirs), "share": WMSQueueShare(queues=2, pending=4)}
    n, msg = lt(with_history(snap(activated=20, pending=2, now=NOW), **h), sched__leadtime__window=1e9)
    assert "part=0.67" in msg  # (3 + 1) / (4 + 2)
    # no forecast counted in here: rate_h counts the WMS queue's pilots that found work
    assert "pending=4" in msg and n >= round((20 - 4) * 4 / 6)


def test_a_site_that_does_not_start_pilots_gets_no_more() -> None:
    started_once = found(5, started=NOW - 20_000, wait=100)
    stuck = tuple(PilotTimes(NOW - 3000 + 10 * i) for i in range(10))
    s = with_history(snap(activated=400, pending=10, running=5, now=NOW), pilots=(*started_once, *stuck))
    n, msg = lt(s)
    assert n == 0 and "site not starting pilots" in msg


def test_a_forecast_covers_the_lead_time_and_backs_off_on_empty_pilots() -> None:
    # 60 pilots found work over the last hour: 1/min; lead time 5 min
    busy = tuple(PilotTimes(NOW - 3000 + 50 * i - 300, NOW - 3000 + 50 * i) for i in range(60))
    s = with_history(snap(activated=0, pending=0, now=NOW), pilots=busy, wms_pilots=busy, wms_taken_at=NOW)
    n, msg = lt(s)
    # horizon: half a cycle (180 s) + age of the count (0 + 120 s lag) + lead (300 s) = 600 s: 10 pilots
    assert "horizon=600" in msg and n == 10
    empties = tuple(
        PilotTimes(NOW - 2000 + 60 * i - 300, NOW - 2000 + 60 * i, NOW - 1900 + 60 * i) for i in range(20)
    )
    s2 = with_history(
        snap(activated=0, pending=0, now=NOW), pilots=(*busy, *empties), wms_pilots=busy, wms_taken_at=NOW
    )
    n2, msg2 = lt(s2)
    assert (
        n2 == 0 and "empty=0.267" in msg2 and "forecast=0.0" in msg2
    )  # a quarter found nothing: no forecast


def test_growth_of_the_queue_is_anticipated_only_online() -> None:
    rising = tuple(CycleSample(NOW - 360 * k, 10 + 36 * (10 - k), 0, 0, 0) for k in range(10, 0, -1))
    s = with_history(snap(activated=370, pending=100, now=NOW), samples=rising, wms_taken_at=NOW)
    n = lt(s, sched__leadtime__initial=1000)[0]
    assert n > 270  # 270 short now, and the queue grows by 6 per minute
    assert lt(replace(s, site=replace(s.site, status="brokeroff")), sched__leadtime__initial=1000)[0] == 270  # type: ignore[type-var]


def test_pure_same_inputs_same_answer() -> None:
    busy = found(20)
    s = with_history(
        snap(activated=40, pending=3, now=NOW), pilots=busy, wms_pilots=busy, wms_taken_at=NOW - 60
    )
    p = plugin("leadtime", None, apfqueue__sleep=360)
    assert p.calc(0, s) == p.calc(0, s) == plugin("leadtime", None, apfqueue__sleep=360).calc(0, s)

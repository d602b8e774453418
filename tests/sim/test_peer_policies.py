"""The peer policies' rules, number by number, at their documented defaults."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.chain import build_chain
from autopyfactory.model.history import QueueHistory, WMSQueueShare
from autopyfactory.model.wms import WMSQueueInfo
from autopyfactory.sched.chain import decide
from tests.sched.helpers import plugin, snap


def n(name: str, s, **keys) -> int:  # type: ignore[no-untyped-def]
    return plugin(name, None, **keys).calc(0, s).n


def test_apf24_is_the_24_chain_with_its_example_values() -> None:
    r = plugin("apf24").calc(0, snap(activated=83, pending=10, running=5))
    # Ready 73, Scale ceil(73 * 0.5) = 37, MaxPerCycle 50, MaxPending min(37, 100 - 10)
    assert r.n == 37
    assert r.message.split(";")[0] == "Ready:in=0,activated=83,offset=0,pending=10,ret=73"
    assert (
        "Scale:in=73,factor=0.5,ret=37" in r.message
        and "MaxPerCycle:in=37,maxpercycle=50,ret=37" in r.message
    )
    assert n("apf24", snap(activated=400, pending=0)) == 50
    assert n("apf24", snap(activated=400, pending=95)) == 5
    assert n("apf24", snap(activated=10, status="test")) == 1
    assert n("apf24", snap(activated=10, status="offline")) == 0
    # the queue's own value wins over the example one
    assert (
        n("apf24", snap(activated=400, pending=0), sched__scale__factor=1.0, sched__maxpercycle__maximum=500)
        == 400
    )


def test_apf24_equals_the_explicit_chain() -> None:
    explicit = ConfigSection.from_dict(
        "Q",
        {
            "schedplugin": "Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending",
            "sched.scale.factor": "0.5",
            "sched.maxpercycle.maximum": "50",
            "sched.minpercycle.minimum": "0",
            "sched.statustest.pilots": "1",
            "sched.statusoffline.pilots": "0",
            "sched.maxpending.maximum": "100",
        },
    )
    factory = ConfigSection.from_dict("Factory", {})
    chain = build_chain(explicit, factory)
    for a, p, st in [
        (0, 0, "online"),
        (83, 10, "online"),
        (500, 120, "online"),
        (7, 3, "test"),
        (9, 0, "offline"),
    ]:
        s = snap(activated=a, pending=p, status=st)
        assert plugin("apf24").calc(0, s).n == decide(chain, s).n


def test_harvester_pull_mode() -> None:
    # target queued workers = activated, at least 1; the queue limit is max(min(1000, 40% of running), 100)
    assert n("harvester", snap(activated=0, pending=0)) == 1
    assert n("harvester", snap(activated=0, pending=0), sched__harvester__nopilotswhennoactivejobs=True) == 0
    assert n("harvester", snap(activated=30, pending=10)) == 20
    assert n("harvester", snap(activated=500, pending=0)) == 50  # maxNewWorkersPerCycle
    assert n("harvester", snap(activated=500, pending=90, running=100)) == 10  # limit 100 (the floor)
    assert n("harvester", snap(activated=5000, pending=300, running=1000)) == 50  # limit 400
    assert n("harvester", snap(activated=5000, pending=400, running=1000)) == 0  # at the limit
    assert n("harvester", snap(activated=50, pending=0, status="offline")) == 0
    assert n("harvester", snap(activated=50, pending=0), sched__harvester__maxworkers=20) == 20
    assert n("harvester", snap(activated=50, pending=0), sched__harvester__activateworkerfactor=0.5) == 25


def test_glideinwms_frontend_and_factory() -> None:
    # effective idle 100 (no idle slot) -> int(100 / 3) + min(100 // 3, 5) = 38 requested idle
    assert n("glideinwms", snap(activated=100, pending=10)) == 28  # the factory adds 38 - 10
    assert n("glideinwms", snap(activated=1000, pending=0)) == 100  # max idle 100, then max_per_cycle
    assert n("glideinwms", snap(activated=2, pending=0)) == 1  # the floor of one
    assert n("glideinwms", snap(activated=0, pending=0)) == 0
    assert n("glideinwms", snap(activated=100, pending=0, running=10_000)) == 0  # max running
    assert n("glideinwms", snap(activated=100, pending=0, status="offline")) == 0
    # idle jobs are split among the entries (queues) that serve the WMS queue
    s = snap(activated=300, pending=0)
    shared = replace(s, history=QueueHistory(share=WMSQueueShare(3, 0, 0)))
    assert n("glideinwms", shared) == 38  # prop 100: int(100 / 3) + 5
    # 10 slots running 4 jobs: 6 idle slots are subtracted from the idle jobs, and five or more
    # halve the request: int(294 / 3) + 5 = 103, max idle 100, halved
    busy4 = replace(
        snap(activated=300, pending=0, running=10),
        wms=WMSQueueInfo(ready=300, running=4),
        history=QueueHistory(share=WMSQueueShare(1, 0, 10)),
    )
    r = plugin("glideinwms").calc(0, busy4)
    assert r.n == 50 and "idle_slots=6" in r.message and "running_jobs=4" in r.message


def test_keda_accurate_strategy() -> None:
    assert n("keda", snap(activated=30, pending=5, running=10)) == 25  # maxScale 30 - pending 5
    assert n("keda", snap(activated=300, pending=5, running=10)) == 85  # 100 - (5 + 10)
    assert n("keda", snap(activated=300, pending=50, running=60)) == 0  # over the maximum
    assert n("keda", snap(activated=30, pending=0), sched__keda__targetaveragevalue=4) == 8


@pytest.mark.parametrize(
    ("wms_running", "pending", "running", "out", "withdraw"),
    [
        (0, 0, 0, 360, 0),  # no running drone: fitness 1 (undefined is good): demand + 1/s x 360 s
        (80, 0, 100, 360 - 100 + 100, 0),  # 80% allocated: demand 100 + 360, minus the 100 there
        (80, 50, 100, 360, 0),  # booting drones are not in the fitness; they count in the demand
        (10, 0, 100, 0, 0),  # 10% used: demand 100 - 360 -> 1; running drones are not removed
        (10, 20, 100, 0, 20),  # supply over demand: the booting drones are withdrawn
    ],
)
def test_cobald_linear_controller(
    wms_running: int, pending: int, running: int, out: int, withdraw: int
) -> None:
    s = replace(snap(activated=0, pending=pending, running=running), wms=WMSQueueInfo(running=wms_running))
    r = plugin("cobald", None).calc(0, s)
    assert (r.n, r.withdraw) == (out, withdraw)


def test_cobald_withdrawal_reaches_the_engine_as_a_withdraw_decision() -> None:
    from autopyfactory.sched.chain import decide

    s = replace(snap(activated=0, pending=20, running=100), wms=WMSQueueInfo(running=10))
    d = decide([plugin("cobald", None)], s)
    assert d.n == 0 and d.withdraw == 20
    # a later step that submits drops the withdrawal
    d2 = decide([plugin("cobald", None), plugin("MinPerCycle", None, sched__minpercycle__minimum=3)], s)
    assert d2.n == 3 and d2.withdraw == 0

"""Every sched plugin's numbers and its message, byte for byte as 2.4 wrote them."""

from __future__ import annotations

import pytest

from autopyfactory.model.batch import BatchQueueInfo, FinishedPilot
from autopyfactory.model.snapshot import QueueSnapshot
from tests.sched.helpers import plugin, snap


def run(name: str, n: int, s, factory=None, **keys):  # type: ignore[no-untyped-def]
    r = plugin(name, factory, **keys).calc(n, s)
    return r.n, r.message


def test_ready() -> None:
    assert run("Ready", 0, snap(activated=83, pending=10)) == (
        73,
        "Ready:in=0,activated=83,offset=0,pending=10,ret=73",
    )
    assert run("Ready", 5, snap(activated=83, pending=10), sched__ready__offset=80) == (
        0,
        "Ready:in=5,activated=83,offset=80,pending=10,ret=0",
    )
    assert run("Ready", 0, snap(activated=None)) == (0, "Ready:comment=Invalid wmsinfo or batchinfo")
    assert run("Ready", 0, snap(pending=None)) == (0, "Ready:comment=Invalid wmsinfo or batchinfo")


def test_fillactivated_works_unlike_2_4() -> None:
    assert run("Fillactivated", 3, snap(activated=20, pending=4, running=7)) == (
        16,
        "Fillactivated:in=3,activated=20,pending=4,running=7,ret=16",
    )
    assert run("Fillactivated", 3, snap(activated=None), sched__fillactivated__default=2) == (
        2,
        "Fillactivated:comment=Invalid wms/batchinfo,in=3,ret=2",
    )


def test_weighted_activated_truncates_each_term() -> None:
    s = snap(activated=10, pending=3)
    keys = {"sched__weightedactivated__activated": 0.55, "sched__weightedactivated__pending": 0.9}
    assert run("WeightedActivated", 1, s, **keys) == (
        3,
        "WeightedActivated:in=1,activated=10,weightedactivated=5,pending=3,weightedpending=2,ret=3",
    )
    assert run("WeightedActivated", 1, snap(activated=None)) == (
        0,
        "WeightedActivated:comment=no wmsinfo,in=1,ret=0",
    )


def test_fixed() -> None:
    assert run("Fixed", 9, snap(), sched__fixed__pilotspercycle=4) == (4, "Fixed:in=9,ret=4")
    assert run("Fixed", 9, snap()) == (0, "Fixed:comment=nosetup,in=9,ret=0")


@pytest.mark.parametrize(
    ("n", "factor", "out", "text"),
    [(73, 0.5, 37, "0.5"), (5, 1.0, 5, "1.0"), (-5, 0.5, -2, "0.5"), (10, 1 / 3, 4, "0.333333333333")],
)
def test_scale_rounds_up_and_prints_like_python2(n: int, factor: float, out: int, text: str) -> None:
    assert run("Scale", n, snap(), sched__scale__factor=repr(factor)) == (
        out,
        f"Scale:in={n},factor={text},ret={out}",
    )


def test_max_and_min_per_cycle() -> None:
    assert run("MaxPerCycle", 37, snap(), sched__maxpercycle__maximum=20) == (
        20,
        "MaxPerCycle:in=37,maxpercycle=20,ret=20",
    )
    assert run("MaxPerCycle", 37, snap()) == (37, "MaxPerCycle:comment=Not set,in=37")
    assert run("MinPerCycle", 0, snap(), sched__minpercycle__minimum=2) == (
        2,
        "MinPerCycle:in=0,minpercycle=2,ret=2",
    )
    assert run("MinPerCycle", 0, snap()) == (0, "MinPerCycle:comment=Not set")


def test_max_pending() -> None:
    key = {"sched__maxpending__maximum": 10}
    assert run("MaxPending", 20, snap(pending=0), **key) == (
        20,
        "MaxPending:in=20,pending=0,maxpending=10,ret=20",
    )
    assert run("MaxPending", 20, snap(pending=4), **key) == (
        6,
        "MaxPending:in=20,pending=4,maxpending=10,ret=6",
    )
    assert run("MaxPending", 20, snap(pending=15), **key) == (
        -5,
        "MaxPending:in=20,pending=15,maxpending=10,ret=-5",
    )
    assert run("MaxPending", 20, snap(pending=15), sched__maxpending__allow_negative="False", **key) == (
        0,
        "MaxPending:in=20,pending=15,maxpending=10,ret=0",
    )
    assert run("MaxPending", 20, snap(pending=15)) == (
        20,
        "MaxPending:in=20,pending=15,maxpending=None,ret=20",
    )
    assert run("MaxPending", 20, snap(pending=None)) == (20, "MaxPending:comment=No queueinfo.")


def test_min_pending() -> None:
    assert run("MinPending", 1, snap(pending=2), sched__minpending__minimum=5) == (
        3,
        "MinPending:in=1,minpending=5,pending=2,ret=3",
    )
    assert run("MinPending", 1, snap(pending=2)) == (1, "MinPending:comment=not set,in=1,pending=2,ret=1")


def test_max_to_run() -> None:
    assert run("MaxToRun", 50, snap(pending=5, running=30), sched__maxtorun__maximum=40) == (
        5,
        "MaxToRun:in=50,maxtorun=40,pending=5,running=30,ret=5",
    )
    assert run("MaxToRun", 50, snap(pending=5, running=30)) == (50, "")  # unset: no message, as in 2.4
    assert run("MaxToRun", 50, snap(pending=None)) == (0, "MaxToRun:comment=No batchinfo,in=50")


def test_max_per_factory() -> None:
    f = {"maxperfactory.maximum": "100"}
    assert run("MaxPerFactory", 10, snap(total=95), f) == (
        5,
        "MaxPerFactory:in=10,total=95,maxperfactory=100,ret=5",
    )
    assert run("MaxPerFactory", 10, snap(total=120), f) == (
        0,
        "MaxPerFactory:in=10,total=120,maxperfactory=100,ret=0",
    )
    assert run("MaxPerFactory", 10, snap(total=50), f) == (
        10,
        "MaxPerFactory:in=10,total=50,maxperfactory=100,ret=10",
    )


def test_keep_n_running_can_retire() -> None:
    assert run("KeepNRunning", 0, snap(pending=3, running=10), sched__keepnrunning__keep_running=8) == (
        -5,
        "KeepNRunning:in=0,keep=8,running=10,pending=3,retiring=0,ret=-5",
    )
    assert run("KeepNRunning", 20, snap(pending=3, running=10)) == (
        7,
        "KeepNRunning:in=20,keep=None,running=10,pending=3,retiring=0,ret=7",
    )


def test_status_test_and_offline() -> None:
    assert run("StatusTest", 4, snap(status="test"), sched__statustest__pilots=1) == (
        1,
        "StatusTest:comment=test,in=4,out=1",
    )
    assert run("StatusTest", 4, snap(status="online")) == (4, "StatusTest:comment=not test,in=4,ret=4")
    assert run("StatusTest", 4, snap(status=None)) == (
        0,
        "StatusTest:comment=no wms/batch/siteinfo,in=4,ret=0",
    )
    assert run("StatusOffline", 4, snap(status="offline")) == (0, "StatusOffline:comment=offline,in=4,ret=0")
    assert run("StatusOffline", 4, snap(status="test")) == (4, "StatusOffline:comment=not offline,in=4,ret=4")
    assert run("StatusOffline", 4, snap(activated=None)) == (
        0,
        "StatusOffline:comment=no wms/site/batchinfo,in=4,ret=0",
    )


def test_throttle_uses_snapshot_time_not_the_clock() -> None:
    now = 100_000.0
    short = tuple(FinishedPilot(now - 100, 3) for _ in range(6))
    long = tuple(FinishedPilot(now - 100, 600) for _ in range(4))
    old = tuple(FinishedPilot(now - 7200, 1) for _ in range(50))  # outside the hour: ignored
    s = snap(finished=short + long + old, now=now)
    assert run("Throttle", 20, s) == (1, "Throttle:in=20,total=10,short=6,ratio=0.5,submit=1,ret=1")
    assert run("Throttle", 20, s, sched__throttle__ratio=0.7) == (
        20,
        "Throttle:in=20,total=10,short=6,ratio=0.7,submit=1,ret=20",
    )
    assert run("Throttle", 20, snap(now=now)) == (20, "Throttle:in=20,ret=20")


@pytest.mark.parametrize("ratio", ["1", "1.5", "100"])
def test_throttle_ratio_of_one_or_more_never_throttles(ratio: str) -> None:
    now = 100_000.0
    every_pilot_short = tuple(FinishedPilot(now - 100, 1) for _ in range(10))
    assert run("Throttle", 20, snap(finished=every_pilot_short, now=now), sched__throttle__ratio=ratio) == (
        20,
        f"Throttle:in=20,total=10,short=10,ratio={float(ratio)},submit=1,ret=20",
    )


def test_keep_n_queue_life() -> None:
    s = QueueSnapshot("Q", "W", None, None, BatchQueueInfo(pending=3, running=5, suspended=2, done=40))
    assert run("KeepNQueueLife", 0, s, sched__keepnqueuelife__njobs=25) == (
        15,
        "KeepNQueueLife:in=0,keep=25,jobsinqueue=10,ret=15",
    )
    assert run("KeepNQueueLife", 4, s) == (-6, "KeepNQueueLife:in=4,keep=None,jobsinqueue=10,ret=-6")
    assert run("KeepNQueueLife", 4, snap(pending=0)) == (
        4,
        "KeepNQueueLife:in=4,keep=None,jobsinqueue=0,ret=4",
    )
    assert run("KeepNQueueLife", 4, snap(pending=None)) == (0, "KeepNQueueLife:comment=Invalid queueinfo")


def test_null() -> None:
    assert run("Null", 7, snap()) == (0, "Null:in=7,out=0")


def test_activated_legacy_all_in_one() -> None:
    keys = {
        "sched__activated__max_jobs_torun": 100,
        "sched__activated__max_pilots_per_cycle": 20,
        "sched__activated__max_pilots_pending": 30,
    }
    n, msg = run("Activated", 0, snap(activated=500, pending=25, running=10), **keys)
    assert n == 5  # min(475, 65, 20, 30-25)
    assert msg == "Activated:in=0,status=online,activated=500,pending=25,running=10,ret=5"
    assert run("Activated", 0, snap(activated=500, status="offline"), **keys)[0] == 0
    assert run("Activated", 0, snap(activated=500, status="test"), **keys)[0] == 0
    test_keys = {"sched__activated__testmode__allowed": "True", "sched__activated__testmode__pilots": 2}
    assert run("Activated", 0, snap(activated=500, pending=3, status="test"), **test_keys)[0] == 2
    assert run("Activated", 0, snap(activated=500, pending=11, status="test"), **test_keys)[0] == 0

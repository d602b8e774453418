"""2.4's ``Queue`` WMS plugin (another APF queue as the WMS, which always reports no work) and
``KeepNQueueLife`` through the engine."""

from __future__ import annotations

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.loading.loader import load
from tests.engine import fakes

QUEUES = """
[DEFAULT]
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
apfqueue.sleep = 0

[MAIN]
wmsstatusplugin = FakeWMS
wmsqueue = SITE
schedplugin = Ready

[FOLLOWER]
wmsstatusplugin = Queue
wmsstatus.queue.qname = MAIN
wmsqueue = SITE
schedplugin = KeepNQueueLife, MaxPerCycle
sched.keepnqueuelife.njobs = 4
sched.maxpercycle.maximum = 3

[READY]
wmsstatusplugin = Queue
wmsstatus.queue.qname = MAIN
wmsqueue = SITE
schedplugin = Ready
"""


def test_a_queue_as_wms_reports_no_work_and_keep_n_queue_life_fills_up(conf_tree) -> None:  # type: ignore[no-untyped-def]
    world = fakes.reset()
    world.activated = {"SITE": 10}
    etc = conf_tree("wmsstatus.queue.sleep = 150\nwmsstatus.queue.maxage = 360\n", {"queues.conf": QUEUES})
    cfg = load(str(etc))
    assert all(q.ok and not q.problems for q in cfg.queues.values()), [str(p) for p in cfg.all_problems()]
    f = Factory(RunOptions(conf=str(etc), services=False))
    try:
        out = {o.queue: o for o in f.run_cycle().outcomes}
        assert out["MAIN"].submitted == 10
        assert out["READY"].decision is not None and out["READY"].decision.message == (
            "Ready:in=0,activated=0,offset=0,pending=0,ret=0"
        )
        assert out["FOLLOWER"].submitted == 3
        assert out["FOLLOWER"].decision is not None and out["FOLLOWER"].decision.message == (
            "KeepNQueueLife:in=0,keep=4,jobsinqueue=0,ret=4;MaxPerCycle:in=4,maxpercycle=3,ret=3"
        )
        world.pending = {"FOLLOWER": 3}  # the batch system now holds its 3 pilots
        out = {o.queue: o for o in f.run_cycle().outcomes}
        assert out["FOLLOWER"].submitted == 1
    finally:
        f.shutdown()


def test_a_queue_naming_no_queue_is_an_error(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": QUEUES.replace(
                "qname = MAIN\nwmsqueue = SITE\nschedplugin = Ready",
                "qname = MAINN\nwmsqueue = SITE\nschedplugin = Ready",
            )
        }
    )
    (err,) = load(str(etc)).queues["READY"].errors
    assert (err.key, err.value, err.message) == (
        "wmsstatus.queue.qname",
        "MAINN",
        "no queue [MAINN] in the configuration",
    )

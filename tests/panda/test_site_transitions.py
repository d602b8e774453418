"""Site status changing during a run: the factory follows it cycle by cycle (through the real
engine, the Panda plugin, the testbed and local pilots)."""

from __future__ import annotations

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from tests.panda.helpers import wait_for

QUEUES = """
[DEFAULT]
wmsstatusplugin = Panda
wmsstatus.panda.url = {url}
batchsubmitplugin = Local
executable = /bin/true
schedplugin = Ready, MaxPerCycle, StatusTest, StatusOffline
sched.maxpercycle.maximum = 4
sched.statustest.pilots = 1
apfqueue.sleep = 0

[SITE-local]
wmsqueue = SITE
"""


def test_online_offline_test_online(conf_tree) -> None:  # type: ignore[no-untyped-def]
    with ThreadedTestbed([Site("SITE")]) as tb:
        tb.store.submit("SITE", 6, "true")
        etc = conf_tree(
            "wmsstatus.panda.sleep = 0.1\nwmsstatus.panda.retries = 0\n",
            {"queues.conf": QUEUES.format(url=tb.url)},
        )
        f = Factory(RunOptions(conf=str(etc), services=False))
        (rt,) = f.queues.values()
        poller = f.hub.get(rt.wms_key).poller  # type: ignore[union-attr]

        def cycle_after(status: str) -> tuple[int, str]:
            tb.store.set_status("SITE", status)
            seen = poller.latest().refreshes
            wait_for(lambda: poller.latest().refreshes > seen + 1)
            (out,) = f.run_cycle().outcomes
            assert out.decision is not None
            return out.decision.n, out.decision.message

        try:
            assert cycle_after("online")[0] == 4
            n, msg = cycle_after("offline")
            assert n == 0
            assert "StatusOffline:comment=offline" in msg
            n, msg = cycle_after("test")
            assert n == 1
            assert "StatusTest:comment=test" in msg
            assert cycle_after("brokeroff")[0] == 4
            assert cycle_after("online")[0] == 4
        finally:
            f.shutdown()

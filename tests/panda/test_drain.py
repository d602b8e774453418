"""A site drains while the factory watches it through the testbed's PanDA statistics: once the last
job is taken, no more than one cycle's pilots go out, whether the statistics call answers the
empty result as PanDA does ("Database failure getting the job statistics") or stops answering.

The factory is the real engine with the real Panda plugin against the testbed; its pilots are
played by the test, each taking one job from the testbed as a pilot would, so every cycle is
deterministic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from autopyfactory.wms.panda.plugin import PandaWMSStatus
from tests.engine import fakes
from tests.panda.helpers import wait_for

SITE = "DRAIN_SITE"
CYCLES_AFTER_DRAIN = 5


def queues(url: str) -> str:
    return f"""
[{SITE}]
wmsqueue = {SITE}
wmsstatusplugin = Panda
wmsstatus.panda.url = {url}
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 3
apfqueue.sleep = 0
"""


FACTORY = """
wmsstatus.panda.sleep = 0.1
wmsstatus.panda.maxage = 600
wmsstatus.panda.retries = 0
wmsstatus.panda.timeout = 2
"""


class Drain:
    """The testbed, the factory, and the test's pilots."""

    def __init__(self, conf_tree, jobs: int) -> None:  # type: ignore[no-untyped-def]
        self.world = fakes.reset()
        self.tb = ThreadedTestbed([Site(SITE)]).__enter__()
        self.tb_open = True
        self.tb.store.submit(SITE, jobs, "true")
        etc: Path = conf_tree(factory=FACTORY, files={"queues.conf": queues(self.tb.url)})
        self.factory = Factory(RunOptions(conf=str(etc), services=False))
        self.pilots = 0

    def panda(self) -> PandaWMSStatus:
        key = self.factory.queues[SITE].wms_key
        assert key is not None
        inst = self.factory.hub.get(key)
        assert isinstance(inst, PandaWMSStatus)
        return inst

    def activated(self) -> int:
        return self.tb.store.active_stats().get(SITE, {}).get("activated", 0)

    def cycle(self) -> int:
        """One cycle on statistics taken after everything so far; then its pilots each take a job.
        Returns the pilots it submitted."""
        if self.tb_open:  # a refresh that started after the last pilots took their jobs
            n = self.panda().poller.latest().refreshes
            wait_for(lambda: self.panda().poller.latest().refreshes > n + 1)
        before = sum(n for _, n in self.world.submissions)
        self.factory.run_cycle()
        sent = sum(n for _, n in self.world.submissions) - before
        for _ in range(sent):
            self.pilots += 1
            for job in self.tb.store.acquire(SITE, f"pilot-{self.pilots}", n=1):
                self.tb.store.update(job.panda_id, "finished", 0)
        return sent

    def stop_testbed(self) -> None:
        if self.tb_open:
            self.tb.__exit__(None, None, None)
            self.tb_open = False

    def close(self) -> None:
        self.factory.shutdown()
        self.stop_testbed()


@pytest.fixture
def drain(conf_tree) -> Iterator[list[Drain]]:  # type: ignore[no-untyped-def]
    made: list[Drain] = []
    yield made
    for d in made:
        d.close()


def test_after_the_site_drains_no_pilot_goes_out_on_an_empty_statistics_answer(conf_tree, drain) -> None:  # type: ignore[no-untyped-def]
    d = Drain(conf_tree, jobs=7)
    drain.append(d)
    sent = [d.cycle(), d.cycle(), d.cycle()]
    assert sent == [3, 3, 1]
    assert d.activated() == 0  # drained: PanDA answers the statistics call with its empty-result failure
    after = [d.cycle() for _ in range(CYCLES_AFTER_DRAIN)]
    assert after == [0] * CYCLES_AFTER_DRAIN
    latest = d.panda().poller.latest()
    assert latest.stats_error == ""  # zero jobs, not an error


@pytest.mark.parametrize(("jobs", "before"), [(7, [3, 3, 1]), (3, [3])])
def test_after_the_site_drains_at_most_one_cycle_of_pilots_goes_out_when_the_statistics_fail(
    conf_tree, drain, jobs, before
) -> None:  # type: ignore[no-untyped-def]
    """The statistics server goes away with the last job: its counts are held. 7 jobs: the trend
    was down (4 -> 1), so nothing more; 3 jobs: no trend yet, and the 3 pilots sent since the
    counts were taken spend them."""
    d = Drain(conf_tree, jobs=jobs)
    drain.append(d)
    assert [d.cycle() for _ in before] == before
    assert d.activated() == 0
    d.stop_testbed()
    panda = d.panda()
    n = panda.poller.latest().refreshes
    wait_for(lambda: panda.poller.latest().refreshes > n and panda.poller.latest().stats_error != "")
    after = [d.cycle() for _ in range(CYCLES_AFTER_DRAIN)]
    assert sum(after) <= 3  # at most one cycle's pilots (sched.maxpercycle.maximum)
    assert after == [0] * CYCLES_AFTER_DRAIN

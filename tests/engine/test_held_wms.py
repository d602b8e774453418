"""WMS counts held by a source whose refresh fails are not fed into decisions as if fresh: a
downward trend stops submission at once, and otherwise the pilots sent since the counts were taken
are taken off them, so held demand is spent at most once (never one cycle's pilots per cycle until
``maxage``)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.wms_hold import WMSMemory, held_counts
from autopyfactory.model.wms import WMSQueueInfo
from tests.engine import fakes

QUEUES = """
[DEFAULT]
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 5
apfqueue.sleep = 0
wmsstatus.maxage = 600

[Q]
wmsqueue = SITE
"""


@pytest.fixture
def world() -> fakes.World:
    return fakes.reset()


def factory(conf_tree) -> Factory:  # type: ignore[no-untyped-def]
    etc: Path = conf_tree(files={"queues.conf": QUEUES})
    return Factory(RunOptions(conf=str(etc), services=False))


def cycle(f: Factory, world: fakes.World, activated: int | None = None) -> int:
    """One cycle: a fresh reading of ``activated`` (None: the source fails and holds its last one);
    the pilots the cycle submitted."""
    if activated is None:
        world.wms_held = "HTTP 502 from the statistics call"
    else:
        world.wms_held = ""
        world.activated = {"SITE": activated}
        world.wms_counts_at = time.time()
    before = sum(n for _, n in world.submissions)
    f.run_cycle()
    time.sleep(0.01)  # the next reading is strictly later
    return sum(n for _, n in world.submissions) - before


def test_held_counts_with_a_downward_trend_are_not_decided_on(conf_tree, world, caplog) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree)
    assert cycle(f, world, 10) == 5
    assert cycle(f, world, 5) == 5  # jobs are going: 10 -> 5
    with caplog.at_level(logging.INFO, logger="autopyfactory.factory"):
        sent = [cycle(f, world) for _ in range(4)]  # the site drained; the statistics call fails
    assert sent == [0, 0, 0, 0]
    assert "last trend was down (ready 10 -> 5): not deciding on them" in caplog.text
    assert "HTTP 502 from the statistics call" in caplog.text


def test_held_counts_are_spent_once_by_the_pilots_sent_since(conf_tree, world, caplog) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree)
    assert cycle(f, world, 8) == 5  # 8 jobs, 5 pilots per cycle at most
    with caplog.at_level(logging.INFO, logger="autopyfactory.factory"):
        sent = [cycle(f, world) for _ in range(5)]
    # 3 more pilots for the 8 jobs held, then nothing: not 5 per cycle until maxage
    assert sent == [3, 0, 0, 0, 0]
    assert "ready 8 less 5 pilot(s) sent since = 3" in caplog.text
    assert "note='wms counts held since their refresh failed" in caplog.text


def test_fresh_counts_again_are_used_in_full(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    f = factory(conf_tree)
    assert cycle(f, world, 4) == 4
    assert cycle(f, world) == 0  # held: the 4 pilots sent took the 4 jobs
    assert cycle(f, world, 4) == 4  # the source works again: 4 jobs activated now


def test_the_rule_is_a_function_of_the_queue_memory() -> None:
    memory = WMSMemory()
    memory.observe(100.0, 6)
    memory.submitted(90.0, 4)  # before the reading: already counted in it
    memory.submitted(110.0, 2)
    held = held_counts(WMSQueueInfo(ready=6, running=3), 100.0, memory, "timeout")
    assert held.info == WMSQueueInfo(ready=4, running=3)
    memory.observe(100.0, 6)  # the same reading again changes nothing
    memory.observe(120.0, 1)
    assert held_counts(WMSQueueInfo(ready=1), 120.0, memory, "timeout").info is None

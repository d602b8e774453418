"""One decision has an upper bound: ``[Factory] batchsubmit.maxpercycle`` caps the pilots a queue
submits in one cycle (the decision line says so when it cuts), and submission goes in calls of at
most ``batchsubmit.batchsize`` pilots, so memory stays bounded whatever the decision."""

from __future__ import annotations

import logging

import pytest

from autopyfactory.config.factory import SUBMIT_BATCH, SUBMIT_MAX_PER_CYCLE
from autopyfactory.engine.factory import Factory, FactoryConfigError, RunOptions
from tests.engine import fakes
from tests.engine.test_cycle import QUEUE_DEFAULTS

READY_ONLY = QUEUE_DEFAULTS.replace("schedplugin = Ready, MaxPerCycle", "schedplugin = Ready") + (
    "monitorsection = mon\n[Q0]\nwmsqueue = SITE0\n"
)
MONITOR = {"monitor.conf": "[mon]\nmonitorplugin = FakeMonitor\n"}


@pytest.fixture
def world() -> fakes.World:
    w = fakes.reset()
    w.refuse_over = 5000  # a plugin asked for more in one call fails (as 2,000,000 pilots did)
    return w


def test_two_million_activated_with_a_ready_only_chain_submits_the_cap_in_batches(
    conf_tree, world, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="autopyfactory")
    world.activated = {"SITE0": 2_000_000}
    etc = conf_tree(factory="monitorConf = monitor.conf\n", files={"queues.conf": READY_ONLY, **MONITOR})
    f = Factory(RunOptions(conf=str(etc), services=False))
    (out,) = f.run_cycle().outcomes
    cap, size = SUBMIT_MAX_PER_CYCLE.default, SUBMIT_BATCH.default
    assert out.decision.n == 2_000_000
    assert out.submitted == cap and out.action == f"submitted {cap}"
    assert [n for _, n in world.submissions] == [size] * (cap // size)
    assert all(len(ids) <= size for kind, _, ids in world.monitor_calls if kind == "pilots")  # type: ignore[arg-type]
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("queue=Q0 "))
    assert f"decision=2000000 cap='2000000 cut to {cap} (batchsubmit.maxpercycle)'" in line
    assert f"action='submitted {cap}'" in line


def test_the_cap_and_the_batch_size_are_factory_keys(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    world.activated = {"SITE0": 75}
    etc = conf_tree(
        factory="monitorConf = monitor.conf\nbatchsubmit.maxpercycle = 50\nbatchsubmit.batchsize = 20\n",
        files={"queues.conf": READY_ONLY, **MONITOR},
    )
    (out,) = Factory(RunOptions(conf=str(etc), services=False)).run_cycle().outcomes
    assert out.submitted == 50 and out.cap == "75 cut to 50 (batchsubmit.maxpercycle)"
    assert world.submissions == [("Q0", 20), ("Q0", 20), ("Q0", 10)]


def test_a_decision_under_the_cap_is_untouched(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    world.activated = {"SITE0": 40}
    etc = conf_tree(factory="monitorConf = monitor.conf\n", files={"queues.conf": READY_ONLY, **MONITOR})
    (out,) = Factory(RunOptions(conf=str(etc), services=False)).run_cycle().outcomes
    assert out.submitted == 40 and out.cap == "" and world.submissions == [("Q0", 40)]


@pytest.mark.parametrize(
    "line", ["batchsubmit.maxpercycle = 0", "batchsubmit.batchsize = -5", "batchsubmit.maxpercycle = inf"]
)
def test_bad_values_stop_the_start_naming_the_key(conf_tree, line: str) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(factory=line + "\n", files={"queues.conf": READY_ONLY, **MONITOR})
    with pytest.raises(FactoryConfigError) as info:
        Factory(RunOptions(conf=str(etc), services=False))
    assert line.split(" = ")[0] in str(info.value) and "an integer >= 1" in str(info.value)

"""A plugin whose constructor hangs holds up only the queues that need it: they are not started
(or stay on their last good configuration), saying which plugin was still starting, every other
queue runs, the status hub is not locked meanwhile, and what the hung constructor builds when it
finally returns is closed, never run. A reload tries the queue again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from tests.engine import fakes
from tests.engine.test_cycle import queues
from tests.engine.test_deadlines import wait_for

START = "plugins.inittimeout = 0.5\n"


@pytest.fixture
def world() -> Iterator[fakes.World]:
    w = fakes.reset()
    yield w
    w.release()


def factory(etc: Path) -> Factory:
    return Factory(RunOptions(conf=str(etc), services=False))


def test_a_hung_constructor_leaves_its_queue_not_started_and_the_others_running(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    world.hang["init:Q1"] = threading.Event()  # Q1's submit plugin
    world.hang["init:schedd-x"] = threading.Event()  # the batch status plugin Q2 and Q3 share
    per = {2: "batchstatus.fake.schedd = schedd-x\n", 3: "batchstatus.fake.schedd = schedd-x\n"}
    etc = conf_tree(factory=START, files={"queues.conf": queues(5, per_queue=per)})
    world.activated = {f"SITE{i}": 2 for i in range(5)}
    f = factory(etc)
    try:
        assert sorted(f.queues) == ["Q0", "Q4"]
        why = f.not_started
        assert why["Q1"] == (
            "its plugins did not start within 0.5s (plugins.inittimeout): batchsubmit plugin FakeSubmit "
            "was still starting; it is tried again at the next reload"
        )
        for q in ("Q2", "Q3"):  # the second waits for the first's construction, not a second one
            assert "batchstatus plugin FakeBatch was still starting" in why[q]
        assert world.calls["init:schedd-x"] == 1
        report = f.run_cycle()
        assert sorted(o.queue for o in report.outcomes) == ["Q0", "Q4"]
        assert sorted(world.submissions) == [("Q0", 2), ("Q4", 2)]

        world.release()  # the constructors return: what they built is closed, and never cycles
        wait_for(lambda: sorted(world.closed) == ["Q1", "Q2", "Q3"])
        f.run_cycle()
        assert {q for q, _ in world.submissions} == {"Q0", "Q4"}

        f.reload()  # tried again: now they start
        assert sorted(f.queues) == ["Q0", "Q1", "Q2", "Q3", "Q4"] and f.not_started == {}
    finally:
        f.stop()
        f.shutdown()


def test_a_reload_whose_plugin_hangs_keeps_the_queue_on_its_last_good_configuration(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(factory=START, files={"queues.conf": queues(2)})
    world.activated = {"SITE0": 1, "SITE1": 1}
    f = factory(etc)
    try:
        assert sorted(f.queues) == ["Q0", "Q1"]
        world.hang["init:Q1"] = threading.Event()
        (etc / "queues.conf").write_text(queues(2, per_queue={1: "sched.maxpercycle.maximum = 1\n"}))
        f.reload()
        state = f.queue_states["Q1"]
        assert state.state.value == "kept-last-good"
        assert "batchsubmit plugin FakeSubmit was still starting" in state.reason
        f.run_cycle()  # Q1 goes on with its running plugins
        assert sorted(world.submissions) == [("Q0", 1), ("Q1", 1)]
    finally:
        world.release()
        f.stop()
        f.shutdown()


def test_a_monitor_that_does_not_start_leaves_its_queue_running_without_it(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    world.hang["init:monitor:slow"] = threading.Event()
    etc = conf_tree(
        factory=START + "monitorConf = monitor.conf\n",
        files={
            "queues.conf": queues(2, per_queue={0: "monitorsection = slow\n"}),
            "monitor.conf": "[slow]\nmonitorplugin = FakeMonitor\n",
        },
    )
    world.activated = {"SITE0": 1, "SITE1": 1}
    f = factory(etc)
    try:
        assert sorted(f.queues) == ["Q0", "Q1"] and f.queues["Q0"].monitors == []
        q0 = f.queues["Q0"]
        f.run_cycle()
        assert sorted(world.submissions) == [("Q0", 1), ("Q1", 1)]
        assert world.calls["init:monitor:slow"] == 1  # not constructed again at every use
        world.release()
        wait_for(lambda: "slow" not in f._monitors_starting)
        f.reload()  # the configuration is the same: the queue keeps running and gets its monitor
        assert f.queues["Q0"] is q0  # not restarted
        assert [type(m).__name__ for m in q0.monitors] == ["FakeMonitor"]
    finally:
        f.stop()
        f.shutdown()

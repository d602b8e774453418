"""Every plugin call the engine makes has a deadline: a queue (or monitor) whose call overran is
marked, says why, is skipped while that call still runs (one thread, not one per cycle), and every
other queue keeps cycling."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from autopyfactory.engine.daemon import Daemon
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.pool import DaemonPool
from tests.engine import fakes
from tests.engine.test_cycle import queues

FAST = "apfqueue.sleep = 0.1\n"


@pytest.fixture
def world() -> Iterator[fakes.World]:
    w = fakes.reset()
    yield w
    w.release()  # never leave a test's plugin call hanging


def wait_for(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.02)


def running(f: Factory) -> Iterator[threading.Thread]:
    t = threading.Thread(target=Daemon(f).run, name="factory-under-test")
    t.start()
    try:
        yield t
    finally:
        f.stop()
        t.join(60)
        assert not t.is_alive(), "the factory did not stop"


@pytest.fixture
def run_factory() -> Iterator[Callable[[Factory], None]]:
    gens: list[Iterator[threading.Thread]] = []

    def start(f: Factory) -> None:
        g = running(f)
        next(g)
        gens.append(g)

    yield start
    for g in gens:
        next(g, None)


def make(conf_tree, factory: str, text: str) -> Factory:  # type: ignore[no-untyped-def]
    etc: Path = conf_tree(factory=factory, files={"queues.conf": text})
    return Factory(RunOptions(conf=str(etc), services=False))


def test_a_call_past_its_deadline_marks_the_queue_which_says_why_and_is_skipped(
    conf_tree, world, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="autopyfactory")
    world.activated = {"SITE0": 2, "SITE1": 2}
    world.hang["submit:Q0"] = threading.Event()
    f = make(conf_tree, "batchsubmit.timeout = 0.5\n", queues(2))
    by = {o.queue: o for o in f.run_cycle().outcomes}  # returns although Q0's submit hangs
    assert by["Q1"].action == "submitted 2"
    assert "plugin=FakeSubmit call=submit did not return within its deadline of 0.5s" in by["Q0"].error
    assert "(batchsubmit.timeout)" in by["Q0"].error
    assert "queue=Q0 plugin=FakeSubmit call=submit did not return within its deadline" in caplog.text
    by = {o.queue: o for o in f.run_cycle().outcomes}
    assert by["Q0"].action == "skipped"
    assert "plugin=FakeSubmit call=submit running for" in by["Q0"].error
    assert "queue=Q0 skipped this cycle: plugin=FakeSubmit call=submit running for" in caplog.text
    assert by["Q1"].action == "submitted 2"
    assert world.calls["submit:Q0"] == 1  # not started again while it runs
    world.release()
    wait_for(lambda: "queue=Q0 plugin=FakeSubmit call=submit returned 2 item(s) after" in caplog.text)
    assert f.queues["Q0"].busy() == ""
    assert {o.queue: o for o in f.run_cycle().outcomes}["Q0"].action == "submitted 2"
    f.shutdown()


@pytest.mark.parametrize("call", ["submit", "cleanup", "retire"])
def test_the_other_queues_keep_cycling_while_one_queues_call_hangs(
    conf_tree, world, run_factory, call: str
) -> None:  # type: ignore[no-untyped-def]
    per = {}
    if call == "retire":  # Q0 wants 3 pilots fewer than it has, and is not peaceful
        per[0] = (
            "schedplugin = Fixed, KeepNRunning\nsched.fixed.pilotspercycle = 3\n"
            "sched.keepnrunning.keep_running = 0\nbatchsubmit.fake.peaceful = False\n"
        )
        world.pending = {"Q0": 3}
    world.activated = {"SITE0": 1, "SITE1": 1}
    world.hang[f"{call}:Q0"] = threading.Event()
    f = make(conf_tree, "batchsubmit.timeout = 0.5\n", queues(2, FAST, per_queue=per))
    if call == "retire":
        f.queues["Q0"].submitter.submit(3)
    run_factory(f)
    wait_for(lambda: world.calls.get(f"{call}:Q0", 0) == 1)
    start = world.calls.get("submit:Q1", 0)
    wait_for(lambda: world.calls.get("submit:Q1", 0) >= start + 8)
    assert world.calls[f"{call}:Q0"] == 1
    assert f.queues["Q0"].overrun is not None and f.queues["Q0"].overrun.call == call
    calls = f.executors.calls
    assert isinstance(calls, DaemonPool) and calls.threads <= 8  # one hung thread, not one per cycle
    decided = f.queues["Q0"].cycles
    world.release()
    wait_for(lambda: f.queues["Q0"].cycles > decided)  # Q0 cycles again


def test_a_hung_monitor_is_skipped_and_pilots_keep_flowing(conf_tree, world, run_factory, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="autopyfactory")
    world.activated = {"SITE0": 1}
    world.hang["monitor:register_pilots"] = threading.Event()
    etc = conf_tree(
        factory="monitorConf = monitor.conf\nmonitor.timeout = 0.5\n",
        files={
            "queues.conf": queues(1, FAST + "monitorsection = mon\n"),
            "monitor.conf": "[mon]\nmonitorplugin = FakeMonitor\n",
        },
    )
    f = Factory(RunOptions(conf=str(etc), services=False))
    run_factory(f)
    wait_for(lambda: world.calls.get("submit:Q0", 0) >= 6)
    assert world.calls["monitor:register_pilots"] == 1
    assert (
        "monitor=mon queue=Q0 plugin=FakeMonitor call=register_pilots did not return within its deadline "
        "of 0.5s (monitor.timeout)" in caplog.text
    )
    assert "monitor=mon queue=Q0 call=register_pilots skipped: an earlier call overran" in caplog.text


def test_a_hung_status_poll_is_not_started_again_and_other_sources_keep_going(
    conf_tree, world, run_factory, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="autopyfactory")
    world.activated = {"SITE0": 1, "SITE1": 1}
    world.hang["poll:schedd-b"] = threading.Event()
    f = make(
        conf_tree,
        "status.timeout = 0.5\n",
        queues(2, FAST, per_queue={0: "batchstatus.fake.schedd = schedd-b\n"}),
    )
    run_factory(f)
    wait_for(lambda: world.calls.get("submit:Q1", 0) >= 8)
    assert world.calls["poll:schedd-b"] == 1
    assert "submit:Q0" not in world.calls  # no batch data, no pilots
    assert "plugin=FakeBatch call=poll" in caplog.text


def test_a_hung_call_gives_back_its_submission_slot(conf_tree, world, run_factory) -> None:  # type: ignore[no-untyped-def]
    world.activated = {"SITE0": 1, "SITE1": 1}
    world.hang["submit:Q0"] = threading.Event()
    f = make(conf_tree, "batchsubmit.timeout = 0.5\nbatchsubmit.concurrency = 1\n", queues(2, FAST))
    run_factory(f)  # both queues share the one slot of backend b1
    wait_for(lambda: world.calls.get("submit:Q0", 0) == 1)
    start = world.calls.get("submit:Q1", 0)
    wait_for(lambda: world.calls.get("submit:Q1", 0) >= start + 5)

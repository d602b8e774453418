"""The cycle engine: shared polling, freshness, isolation of failures, bounds, monitors, retirement."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from autopyfactory.engine import cycle as cycle_module
from autopyfactory.engine.daemon import Daemon
from autopyfactory.engine.factory import Factory, RunOptions
from tests.engine import fakes

QUEUE_DEFAULTS = """
[DEFAULT]
enabled = True
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 5
apfqueue.sleep = 0
"""


def queues(n: int, extra: str = "", per_queue: dict[int, str] | None = None) -> str:
    text = QUEUE_DEFAULTS + extra
    for i in range(n):
        text += f"\n[Q{i}]\nwmsqueue = SITE{i}\n" + (per_queue or {}).get(i, "")
    return text


@pytest.fixture
def world() -> fakes.World:
    return fakes.reset()


def factory(etc: Path, **kw: object) -> Factory:
    return Factory(RunOptions(conf=str(etc), services=False, **kw))  # type: ignore[arg-type]


def test_each_status_instance_is_polled_once_per_cycle_whatever_the_number_of_queues(
    conf_tree, world
) -> None:  # type: ignore[no-untyped-def]
    per = {i: "batchstatus.fake.schedd = schedd-b\n" for i in range(0, 40, 2)}
    etc = conf_tree(files={"queues.conf": queues(40, per_queue=per)})
    world.activated = {f"SITE{i}": 3 for i in range(40)}
    f = factory(etc)
    for cycle in range(1, 4):
        report = f.run_cycle()
        assert len(report.outcomes) == 40
        assert world.wms_polls == cycle
        assert world.batch_polls == {"default": cycle, "schedd-b": cycle}
    assert len(world.submissions) == 40 * 3


def test_stale_wms_data_means_no_submission_and_says_why(conf_tree, world, caplog) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queues(1, "wmsstatus.maxage = 60\n")})
    world.activated = {"SITE0": 10}
    world.wms_age = 300
    f = factory(etc)
    with caplog.at_level(logging.INFO, logger="autopyfactory.factory"):
        report = f.run_cycle()
    (out,) = report.outcomes
    assert world.submissions == []
    assert "wms data 300s old > maxage 60s" in out.action
    assert "Ready:comment=Invalid wmsinfo or batchinfo" in caplog.text


def test_a_queue_never_decides_twice_on_the_same_batch_snapshot(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queues(1)})
    world.activated = {"SITE0": 10}
    world.batch_frozen_at = 1_000_000_000.0 + 10**9  # far future: never stale, never advancing
    f = factory(etc)
    first = f.run_cycle().outcomes[0]
    second = f.run_cycle().outcomes[0]
    assert first.action == "submitted 5"
    assert second.action == "none (no fresh batch status data)"
    assert world.submissions == [("Q0", 5)]
    world.batch_frozen_at += 1
    assert f.run_cycle().outcomes[0].action == "submitted 5"


def test_one_queue_failing_does_not_stop_the_others(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    per = {1: "batchsubmit.fake.boom = 1\n", 2: "sched.maxpercycle.maximum = ten\n"}
    etc = conf_tree(files={"queues.conf": queues(4, per_queue=per)})
    world.activated = {f"SITE{i}": 2 for i in range(4)}
    world.fail_submit = {"Q3"}
    f = factory(etc)
    assert sorted(f.queues) == ["Q0", "Q3"]  # Q1's plugin raised at start, Q2 has a bad value
    bad = f.cfg.queues["Q2"].errors[0]
    assert (bad.section, bad.key, bad.value) == ("Q2", "sched.maxpercycle.maximum", "ten")
    assert "expected an integer" in bad.message and bad.origin.endswith("queues.conf")
    report = f.run_cycle()
    by = {o.queue: o for o in report.outcomes}
    assert by["Q0"].action == "submitted 2"
    assert by["Q3"].action == "error" and "schedd said no" in by["Q3"].error
    assert world.submissions == [("Q0", 2)]


def test_submissions_run_concurrently_within_a_bound_per_backend(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    per = {i: "batchsubmit.fake.backend = b2\n" for i in range(6, 12)}
    etc = conf_tree(
        factory="batchsubmit.concurrency = 2\n",
        files={"queues.conf": queues(12, "batchsubmit.fake.delay = 0.2\n", per_queue=per)},
    )
    world.activated = {f"SITE{i}": 1 for i in range(12)}
    f = factory(etc)
    f.run_cycle()
    assert len(world.submissions) == 12
    # two backends, two at a time each: never more than 4 at once, and more than one at once
    assert 2 <= world.max_concurrent <= 4


def test_monitors_hear_pilots_and_messages_and_a_failing_monitor_does_not_fail_the_cycle(
    conf_tree, world
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="monitorConf = monitor.conf\n",
        files={
            "queues.conf": queues(1, "monitorsection = mon\n"),
            "monitor.conf": "[mon]\nmonitorplugin = FakeMonitor\n",
        },
    )
    world.activated = {"SITE0": 3}
    f = factory(etc)
    f.run_cycle()
    kinds = [c[0] for c in world.monitor_calls]
    assert kinds == ["pilots", "label"]
    assert world.monitor_calls[0][2] == ["1.0", "2.0", "3.0"]
    assert str(world.monitor_calls[1][2]).startswith(
        "Ready:in=0,activated=3,offset=0,pending=0,ret=3;MaxPerCycle:"
    )
    world.fail_monitor = True
    out = f.run_cycle().outcomes[0]
    assert out.action == "submitted 3" and not out.error


def test_negative_decisions_retire_only_when_not_peaceful(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    chain = "schedplugin = Fixed, KeepNRunning\nsched.fixed.pilotspercycle = 3\nsched.keepnrunning.keep_running = 1\n"
    etc = conf_tree(
        files={
            "queues.conf": queues(
                2,
                per_queue={
                    0: chain,
                    1: chain + "batchsubmit.fake.peaceful = False\nbatchsubmit.fake.killorder = oldest\n",
                },
            )
        }
    )
    f = factory(etc)
    for q in ("Q0", "Q1"):  # give each queue three live pilots
        f.queues[q].submitter.submit(3)
    world.pending = {"Q0": 3, "Q1": 3}
    by = {o.queue: o for o in f.run_cycle().outcomes}
    assert by["Q0"].decision.n == by["Q1"].decision.n == -2
    assert by["Q0"].action == "retired 0 (peaceful)"
    assert by["Q1"].action == "retired 2"
    assert world.retired == [("Q1", ["1.0", "2.0"])]  # the two oldest


def test_cycles_option_runs_exactly_n_cycles(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queues(2)})
    world.activated = {"SITE0": 1, "SITE1": 1}
    f = factory(etc, cycles=3, sleep=0.01)
    assert Daemon(f).run() == 0
    assert f.cycles_done == 3
    assert world.wms_polls == 3


def test_stop_lets_in_flight_submissions_finish(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queues(1, "batchsubmit.fake.delay = 0.5\n")})
    world.activated = {"SITE0": 2}
    f = factory(etc, sleep=0.01)
    threading.Timer(0.2, f.stop).start()  # the factory's stop reaches the daemon's loop
    assert Daemon(f).run() == 0
    assert world.submissions == [("Q0", 2)]  # the submission under way when stop came completed
    assert f.cycles_done == 1


@pytest.mark.parametrize("why", ["repeated batch data", "decision error"])
def test_a_queue_that_could_not_decide_waits_its_sleep_before_trying_again(
    conf_tree, world, monkeypatch, why: str
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queues(1).replace("apfqueue.sleep = 0", "apfqueue.sleep = 0.5")})
    world.activated = {"SITE0": 10}
    world.batch_frozen_at = 1_000_000_000.0 + 10**9  # never stale, never advancing
    f = factory(etc)
    if why == "decision error":
        monkeypatch.setattr(
            cycle_module, "decide", lambda *a: (_ for _ in ()).throw(RuntimeError("broken chain"))
        )
    runner = threading.Thread(target=Daemon(f).run)
    runner.start()
    threading.Event().wait(1.2)
    f.stop()
    runner.join(10)
    # cycles at about 0, 0.5 and 1.0 s; not one every 50 ms while the queue stays undecided
    assert 2 <= world.batch_polls["default"] <= 4


def test_reload_applies_changed_monitor_sections_and_submit_concurrency(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    files = {
        "queues.conf": queues(1, "monitorsection = mon\n"),
        "monitor.conf": "[mon]\nmonitorplugin = FakeMonitor\nmonitorURL = http://old.example/api\n",
    }
    etc = conf_tree(factory="monitorConf = monitor.conf\nbatchsubmit.concurrency = 2\n", files=files)
    world.activated = {"SITE0": 1}
    f = factory(etc)
    f.run_cycle()
    (bound,) = f.cycle._slots.values()
    (etc / "monitor.conf").write_text(files["monitor.conf"].replace("old.example", "new.example"))
    f.reload()
    queue = f.queues["Q0"].section
    assert f.ctx.monitor_url(queue) == "http://new.example/api"
    assert f.monitors["mon"].section.raw("monitorURL") == "http://new.example/api"
    conf_tree(
        factory="monitorConf = monitor.conf\nbatchsubmit.concurrency = 5\n",
        files={"monitor.conf": files["monitor.conf"].replace("old.example", "new.example")},
    )
    f.reload()
    f.run_cycle()
    (new_bound,) = f.cycle._slots.values()
    assert new_bound is not bound and new_bound._initial_value == 5  # type: ignore[attr-defined]
    f.shutdown()


def test_run_puts_back_the_signal_handlers_it_replaced(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    import signal

    assert threading.current_thread() is threading.main_thread()  # where run() installs its handlers
    sigs = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    before = {s: signal.getsignal(s) for s in sigs}
    f = factory(conf_tree(files={"queues.conf": queues(1)}), cycles=1, sleep=0.01)
    assert Daemon(f).run() == 0
    assert {s: signal.getsignal(s) for s in sigs} == before

"""A reload never turns a running queue into a stopped one because its new configuration is broken:
the queue keeps its last good configuration (``stale-config``), says so, and takes the new one at
the first reload that brings it fixed. With the real loader, every way a queue's effective
configuration can break: its section, a [Factory] key of its plugins, an unreadable line in its
file, a lost section header, a mapping, an auth profile, a plugin that refuses to start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from autopyfactory.engine.factory import Factory, ReloadKind, RunOptions
from autopyfactory.engine.queue_states import REMIND_EVERY, QueueStateKind
from autopyfactory.engine.status_hub import Adopted
from autopyfactory.plugins.registry import Registry
from tests.conftest import write
from tests.engine import fakes

DEFAULTS = """
[DEFAULT]
enabled = True
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 5
apfqueue.sleep = 0
"""
KEPT, RUNNING = QueueStateKind.KEPT_LAST_GOOD, QueueStateKind.RUNNING


def queue(name: str, extra: str = "") -> str:
    return f"\n[{name}]\nwmsqueue = SITE_{name}\n{extra}"


@pytest.fixture
def world() -> fakes.World:
    w = fakes.reset()
    w.activated = {f"SITE_{q}": 10 for q in "ABCN"}
    return w


@pytest.fixture
def stale_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="autopyfactory.factory")
    return caplog


def factory(etc: Path) -> Factory:
    return Factory(RunOptions(conf=str(etc), services=False))


def submitted(world: fakes.World) -> dict[str, int]:
    out: dict[str, int] = {}
    for q, n in world.submissions:
        out[q] = out.get(q, 0) + n
    return out


def cycle(f: Factory, world: fakes.World) -> dict[str, int]:
    world.submissions.clear()
    f.run_cycle()
    return submitted(world)


def warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


def test_a_misspelled_value_keeps_the_queue_on_its_last_good_configuration_until_fixed(
    conf_tree, world, stale_log
) -> None:  # type: ignore[no-untyped-def]
    d = "queues.d"
    etc = conf_tree(files={f"{d}/00.conf": DEFAULTS, f"{d}/a.conf": queue("A"), f"{d}/b.conf": queue("B")})
    f = factory(etc)
    try:
        assert cycle(f, world) == {"A": 5, "B": 5}
        before, b_before = f.queues["A"], f.queues["B"]
        b_since = f.queue_states["B"].since
        write(etc / d / "a.conf", queue("A", "sched.maxpercycle.maximum = fiv\nwmsstatus.fake.x = 1\n"))
        stale_log.clear()
        assert f.reload() is ReloadKind.QUEUES

        assert f.queues["A"] is before  # the running instance, with its configuration
        state = f.queue_states["A"]
        assert state.state is KEPT and state.stale_config and state.runs
        (problem,) = state.problems
        assert (Path(problem.origin).name, problem.section, problem.key) == (
            "a.conf",
            "A",
            "sched.maxpercycle.maximum",
        )
        assert problem.value == "fiv" and "an integer" in problem.message
        (line,) = warnings(stale_log, "queue=A stale-config")
        assert "a.conf [A] sched.maxpercycle.maximum = 'fiv'" in line and "reload" in line
        assert "queues running=2 of 2 configured; on their last good configuration (stale-config): A" in (
            stale_log.text
        )
        assert f.queue_sections()["A"] is before.section  # what the log services read too
        assert f.queues["B"] is b_before and f.queue_states["B"].state is RUNNING
        assert f.queue_states["B"].since == b_since
        assert f.not_started == {}
        assert cycle(f, world) == {"A": 5, "B": 5}  # still cycling, with its last good maximum

        write(etc / d / "a.conf", queue("A", "sched.maxpercycle.maximum = 2\n"))
        stale_log.clear()
        f.reload()
        assert f.queues["A"] is not before and f.queue_states["A"].state is RUNNING
        assert warnings(stale_log, "queue=A configuration fixed: its new configuration applies")
        assert not warnings(stale_log, "stale-config")
        assert cycle(f, world) == {"A": 2, "B": 5}
    finally:
        f.shutdown()


def test_a_kept_queue_keeps_its_since_over_reloads_and_says_so_every_few_cycles(
    conf_tree, world, stale_log
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS + queue("A") + queue("B")})
    f = factory(etc)
    try:
        write(etc / "queues.conf", DEFAULTS + queue("A", "apfqueue.sleep = never\n") + queue("B"))
        f.reload()
        first = f.queue_states["A"]
        write(etc / "queues.conf", DEFAULTS + queue("A", "schedplugin = Redy\n") + queue("B"))
        f.reload()
        second = f.queue_states["A"]
        assert second.state is KEPT and second.since == first.since
        assert [p.key for p in second.problems] == ["schedplugin"] and "Redy" in second.reason
        assert second.as_dict()["state"] == "kept-last-good"
        stale_log.clear()
        for _ in range(2 * REMIND_EVERY):
            f.run_cycle()
        assert len(warnings(stale_log, "queue=A stale-config")) == 2
        assert not warnings(stale_log, "queue=B")
    finally:
        f.shutdown()


def test_a_new_queue_with_errors_is_not_started_and_the_others_run(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS + queue("A")})
    f = factory(etc)
    try:
        write(etc / "queues.conf", DEFAULTS + queue("A") + queue("N", "sched.maxpercycle.maximum = lots\n"))
        f.reload()
        assert sorted(f.queues) == ["A"]
        state = f.queue_states["N"]
        assert state.state is QueueStateKind.NOT_STARTED and not state.runs
        assert "sched.maxpercycle.maximum = 'lots'" in f.not_started["N"]
        assert f.queue_states["A"].state is RUNNING
    finally:
        f.shutdown()


def test_a_broken_factory_key_of_a_plugin_keeps_its_queues_and_their_plugin_instances(
    conf_tree, world, stale_log
) -> None:  # type: ignore[no-untyped-def]
    static = "wmsstatusplugin = Static\nwmsstatus.static.activated = 3\n"
    files = {"queues.conf": DEFAULTS + queue("A") + queue("B") + queue("C", static)}
    etc = conf_tree(files=files)
    f = factory(etc)
    try:
        a, b, c = f.queues["A"], f.queues["B"], f.queues["C"]
        assert a.wms_key is not None and a.wms_key == b.wms_key  # one WMS instance for both
        wms = f.hub.get(a.wms_key)
        assert isinstance(wms, fakes.FakeWMS) and wms.sleep == 60.0
        conf_tree(factory="wmsstatus.fake.sleep = inf\n", files=files)
        stale_log.clear()
        assert f.reload() is ReloadKind.FULL

        assert f.queues["A"] is a and f.queues["B"] is b
        assert f.queue_states["A"].state is KEPT and f.queue_states["B"].state is KEPT
        assert a.wms_key is not None and isinstance(a.wms_key[2], Adopted) and b.wms_key == a.wms_key
        assert f.hub.get(a.wms_key) is wms  # its WMS plugin, with the [Factory] values it had
        assert any(
            p.key == "wmsstatus.fake.sleep" and p.section == "Factory" for p in f.queue_states["A"].problems
        )
        assert "wmsstatus.fake.sleep = 'inf'" in warnings(stale_log, "queue=A stale-config")[0]
        assert f.queues["C"] is not c and f.queue_states["C"].state is RUNNING  # C reads no such key
        polls = world.wms_polls
        assert cycle(f, world) == {"A": 5, "B": 5, "C": 3}
        assert world.wms_polls == polls + 1

        # another [Factory] change while the key is still broken: A and B stay as they are
        conf_tree(factory="wmsstatus.fake.sleep = inf\nbatchsubmit.concurrency = 3\n", files=files)
        assert f.reload() is ReloadKind.FULL
        assert f.queues["A"] is a and f.hub.get(a.wms_key) is wms and b.wms_key == a.wms_key
        assert f.queue_states["A"].state is KEPT
        assert cycle(f, world) == {"A": 5, "B": 5, "C": 3}

        conf_tree(factory="wmsstatus.fake.sleep = 30\n", files=files)
        f.reload()
        assert f.queues["A"] is not a and f.queue_states["A"].state is RUNNING
        new_wms = f.hub.get(f.queues["A"].wms_key)  # type: ignore[arg-type]
        assert isinstance(new_wms, fakes.FakeWMS) and new_wms is not wms and new_wms.sleep == 30.0
        assert cycle(f, world) == {"A": 5, "B": 5, "C": 3}
    finally:
        f.shutdown()


def test_a_broken_factory_key_of_the_local_backend_keeps_the_local_queues(conf_tree) -> None:  # type: ignore[no-untyped-def]
    local = """
    [DEFAULT]
    wmsstatusplugin = Static
    batchsubmitplugin = Local
    schedplugin = Ready
    executable = /bin/sh
    executable.arguments = -c "exit 0"
    apfqueue.sleep = 0
    [L1]
    [L2]
    """
    etc = conf_tree(files={"queues.conf": local})
    f = factory(etc)
    try:
        before = dict(f.queues)
        conf_tree(factory="batch.local.killgrace = nan\n", files={"queues.conf": local})
        assert f.reload() is ReloadKind.FULL
        assert f.queues == before
        assert {n: s.state for n, s in f.queue_states.items()} == {"L1": KEPT, "L2": KEPT}
        report = f.run_cycle()
        assert sorted(o.queue for o in report.outcomes) == ["L1", "L2"]
        assert all(not o.error and not o.reason for o in report.outcomes), [o.action for o in report.outcomes]
        conf_tree(factory="batch.local.killgrace = 5\n", files={"queues.conf": local})
        f.reload()
        assert {n: s.state for n, s in f.queue_states.items()} == {"L1": RUNNING, "L2": RUNNING}
    finally:
        f.shutdown()


def test_errors_gained_with_unchanged_values_keep_the_queue_consistently(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    d = "queues.d"
    etc = conf_tree(files={f"{d}/00.conf": DEFAULTS, f"{d}/a.conf": queue("A"), f"{d}/b.conf": queue("B")})
    f = factory(etc)
    try:
        a, b = f.queues["A"], f.queues["B"]
        (etc / d / "a.conf").write_text(queue("A") + "this line has no equals sign\n")
        f.reload()
        assert f.queues["A"] is a and f.queue_states["A"].state is KEPT
        assert "line 4" in f.queue_states["A"].reason and "a.conf" in f.queue_states["A"].reason
        assert f.queues["B"] is b and f.queue_states["B"].state is RUNNING
        assert cycle(f, world) == {"A": 5, "B": 5}
        (etc / d / "a.conf").write_text(queue("A"))
        f.reload()
        assert f.queues["A"] is not a and f.queue_states["A"].state is RUNNING
        assert f.queues["B"] is b
    finally:
        f.shutdown()


def test_a_section_lost_to_a_broken_header_is_kept_and_a_removed_one_stops(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    d = "queues.d"
    etc = conf_tree(files={f"{d}/00.conf": DEFAULTS, f"{d}/a.conf": queue("A"), f"{d}/b.conf": queue("B")})
    f = factory(etc)
    try:
        a = f.queues["A"]
        (etc / d / "a.conf").write_text("\n[A\nwmsqueue = SITE_A\n")
        f.reload()
        assert "A" not in f.cfg.queues
        assert f.queues["A"] is a and f.queue_states["A"].state is KEPT
        assert "missing from the new configuration" in f.queue_states["A"].reason
        assert "a broken section header" in f.queue_states["A"].reason
        assert cycle(f, world) == {"A": 5, "B": 5}
        (etc / d / "a.conf").unlink()
        f.reload()
        assert sorted(f.queues) == ["B"] and sorted(f.queue_states) == ["B"]
        write(etc / d / "b.conf", queue("B", "enabled = False\n"))
        f.reload()
        assert f.queues == {} and f.queue_states["B"].state is QueueStateKind.DISABLED
        assert f.not_started == {"B": "enabled = False"}
    finally:
        f.shutdown()


MAPPINGS = "[FAKEBATCH-STATE2INFO]\nI = pending\nR = running\n"


def test_a_mapping_typo_is_refused_for_the_running_queues(conf_tree, world, stale_log) -> None:  # type: ignore[no-untyped-def]
    mapped = DEFAULTS.replace("FakeBatch", "FakeMappedBatch")
    etc = conf_tree(
        factory="mappingsConf = mappings.conf\n",
        files={"queues.conf": mapped + queue("A"), "mappings.conf": MAPPINGS},
    )
    world.raw_states = {"A": {"I": 1, "R": 2}}
    reg = Registry()  # the plugin's mapping section is not built in: not in the shared registry
    for category, cls in (("wmsstatus", fakes.FakeWMS), ("batchstatus", fakes.FakeMappedBatch)):
        reg.register(category, cls.name, cls)
    reg.register("batchsubmit", fakes.FakeSubmit.name, fakes.FakeSubmit)
    f = Factory(RunOptions(conf=str(etc), services=False), reg)
    try:
        a = f.queues["A"]
        write(etc / "queues.conf", mapped + queue("A") + queue("N"))
        write(etc / "mappings.conf", "[FAKEBATCH-STATE2INFO]\nI = pendng\nR = running\n")
        stale_log.clear()
        f.reload()
        assert f.queues["A"] is a and f.queue_states["A"].state is KEPT
        assert any(p.key == "I" and p.section == "FAKEBATCH-STATE2INFO" for p in f.queue_states["A"].problems)
        assert f.queue_states["N"].state is QueueStateKind.NOT_STARTED  # a new queue does not start on it
        assert f.ctx.mappings.section("FAKEBATCH-STATE2INFO") == {"I": "pending", "R": "running"}
        assert warnings(stale_log, "[FAKEBATCH-STATE2INFO]")
        (out,) = f.run_cycle().outcomes
        assert not out.error and not out.reason and out.snapshot is not None
        assert out.snapshot.batch is not None and (
            out.snapshot.batch.pending,
            out.snapshot.batch.running,
        ) == (1, 2)

        write(etc / "mappings.conf", "[FAKEBATCH-STATE2INFO]\nI = pending\nR = running\nH = suspended\n")
        f.reload()
        assert {n: s.state for n, s in f.queue_states.items()} == {"A": RUNNING, "N": RUNNING}
        assert f.ctx.mappings.section("FAKEBATCH-STATE2INFO")["H"] == "suspended"
    finally:
        f.shutdown()


def test_a_broken_auth_profile_keeps_its_last_good_version_for_the_kept_queue(
    conf_tree, world, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    proxy = tmp_path / "proxy"
    good = f"[prod]\nplugin = X509\nx509.proxyfile = {proxy}\n"
    queues = DEFAULTS + queue("A", "batchsubmit.fake.proxy = prod\n")
    etc = conf_tree(factory="authConf = auth.conf\n", files={"queues.conf": queues, "auth.conf": good})
    f = factory(etc)
    try:
        auth = f.ctx.auth
        handler = auth.handler("prod")  # type: ignore[union-attr]
        write(etc / "auth.conf", "[prod]\nplugin = X509\nx509.lifetime = nan\n")
        f.reload()
        assert f.queue_states["A"].state is KEPT
        assert any(p.key == "batchsubmit.fake.proxy" for p in f.queue_states["A"].problems)
        assert f.ctx.auth is auth and auth.handler("prod") is handler  # type: ignore[union-attr]
        write(etc / "auth.conf", good.replace("proxy\n", "proxy2\n"))
        f.reload()
        assert f.queue_states["A"].state is RUNNING
        assert str(auth.handler("prod").proxyfile).endswith("proxy2")  # type: ignore[union-attr,attr-defined]
    finally:
        f.shutdown()


def test_a_queue_whose_new_plugins_refuse_to_start_keeps_running(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": DEFAULTS + queue("A")})
    f = factory(etc)
    try:
        a = f.queues["A"]
        write(etc / "queues.conf", DEFAULTS + queue("A", "batchsubmit.fake.boom = 1\n"))
        f.reload()
        assert f.queues["A"] is a and f.queue_states["A"].state is KEPT
        assert "fake submit plugin refuses to start" in f.queue_states["A"].reason
        assert cycle(f, world) == {"A": 5}
    finally:
        f.shutdown()


def test_a_kept_queue_reports_to_the_new_monitors_after_a_monitor_change(conf_tree, world) -> None:  # type: ignore[no-untyped-def]
    mon = "[mon]\nmonitorplugin = FakeMonitor\nmonitorURL = http://old.example/api\n"
    etc = conf_tree(
        factory="monitorConf = monitor.conf\n",
        files={"queues.conf": DEFAULTS + queue("A", "monitorsection = mon\n"), "monitor.conf": mon},
    )
    f = factory(etc)
    try:
        a, old_monitor = f.queues["A"], f.monitors["mon"]
        write(etc / "queues.conf", DEFAULTS + queue("A", "monitorsection = mon\nschedplugin = Redy\n"))
        write(etc / "monitor.conf", mon.replace("old.example", "new.example"))
        assert f.reload() is ReloadKind.FULL
        assert f.queues["A"] is a and f.queue_states["A"].state is KEPT
        assert f.monitors["mon"] is not old_monitor and a.monitors == [f.monitors["mon"]]
        assert cycle(f, world) == {"A": 5}
        assert ("pilots", "A", ["1.0", "2.0", "3.0", "4.0", "5.0"]) in world.monitor_calls
    finally:
        f.shutdown()

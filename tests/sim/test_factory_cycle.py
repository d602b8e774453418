"""The simulated plugins are ordinary plugins of a Registry, and the engine's own factory runs on them
in virtual time, with the real loader, chains, freshness rules, history hook and actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.outcome import ActionKind
from autopyfactory.model.batch import BatchView
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS, BatchStatusPlugin, WMSStatusPlugin
from autopyfactory.plugins.submit import BATCHSUBMIT, BatchSubmitPlugin
from autopyfactory.sched.base import SCHED
from autopyfactory.sim.engine_driver import EngineDriver
from autopyfactory.sim.plugins.registry import SIMULATED, simulation_registry
from autopyfactory.sim.queues import load_for_world, queue_names, write_generated
from autopyfactory.sim.workload import build_workload
from autopyfactory.sim.world import World
from tests.sim.helpers import small


def world(tmp: Path) -> World:
    s = small(tmp)
    return World(s, build_workload(s))


def cycle(tmp: Path, w: World, chain: str, **keys: str) -> EngineDriver:
    reg = simulation_registry(w)
    sc = load_for_world(str(write_generated(w.scenario, chain, tmp / "conf", keys)), w.scenario, reg, None)
    return EngineDriver(sc.cfg, reg)


def test_simulated_plugins_are_registry_plugins(tmp_path: Path) -> None:
    w = world(tmp_path)
    reg = simulation_registry(w)
    assert issubclass(reg.get(WMSSTATUS, SIMULATED), WMSStatusPlugin)
    assert issubclass(reg.get(BATCHSTATUS, SIMULATED), BatchStatusPlugin)
    assert issubclass(reg.get(BATCHSUBMIT, SIMULATED), BatchSubmitPlugin)
    assert SIMULATED in reg.names(BATCHSUBMIT) and "Local" in reg.names(BATCHSUBMIT)
    assert reg.get(SCHED, "leadtime").name == "leadtime"  # everything else comes from entry points


def test_generated_queues_one_per_site_and_wms_queue(tmp_path: Path) -> None:
    w = world(tmp_path)
    assert queue_names(w.scenario) == [
        ("CE_A", "CE_A", "PANDA_A"),
        ("CE_B", "CE_B", "PANDA_A"),
        ("CE_C", "CE_C", "ANALY_C"),
    ]
    c = cycle(tmp_path, w, "Ready")
    queues = c.factory.queues
    assert sorted(queues) == ["CE_A", "CE_B", "CE_C"] and c.not_started == {}
    assert queues["CE_B"].wmsqueue == "PANDA_A" and queues["CE_A"].sleep == 360


def test_unknown_site_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    w = world(tmp_path)
    cls = simulation_registry(w).get(BATCHSUBMIT, SIMULATED)
    q = ConfigSection.from_dict(
        "Q", {"batchsubmit.simulated.site": "CE_NOPE", "wmsqueue": "PANDA_A"}, "queues.conf"
    )
    with pytest.raises(ConfigError) as info:
        cls(None, q)
    assert info.value.problem.key == "batchsubmit.simulated.site" and "CE_NOPE" in str(info.value)


def test_the_wms_view_is_as_old_as_its_poll_and_refresh(tmp_path: Path) -> None:
    w = world(tmp_path)
    c = cycle(tmp_path, w, "Ready")
    rt = c.factory.queues["CE_A"]
    assert rt.wms_key is not None
    inst = c.factory.hub.get(rt.wms_key)
    w.advance(1000)
    view = inst.poll()  # type: ignore[union-attr]
    assert isinstance(view, WMSView) and view.taken_at == 900.0  # polled every 150 s
    assert view.site("PANDA_A") is not None
    batch = c.factory.hub.get(rt.batch_key)
    bv = batch.poll()  # type: ignore[union-attr]
    assert isinstance(bv, BatchView) and bv.taken_at == 1000.0


def test_a_cycle_decides_acts_and_explains(tmp_path: Path) -> None:
    w = world(tmp_path)
    c = cycle(tmp_path, w, "Ready,MaxPerCycle", **{"sched.maxpercycle.maximum": "7"})
    w.advance(1800)
    c.run_cycle(w.now)
    by = {o.queue: o for o in c.outcomes}
    a = by["CE_A"]
    assert a.decision is not None and a.decision.message.startswith("Ready:in=0,activated=")
    assert "MaxPerCycle:in=" in a.decision.message
    assert a.kind is ActionKind.SUBMIT and a.submitted == a.decision.n <= 7
    assert len(w.books["CE_A"].pending) >= a.submitted
    assert a.snapshot is not None
    hist = a.snapshot.history
    assert hist is not None and hist.share.queues == 2  # CE_A and CE_B feed PANDA_A
    assert hist.wms_taken_at == 1800.0 - 1800.0 % 150


def test_stale_wms_data_means_no_action(tmp_path: Path) -> None:
    w = world(tmp_path)
    c = cycle(tmp_path, w, "Ready", **{"wmsstatus.maxage": "10"})
    w.advance(1000)  # the WMS view is 100 s old
    c.run_cycle(w.now)
    assert all(o.action.startswith("none (wms data 100s old > maxage 10s") for o in c.outcomes)
    assert not any(b.pending for b in w.books.values())


def test_history_accumulates_between_cycles(tmp_path: Path) -> None:
    w = world(tmp_path)
    c = cycle(tmp_path, w, "leadtime")
    w.run(c)
    last = {o.queue: o for o in c.outcomes}
    snap = last["CE_A"].snapshot
    assert snap is not None
    h = snap.history
    assert h is not None and len(h.samples) > 30
    assert [s.at for s in h.samples] == sorted(s.at for s in h.samples)
    assert h.pilots and all(p.submitted_at <= w.end for p in h.pilots)
    assert len(h.wms_pilots) >= len(h.pilots)  # CE_B's pilots feed the same WMS queue
    assert [m.name for m in h.share.members] == ["CE_A", "CE_B"]  # each with its own pilots
    assert h.share.members[0].pilots == h.pilots and h.share.queues == 2
    assert h.samples == c.factory.history.samples("CE_A")[:-1]  # the last decision is recorded too
    assert "leadtime:in=0" in (last["CE_A"].decision.message if last["CE_A"].decision else "")


def test_operator_configuration_runs_against_the_world(tmp_path: Path) -> None:
    from autopyfactory.sim.runner import run_policy

    s = small(tmp_path)
    conf = tmp_path / "operator"
    conf.mkdir()
    (conf / "queues.conf").write_text(
        "[DEFAULT]\nbatchsubmitplugin = CondorCE\nbatchsubmit.condorce.gridresource = ce.example.org\n"
        "schedplugin = Ready, Scale, MaxPending\nsched.scale.factor = 0.5\nsched.maxpending.maximum = 20\n\n"
        "[CE_A]\nwmsqueue = PANDA_A\n\n"
        "[ANALY_C-ce]\nwmsqueue = ANALY_C\n\n"  # not a site name, but ANALY_C has one site
        "[UNMATCHED]\nwmsqueue = PANDA_A\n\n"  # PANDA_A has two sites: no way to know which
        "[ELSEWHERE]\nwmsqueue = PANDA_ZZZ\n"
    )
    r = run_policy(s, None, str(conf))
    assert r.name == "conf" and r.conservation == []
    assert any("[UNMATCHED] left out" in n for n in r.notes)
    assert any("[ELSEWHERE] left out" in n and "PANDA_ZZZ" in n for n in r.notes)
    assert r.metrics.wmsqueues["ANALY_C"].pilots_submitted > 0
    assert r.metrics.wmsqueues["PANDA_A"].pilots_submitted > 0
    other = run_policy(s, "keda", str(conf))  # the operator's queues with another chain
    assert other.name == "keda" and other.metrics != r.metrics


def test_the_engines_safety_cap_applies(tmp_path: Path) -> None:
    w = world(tmp_path)
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "autopyfactory.conf").write_text(
        f"[Factory]\nfactoryId = sim\nbaseLogDir = {tmp_path}/logs\nstatedir = {tmp_path}/state\n"
        "logserver.enabled = False\nbatchsubmit.maxpercycle = 3\n"
    )
    (etc / "queues.conf").write_text("[CE_C]\nwmsqueue = ANALY_C\nschedplugin = Ready\n")
    reg = simulation_registry(w)
    c = EngineDriver(load_for_world(str(etc), w.scenario, reg, None).cfg, reg)
    w.advance(3 * 3600)  # the task's avalanche is out: many jobs activated
    c.run_cycle(w.now)
    (o,) = c.outcomes
    assert o.decision is not None and o.decision.n > 3
    assert o.submitted == 3 and "batchsubmit.maxpercycle" in o.cap

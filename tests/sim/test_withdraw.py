"""Withdrawing pending pilots: a sched plugin asks for it explicitly, the engine's cycle carries it
out through the submit plugin, and only pilots that have not started are removed, whatever
``peaceful`` says; a negative decision of a 2.4 chain still retires only as 2.4 did."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.outcome import ActionKind, Outcome
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.plugins.submit import BatchSubmitPlugin, PilotRef
from autopyfactory.sched.base import SchedPlugin
from autopyfactory.sched.chain import decide
from autopyfactory.sim.engine_driver import EngineDriver
from autopyfactory.sim.entities import BUSY, IDLE, REMOVED
from autopyfactory.sim.plugins.registry import simulation_registry
from autopyfactory.sim.queues import load_for_world, write_generated
from autopyfactory.sim.scenario import (
    DurationDist,
    PilotSpec,
    Scenario,
    SimulationSpec,
    SiteSpec,
    StreamSpec,
    WMSQueueSpec,
)
from autopyfactory.sim.workload import build_workload
from autopyfactory.sim.world import World
from tests.sched.helpers import snap


class WithdrawFive(SchedPlugin):
    """Submits nothing and asks for five pending pilots to go."""

    name = "WithdrawFive"

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        return SchedResult(0, "WithdrawFive:ret=0", 5)


class RetireFive(SchedPlugin):
    """A 2.4-style negative decision."""

    name = "RetireFive"

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        return SchedResult(-5, "RetireFive:ret=-5")


def world() -> World:
    s = Scenario(
        Path("w.toml"),
        "w",
        SimulationSpec(duration=7200, seed=3, cycle=360, wms_refresh=120),
        (SiteSpec("S", 3, 30.0, 0.0),),
        (WMSQueueSpec("W", ("S",)),),
        PilotSpec(),
        streams=(StreamSpec("W", "steady", DurationDist(3000.0), per_hour=600),),
    )
    return World(s, build_workload(s))


def driver(tmp: Path, w: World, chain: str, **keys: str) -> EngineDriver:
    reg = simulation_registry(w)
    reg.register("sched", WithdrawFive.name, WithdrawFive)
    reg.register("sched", RetireFive.name, RetireFive)
    conf = write_generated(w.scenario, chain, tmp / "conf", keys)
    return EngineDriver(load_for_world(str(conf), w.scenario, reg, None).cfg, reg)


def test_a_withdraw_decision_removes_only_pending_pilots(tmp_path: Path) -> None:
    w = world()
    book = w.register_queue("S", "S", "W")
    w.advance(600)  # jobs are waiting
    pilots = w.submit(book, 6)
    w.advance(700)  # three start (3 slots), three wait for a slot
    running = [p for p in pilots if p.state in (IDLE, BUSY)]
    assert len(running) == 3 and len(book.pending) == 3
    d = driver(tmp_path, w, "WithdrawFive")  # the queue is peaceful (the default)
    d.run_cycle(w.now)
    (out,) = d.outcomes
    assert out.kind is ActionKind.WITHDRAW and out.target == -5
    assert out.withdrawn == 3 and out.action == "withdrew 3 pending"
    assert all(p.state in (IDLE, BUSY) for p in running)  # no running pilot was touched
    assert all(p.state == REMOVED for p in pilots if p not in running)
    assert w.wms["W"].pilots_removed == 3 and w.wms["W"].pilots_killed == 0


def test_a_negative_decision_retires_nothing_on_a_peaceful_queue(tmp_path: Path) -> None:
    w = world()
    book = w.register_queue("S", "S", "W")
    w.advance(600)
    pilots = w.submit(book, 6)
    w.advance(700)
    d = driver(tmp_path, w, "RetireFive")
    d.run_cycle(w.now)
    (out,) = d.outcomes
    assert out.kind is ActionKind.RETIRE and out.retired == 0 and out.peaceful
    assert len(book.pending) == 3 and len(book.running) == 3 and not any(p.state == REMOVED for p in pilots)


def test_withdraw_is_dropped_when_a_later_step_submits_or_retires() -> None:
    class Submit3(SchedPlugin):
        name = "Submit3"

        def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
            return SchedResult(3, "")

    q, f = ConfigSection.from_dict("Q", {}), ConfigSection.from_dict("Factory", {})
    s = snap(activated=0)
    assert decide([WithdrawFive(q, f)], s).withdraw == 5
    assert decide([WithdrawFive(q, f), Submit3(q, f)], s).withdraw == 0
    assert decide([WithdrawFive(q, f), RetireFive(q, f)], s).n == -5
    assert decide([WithdrawFive(q, f), RetireFive(q, f)], s).withdraw == 0


class _NoWithdraw(BatchSubmitPlugin):
    name = "NoWithdraw"
    made: ClassVar[list[str]] = []

    def submit(self, n: int) -> list[PilotRecord]:
        return []

    def list_pilots(self) -> list[PilotRef]:
        return [PilotRef("1.0", 1.0, "pending"), PilotRef("2.0", 2.0, "running")]

    def remove(self, pilot_ids: Sequence[str]) -> None:
        raise AssertionError("withdraw must not fall back to remove()")


class _Withdraws(_NoWithdraw):
    name = "Withdraws"
    can_withdraw = True
    removed: ClassVar[list[str]] = []

    def list_pilots(self) -> list[PilotRef]:
        return [
            PilotRef("1.0", 1.0, "pending"),
            PilotRef("2.0", 2.0, "running"),
            PilotRef("3.0", 3.0, "pending"),
            PilotRef("3.1", 3.0, "pending"),
        ]

    def remove_pending(self, pilot_ids: Sequence[str]) -> list[str]:
        self.removed.extend(pilot_ids)
        return list(pilot_ids)


def test_the_submit_plugin_withdraws_newest_pending_first_and_never_a_running_pilot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    q = ConfigSection.from_dict("Q", {})
    with caplog.at_level(logging.INFO):
        assert _NoWithdraw(None, q).withdraw(2) == []  # type: ignore[arg-type]
    assert "cannot remove pending pilots only" in caplog.text
    p = _Withdraws(None, q)  # type: ignore[arg-type]
    assert p.peaceful  # the default: withdrawing does not depend on it
    assert p.withdraw(2) == ["3.1", "3.0"]
    assert p.withdraw(10) == ["3.1", "3.0", "1.0"]
    assert "2.0" not in p.removed


def test_the_outcome_of_a_withdrawal_reads_as_such() -> None:
    out = Outcome("Q", None, None, ActionKind.WITHDRAW, target=-4, withdrawn=2)
    assert out.acts and out.action == "withdrew 2 pending"
    assert Outcome("Q", None, None, ActionKind.WITHDRAW, target=-4, error="boom").action == "error"

"""Bounded time and size whatever is in flight: SIGTERM while the first PanDA query hangs (default
timeouts) or while the pilot registry is locked by another process; --oneshot when no queue can
run; a decision asking for millions of pilots."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable

import pytest

from tests.faults import bounds
from tests.faults.confs import (
    FaultDirs,
    factory_keys,
    local_queue,
    pilot_keys,
    section,
    write_factory,
    write_queues,
)  # fmt: skip
from tests.faults.factoryproc import FactoryProcess
from tests.faults.netfaults import FaultServer
from tests.faults.tally import Scenario
from tests.invariants.registry import read_rows, registry_path
from tests.invariants.timing import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]


def sigterm(fp: FactoryProcess, scenario: Scenario) -> None:
    scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))


def test_sigterm_while_the_first_panda_query_hangs(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario
) -> None:
    """Default timeouts (60 s per request, 120 s per status query): SIGTERM must not wait for them."""
    scenario.step("SIGTERM while the first PanDA query hangs")
    (dirs.etc / "sites.json").write_text(json.dumps({"HANG": {"status": "online"}}))
    write_factory(dirs)
    with FaultServer("hang", name="PanDA hang") as panda:
        write_queues(dirs, section("HANG", {
            "wmsstatusplugin": "Panda", "wmsstatus.panda.url": panda.url, "wmsstatus.panda.sitestatus": "sites.json",
            "batchsubmitplugin": "Local", "executable": "/bin/true",
        }))  # fmt: skip
        fp = launch("--queue-sleep", "1", log="hang")
        wait_for(lambda: panda.requests() > 0, bounds.START, "the first PanDA query is sent")
        time.sleep(1.0)  # the first cycle now waits for it
        sigterm(fp, scenario)
    scenario.assert_clean()


def test_sigterm_while_the_pilot_registry_is_locked(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario
) -> None:
    """Another process holds the registry's write lock (an operator's sqlite3 shell): registry
    writes wait; SIGTERM must not."""
    scenario.step("SIGTERM while another process holds the registry lock")
    write_factory(dirs, factory_keys(dirs, **{"batch.local.slots": 4}))
    write_queues(dirs, local_queue(dirs, "LOCKED", seed, activated=10, maxtorun=2, duration=(0.2, 0.4)))
    fp = launch("--queue-sleep", "0.3", log="locked")
    fp.wait_decisions("LOCKED", 2, bounds.START)
    wait_for(lambda: len(read_rows(dirs.state)) >= 2, 10, "pilots submitted")
    db = sqlite3.connect(str(registry_path(dirs.state)), timeout=10, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        time.sleep(1.5)  # pilots end meanwhile: recording them, or new ones, waits for the lock
        sigterm(fp, scenario)
    finally:
        db.execute("ROLLBACK")
        db.close()
    scenario.assert_clean()


def test_oneshot_exits_when_no_queue_can_run(dirs: FaultDirs, launch: Launch, scenario: Scenario) -> None:
    scenario.step("--oneshot with only a queue naming an unknown sched plugin")
    write_factory(dirs)
    write_queues(dirs, section("BROKEN", {
        "wmsstatusplugin": "Static", "batchsubmitplugin": "Local", "schedplugin": "NoSuchPlugin",
        "executable": "/bin/true",
    }))  # fmt: skip
    fp = launch("--oneshot", log="oneshot")
    rc = fp.wait_exit(bounds.ONESHOT_EXIT)
    took = time.monotonic() - fp.started_mono
    if rc is None:
        fp.kill9()
        scenario.check([f"--oneshot with no queue that can run still ran after {took:.0f}s"])
    elif rc == 0 or "BROKEN" not in fp.output():
        scenario.check(
            [f"--oneshot with no queue that can run exited {rc} without naming the queue on stderr"]
        )
    scenario.assert_clean()


def test_a_decision_for_millions_of_pilots_is_capped(
    dirs: FaultDirs, launch: Launch, scenario: Scenario
) -> None:
    """2,000,000 activated jobs and a Ready-only chain: one cycle submits at most the per-queue
    per-cycle safety cap, logs the cut, stays in bounded memory, and exits."""
    scenario.step("2,000,000 activated jobs, Ready only")
    write_factory(dirs, factory_keys(dirs, **{"batch.local.slots": 2}))
    write_queues(dirs, section("HUGE", {
        "wmsstatusplugin": "Static", "wmsstatus.static.activated": 2_000_000, "batchsubmitplugin": "Local",
        "schedplugin": "Ready", "executable": "/bin/true",
    }))  # fmt: skip
    fp = launch("--oneshot", log="huge", memory_limit=1 << 30)
    rc = fp.wait_exit(60)
    if rc is None:
        fp.kill9()
    rows = len(read_rows(dirs.state))
    memory_errors = sum(ln.text.count("MemoryError") for ln in fp.lines()) + fp.output().count("MemoryError")
    scenario.check(
        ["one cycle ran out of memory (1 GB address space): MemoryError in the log"] if memory_errors else []
    )
    scenario.check([] if rc == 0 else [f"--oneshot exited {rc}"])
    cap = bounds.SAFETY_CAP
    scenario.check(
        []
        if 0 < rows <= cap
        else [f"one cycle submitted {rows} pilots for 2,000,000 activated jobs (cap {cap})"]
    )
    if not any("maxpercycle" in ln.text for ln in fp.lines()):
        scenario.check(["the cut to the safety cap is not logged (no line names batchsubmit.maxpercycle)"])
    scenario.assert_clean()


def test_a_hung_submission_costs_only_its_queue(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario
) -> None:
    """slurmrestd lists jobs but never answers a job submission (its own request deadline is long):
    the engine's submission deadline frees the cycle, the Local queue keeps deciding and starting
    pilots, and SIGTERM still ends the factory in time."""
    jobs, submit = "/slurm/v0.0.38/jobs", "/slurm/v0.0.38/job/submit"
    deadline = 2.0  # [Factory] batchsubmit.timeout
    (dirs.etc / "jwt").write_text("token\n")
    write_factory(dirs, factory_keys(dirs, **{
        "batch.local.slots": 4, "batchsubmit.timeout": deadline, "batch.slurm.timeout": 60,
    }))  # fmt: skip
    with FaultServer(
        "ok", {jobs: (200, b'{"jobs": []}')}, "slurmrestd", path_modes={submit: "hang"}
    ) as slurm:
        write_queues(
            dirs,
            section("HUNG_SUBMIT", {
                "wmsstatusplugin": "Static", "wmsstatus.static.activated": 5, "batchsubmitplugin": "Slurm",
                "batchsubmit.slurm.mode": "rest", "batchsubmit.slurm.rest.url": slurm.url,
                "batchsubmit.slurm.rest.tokenfile": dirs.etc / "jwt", "schedplugin": "Ready, MaxToRun",
                "sched.maxtorun.maximum": 2, **pilot_keys(dirs, seed, 0.2, 0.2),
            }),
            local_queue(dirs, "BESIDE", seed, activated=10, maxtorun=2, duration=(0.2, 0.4)),
        )  # fmt: skip
        fp = launch("--queue-sleep", "0.3", log="hung-submit")
        scenario.step("a submission that never returns")
        wait_for(lambda: any(c.path == submit for c in slurm.conns), bounds.START, "a submission is sent")
        t = time.time()
        time.sleep(3 * deadline)
        beside = [d for d in fp.decisions("BESIDE", since=t) if d.submitted]
        if len(beside) < 2:
            scenario.check(
                [f"queue BESIDE submitted in {len(beside)} cycle(s) while another queue's submission hung"]
            )
        scenario.step("SIGTERM with a submission hanging")
        scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.assert_clean()

"""Plugins that misbehave inside the real factory process, found through entry points
(``fault_plugins.py``): a monitor plugin whose calls never return costs no cycle and no stop; a
plugin thread that blocks the process's exit meets the last resort at ``shutdown.grace`` + 10 s,
and a second signal ends the process at once."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults import bounds
from tests.faults.confs import FaultDirs, factory_keys, local_queue, section, write_factory, write_queues
from tests.faults.factoryproc import FactoryProcess
from tests.faults.plugin_dist import install, with_plugins
from tests.faults.tally import Scenario
from tests.invariants.timing import NotReached, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]


def configure(
    dirs: FaultDirs,
    seed: int,
    monitors: dict[str, str],
    extra: dict[str, dict[str, object]] | None = None,
    **queues: str,
) -> None:
    """Monitor sections (name -> plugin), and Local queues (name -> their monitorsection, or ''; ``extra``:
    more keys of some)."""
    monitor_conf = dirs.etc / "monitor.conf"
    monitor_conf.write_text("".join(section(n, {"monitorplugin": p}) for n, p in monitors.items()))
    write_factory(dirs, factory_keys(dirs, **{
        "batch.local.slots": 4, "monitorConf": monitor_conf, "monitor.timeout": bounds.MONITOR_CALL_TIMEOUT,
        "plugins.inittimeout": bounds.PLUGIN_START_TIMEOUT,
    }))  # fmt: skip
    write_queues(dirs, *(
        local_queue(dirs, q, seed, activated=10, maxtorun=2, duration=(0.2, 0.4),
                    **({"monitorsection": m} if m else {}), **(extra or {}).get(q, {}))
        for q, m in queues.items()
    ))  # fmt: skip


def start(launch: Launch, dirs: FaultDirs, tmp_path: Path, name: str) -> FactoryProcess:
    env = with_plugins(dirs.env(), install(tmp_path))
    return launch("--queue-sleep", "0.3", log=name, env=env)


def logged(fp: FactoryProcess, *parts: str) -> bool:
    return any(all(p in ln.text for p in parts) for ln in fp.lines())


def keep_submitting(
    fp: FactoryProcess,
    scenario: Scenario,
    queues: tuple[str, ...],
    within: float,
    while_: str,
    since: float | None = None,
) -> None:
    """Each of ``queues`` submits in 3 cycles from ``since`` (now) on, within ``within`` seconds."""
    t = time.time() if since is None else since
    for queue in queues:

        def cycles(q: str = queue) -> bool:
            return len([d for d in fp.decisions(q, since=t) if d.submitted]) >= 3

        try:
            wait_for(cycles, within, f"queue {queue} submits in 3 cycles")
        except NotReached:
            n = len([d for d in fp.decisions(queue, since=t) if d.submitted])
            scenario.check([f"queue {queue} submitted in {n} cycle(s) while {while_}"])


def test_a_monitor_plugin_call_that_never_returns(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario, tmp_path: Path
) -> None:
    """The Hang monitor blocks every call about a queue and its close: monitor.timeout ends the
    engine's wait for it, its queue and the other queue keep deciding and starting pilots, and
    SIGTERM ends the factory in time."""
    configure(dirs, seed, {"hang": "Hang"}, MON_HUNG="hang", BESIDE="")
    fp = start(launch, dirs, tmp_path, "monitor-hang")
    scenario.step("a monitor plugin call never returns")
    try:
        wait_for(
            lambda: logged(fp, "monitor=hang", "monitor.timeout"),
            bounds.START + bounds.MONITOR_CALL_TIMEOUT,
            "the engine gives up waiting for the hung monitor call (monitor.timeout)",
        )
    except NotReached as exc:
        scenario.check([str(exc)])
    keep_submitting(
        fp, scenario, ("MON_HUNG", "BESIDE"), 20 * bounds.MONITOR_CALL_TIMEOUT, "a monitor plugin call hung"
    )
    if not logged(fp, "monitor=hang", "skipped"):
        scenario.check(["later calls to the hung monitor are not skipped (one thread per call)"])
    scenario.step("SIGTERM with a monitor plugin call hanging and a close that never returns")
    scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.assert_clean()


def test_plugins_whose_constructors_never_return(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario, tmp_path: Path
) -> None:
    """A WMS status plugin and a monitor plugin block forever when they are made: the queue that
    needs the WMS plugin is not started and says which plugin, the queue whose monitor does not start
    runs without it, the other queue runs, and SIGTERM ends the factory in time."""
    configure(
        dirs, seed, {"slow": "HangStart"}, {"WMS_HUNG": {"wmsstatusplugin": "HangStart"}},
        WMS_HUNG="", MON_SLOW="slow", BESIDE="",
    )  # fmt: skip
    fp = start(launch, dirs, tmp_path, "constructor-hang")
    scenario.step("a WMS status and a monitor plugin never return from their constructors")
    t = time.time()
    within = bounds.START + 2 * bounds.PLUGIN_START_TIMEOUT + 10
    keep_submitting(fp, scenario, ("MON_SLOW", "BESIDE"), within, "a plugin constructor hung", since=t)
    if not logged(fp, "queue=WMS_HUNG not started", "wmsstatus plugin HangStart was still starting"):
        scenario.check(["the queue whose WMS plugin never started does not say so, naming the plugin"])
    if not logged(fp, "monitor section [slow]", "did not start", "plugins.inittimeout"):
        scenario.check(["the monitor section whose plugin never started is not named in the log"])
    if fp.decisions("WMS_HUNG", since=t):
        scenario.check(["the queue whose WMS plugin never started cycles"])
    scenario.step("SIGTERM with two constructors still blocked")
    scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.assert_clean()


def test_the_last_resort_ends_a_factory_whose_exit_is_blocked(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario, tmp_path: Path
) -> None:
    """The Stuck monitor's thread (not a daemon thread, never ends) keeps the interpreter from
    exiting after the factory stopped: the process exits with status 1 at shutdown.grace + 10 s."""
    configure(dirs, seed, {"stuck": "Stuck"}, STUCK="stuck")
    fp = start(launch, dirs, tmp_path, "last-resort")
    fp.wait_decisions("STUCK", 2, bounds.START)
    scenario.step("SIGTERM while a plugin thread blocks the exit")
    took, rc = fp.terminate(bounds.HARD_EXIT + 2 * bounds.SLACK)
    if rc is None:
        scenario.check([f"still running {took:.0f}s after SIGTERM (last resort at {bounds.HARD_EXIT:g}s)"])
    elif rc != 1:
        scenario.check([f"exited with status {rc} {took:.1f}s after SIGTERM, not 1 (the last resort)"])
    elif not bounds.HARD_EXIT - 1.0 <= took <= bounds.HARD_EXIT + bounds.SLACK:
        scenario.check(
            [f"the last resort ended the process {took:.1f}s after SIGTERM, not at {bounds.HARD_EXIT:g}s"]
        )
    if rc is not None and not logged(fp, "SIGTERM", "exiting now"):
        scenario.check(["the last resort does not say why the process exits"])
    scenario.assert_clean()


@pytest.mark.parametrize(
    ("second", "after"),
    [
        (signal.SIGTERM, 0.5),  # while the factory still closes its plugins (the Hang monitor's close)
        (signal.SIGINT, 0.5),
        (signal.SIGTERM, bounds.SHUTDOWN_GRACE + 5.0),  # stopped; the exit waits for the Stuck thread
        (signal.SIGINT, bounds.SHUTDOWN_GRACE + 5.0),
    ],
    ids=["term-while-closing", "int-while-closing", "term-while-exit-blocked", "int-while-exit-blocked"],
)
def test_a_second_signal_exits_at_once(
    dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario, tmp_path: Path, second: int, after: float
) -> None:
    configure(dirs, seed, {"hang": "Hang", "stuck": "Stuck"}, BLOCKED="hang, stuck")
    if after > 1.0:
        configure(dirs, seed, {"stuck": "Stuck"}, BLOCKED="stuck")
    fp = start(launch, dirs, tmp_path, "second-signal")
    fp.wait_decisions("BLOCKED", 2, bounds.START)
    name = signal.Signals(second).name
    scenario.step(f"SIGTERM, then {name} {after:g}s later")
    fp.send(signal.SIGTERM)
    time.sleep(after)
    if not fp.alive():
        scenario.check([f"the factory exited within {after:g}s of SIGTERM: nothing blocked its stop"])
        scenario.assert_clean()
    t0 = time.monotonic()
    fp.send(second)
    rc = fp.wait_exit(bounds.SLACK)
    took = time.monotonic() - t0
    if rc is None:
        fp.kill9()
        scenario.check([f"still running {took:.0f}s after a second signal ({name})"])
    elif rc not in (0, 1):  # 0: the hurried stop ended; 1: it was blocked, so the process was ended
        scenario.check([f"a second signal ({name}) ended the process with status {rc}, not 0 or 1"])
    elif not logged(fp, f"second {name}: exiting now"):
        scenario.check([f"the exit at a second {name} is not logged"])
    scenario.assert_clean()

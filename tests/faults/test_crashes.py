"""kill -9 of the factory, of launchers and of pilots, at random (seeded) moments and at the worst
one: every pilot is counted exactly once, no queue runs more pilots than MaxToRun, the host no
more than its slots, nothing is started twice, and status tools change nothing."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.faults import bounds
from tests.faults.confs import FaultDirs, factory_keys, local_queue, write_factory, write_queues
from tests.faults.crashes import launchers, launches_unshown, pick_pilot, stop_with_unrecorded_child
from tests.faults.factoryproc import FactoryProcess, command
from tests.faults.session import TALLY
from tests.faults.tally import Scenario
from tests.faults.watch import PilotWatch, live_pilots
from tests.invariants.markers import read_markers, started_twice
from tests.invariants.proctable import kill
from tests.invariants.registry import read_rows, starts_not_recorded, still_active
from tests.invariants.timing import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]

# a started launcher to its pilot's start marker (two Python start-ups), on a loaded machine
PILOT_SHOWS = 30.0


def configure(dirs: FaultDirs, seed: int, queues: dict[str, int], activated: int, slots: int,
              duration: tuple[float, float]) -> None:  # fmt: skip
    write_factory(dirs, factory_keys(dirs, **{"batch.local.slots": slots}))
    write_queues(
        dirs,
        *(
            local_queue(dirs, q, seed, activated=activated, maxtorun=m, duration=duration)
            for q, m in queues.items()
        ),
    )


def drain(dirs: FaultDirs, launch: Launch, seed: int, queues: dict[str, int], slots: int,
          scenario: Scenario, timeout: float = 90.0) -> None:  # fmt: skip
    """Run a factory with no work left until every pilot has ended and been recorded as ended."""
    configure(dirs, seed, queues, 0, slots, (0.1, 0.1))
    fp = launch("--queue-sleep", "0.3", log="drain")
    wait_for(
        lambda: not live_pilots(dirs.markers) and not any(r.active for r in read_rows(dirs.state)),
        timeout,
        "every pilot ended and recorded as ended",
    )
    scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))


def final_checks(dirs: FaultDirs, scenario: Scenario) -> None:
    rows, markers = read_rows(dirs.state), read_markers(dirs.markers)
    scenario.check(started_twice(markers))
    scenario.check(starts_not_recorded(rows, markers))
    scenario.check(still_active(rows))
    scenario.pilots_checked(dirs.factory_id, {r.id for r in rows} | {m.id for m in markers})


def wait_new_submission(dirs: FaultDirs, since: float, timeout: float) -> bool:
    """True once the registry holds a pilot submitted after ``since``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.submitted >= since for r in read_rows(dirs.state)):
            return True
        time.sleep(0.005)
    return False


def test_kill9_of_factory_launchers_and_pilots_at_random_moments(
    dirs: FaultDirs, launch: Launch, rng: random.Random, seed: int, scenario: Scenario
) -> None:
    queues, slots = {"FAULTS_A": 4, "FAULTS_B": 3}, 6  # slots < 4 + 3: pilots also wait for a slot
    configure(dirs, seed, queues, 20, slots, (0.3, 2.5))
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, queues, slots) as watch:
        for r in range(TALLY.rounds):
            step = scenario.step(f"round {r + 1}")
            watch.set_phase(step.name)
            fp = launch("--queue-sleep", "0.3", log=f"round-{r + 1}")
            fp.wait_decisions("FAULTS_A", 1, bounds.START)
            if rng.random() < 0.5:  # right into a submission burst
                wait_new_submission(dirs, fp.started_at, 5.0)
                time.sleep(rng.uniform(0.0, 0.05))
            else:
                deadline = time.monotonic() + rng.uniform(0.2, 1.5)
                while time.monotonic() < deadline:
                    roll = rng.random()
                    pick = pick_pilot(dirs.markers, rng, with_launcher=True) if roll < 0.5 else None
                    if pick is not None:
                        _, pilot, launcher = pick
                        if rng.random() < 0.5 and launcher is not None:
                            scenario.killed("launcher", kill(launcher.pid))
                        else:
                            scenario.killed("pilot", kill(pilot.pid))
                    time.sleep(rng.uniform(0.1, 0.4))
            fp.kill9()
            scenario.killed("factory")
            time.sleep(rng.uniform(0.0, 0.5))  # pilots go on while no factory runs
            scenario.check(watch.violations(step.name))
        scenario.step("drain and count")
        watch.set_phase("drain and count")
        drain(dirs, launch, seed, queues, slots, scenario)
        scenario.check(watch.violations("drain and count"))
    final_checks(dirs, scenario)
    assert watch.samples > 20, "the process table was hardly sampled"
    scenario.assert_clean()


def test_kill9_between_starting_a_pilot_and_recording_it(
    dirs: FaultDirs, launch: Launch, rng: random.Random, seed: int, scenario: Scenario
) -> None:
    """The factory is single-stepped to the moment it has started a launcher and not recorded it:
    first a status tool runs against it there, then it is killed there and restarted."""
    queues, slots = {"FAULTS_W": 5}, 2  # pilots wait for a slot: some are always pending
    configure(dirs, seed, queues, 5, slots, (1.0, 1.5))
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, queues, slots) as watch:
        fp = launch("--queue-sleep", "0.5", log="window")

        scenario.step("queue-status while the factory is between starting a pilot and recording it")
        watch.set_phase("queue-status")
        child = stop_with_unrecorded_child(fp.pid, dirs.state, rng, bounds.START + 10)
        assert child is not None, "could not stop the factory between starting a launcher and recording it"
        _wait_pilot_of(dirs, child)
        # the stopped factory may have started other launchers just before this one (one per free
        # slot); their pilots can show after this one's: wait for all, so that a pilot showing
        # while the status tool runs can only be the status tool's
        wait_for(
            lambda: not launches_unshown(fp.pid, dirs.markers),
            PILOT_SHOWS,
            "every launcher the stopped factory started has started its pilot",
        )
        status = _status_tool_is_read_only(dirs)
        found = scenario.check(status.violations)
        found += scenario.check(started_twice(read_markers(dirs.markers)))
        # what the status tool started must not be blamed on what follows: end it
        for pid in status.processes:
            kill(pid)
        reported = status.pilots | {v.split()[1] for v in found if v.startswith("pilot ")}
        fp.send(signal.SIGCONT)

        scenario.step("kill -9 after a launcher started, before it was recorded")
        watch.set_phase("crash")
        child = stop_with_unrecorded_child(fp.pid, dirs.state, rng, bounds.START + 10)
        assert child is not None, "could not stop the factory between starting a launcher and recording it"
        fp.kill9()
        scenario.killed("factory")
        _wait_pilot_of(dirs, child)
        scenario.step("restart after the crash")
        watch.set_phase("restart")
        drain(dirs, launch, seed, queues, slots, scenario)
        scenario.check(
            watch.violations("queue-status") + watch.violations("crash") + watch.violations("restart")
        )
    rows, markers = read_rows(dirs.state), read_markers(dirs.markers)
    final = started_twice(markers) + starts_not_recorded(rows, markers) + still_active(rows)
    scenario.check([v for v in final if v.split()[1] not in reported])
    scenario.pilots_checked(dirs.factory_id, {r.id for r in rows} | {m.id for m in markers})
    scenario.assert_clean()


def _wait_pilot_of(dirs: FaultDirs, launcher: int) -> None:
    wait_for(
        lambda: any(launcher in (m.ppid, m.pgid) for m in read_markers(dirs.markers)),
        PILOT_SHOWS,
        f"the pilot of the unrecorded launcher {launcher} starts",
    )


@dataclass
class StatusToolRun:
    violations: list[str]
    pilots: set[str]  # ids of the pilots it added, changed or started
    processes: list[int]  # launchers and pilots it started


def _status_tool_is_read_only(dirs: FaultDirs) -> StatusToolRun:
    """Run ``queue-status`` against the registry of a stopped factory whose launches have all
    shown: nothing in the registry may change, no launcher and no pilot may start."""
    rows_before = {r.id: r for r in read_rows(dirs.state)}
    starts_before = {(m.id, m.pid) for m in read_markers(dirs.markers)}
    launchers_before = launchers(dirs.markers)
    st = subprocess.run(
        [*command(), "queue-status", "--conf", str(dirs.conf), "--json"],
        env=dirs.env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = [] if st.returncode == 0 else [f"queue-status failed: {st.stderr.strip()[-300:]}"]
    if st.returncode == 0:
        json.loads(st.stdout)
    new_launchers = sorted(launchers(dirs.markers) - launchers_before)
    time.sleep(1.0)  # a pilot it started has most likely written its marker by now
    new_launchers = sorted(set(new_launchers) | (launchers(dirs.markers) - launchers_before))
    ids: set[str] = set()
    for r in read_rows(dirs.state):
        b = rows_before.get(r.id)
        if b is None:
            out.append(f"queue-status added pilot {r.id}")
            ids.add(r.id)
        elif (b.state, b.pid) != (r.state, r.pid):
            out.append(f"queue-status changed pilot {r.id} from {b.state} to {r.state}")
            ids.add(r.id)
    started = [m for m in read_markers(dirs.markers) if (m.id, m.pid) not in starts_before]
    out += [f"queue-status started pilot {m.id} (pid {m.pid}, launcher {m.ppid})" for m in started]
    out += [f"queue-status started launcher pid {p}" for p in new_launchers]
    ids |= {m.id for m in started}
    procs = new_launchers + [p for m in started for p in (m.ppid, m.pid)]
    return StatusToolRun(out, ids, procs)


def test_kill9_of_a_launcher_or_a_pilot_keeps_every_pilot_counted(
    dirs: FaultDirs, launch: Launch, rng: random.Random, seed: int, scenario: Scenario
) -> None:
    q, queues, slots = "FAULTS_L", {"FAULTS_L": 2}, 4
    configure(dirs, seed, queues, 10, slots, (30.0, 30.0))
    with PilotWatch(dirs.factory_id, dirs.markers, dirs.state, queues, slots) as watch:
        fp = launch("--queue-sleep", "0.3", log="launchers")
        wait_for(lambda: len(live_pilots(dirs.markers)) == 2, bounds.START, "2 pilots running")

        scenario.step("kill -9 of a launcher whose pilot runs on")
        watch.set_phase("launcher")
        pick = pick_pilot(dirs.markers, rng, with_launcher=True)
        assert pick is not None and pick[2] is not None
        orphan_id, orphan, launcher = pick
        scenario.killed("launcher", kill(launcher.pid))  # type: ignore[union-attr]
        fp.wait_decisions(q, 5, 20, since=time.time())
        scenario.check(watch.violations("launcher"))

        scenario.step("kill -9 of the orphaned pilot")
        watch.set_phase("orphan")
        scenario.killed("pilot", kill(orphan.pid))
        scenario.check(_ended_and_replaced(dirs, orphan_id, None, 2))

        scenario.step("kill -9 of a pilot")
        watch.set_phase("pilot")
        pick = pick_pilot(dirs.markers, rng, with_launcher=True)
        assert pick is not None
        pilot_id, pilot, _ = pick
        scenario.killed("pilot", kill(pilot.pid, signal.SIGKILL))
        scenario.check(_ended_and_replaced(dirs, pilot_id, 128 + signal.SIGKILL, 2))
        scenario.check(watch.violations("orphan") + watch.violations("pilot"))
        scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    rows, markers = read_rows(dirs.state), read_markers(dirs.markers)
    scenario.check(started_twice(markers) + starts_not_recorded(rows, markers))
    scenario.pilots_checked(dirs.factory_id, {r.id for r in rows})
    scenario.assert_clean()


def _ended_and_replaced(dirs: FaultDirs, pilot_id: str, rc: int | None, n: int) -> list[str]:
    """The killed pilot is recorded as ended (with ``rc`` when given) and the queue is back to
    ``n`` running pilots, within a few cycles."""
    out: list[str] = []
    bound = 10.0
    try:
        wait_for(
            lambda: any(r.id == pilot_id and not r.active for r in read_rows(dirs.state)),
            bound,
            f"pilot {pilot_id} recorded as ended",
        )
    except AssertionError:
        out.append(
            f"pilot {pilot_id} was killed but the registry still counts it as running after {bound:g}s"
        )
        return out
    row = next(r for r in read_rows(dirs.state) if r.id == pilot_id)
    if rc is not None and row.rc != rc:
        out.append(f"pilot {pilot_id} was killed by SIGKILL but its exit code is recorded as {row.rc}")
    try:
        wait_for(lambda: len(live_pilots(dirs.markers)) >= n, bound, f"{n} pilots running again")
    except AssertionError:
        out.append(f"the queue did not go back to {n} running pilots within {bound:g}s")
    return out

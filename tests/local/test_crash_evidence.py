"""Crashes around Local pilots never start a pilot twice nor lose count of one: a factory killed between
starting a launcher and recording it, a launcher killed under its pilot, a pilot leaving processes
behind. Real factories, launchers and pilots; kill -9 where the issue says kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autopyfactory.batch.local.backend import LocalBatch
from autopyfactory.engine.factory import Factory, RunOptions

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Fixed, MaxToRun
sched.fixed.pilotspercycle = 1
sched.maxtorun.maximum = {maxtorun}
executable = /bin/sh
executable.arguments = -c '{script}'
apfqueue.sleep = 0

[LOCALQ]
wmsqueue = SITE
"""

CRASH_AFTER_LAUNCH = """
import os, signal, sys
from autopyfactory.batch.local.store import PilotStore
from autopyfactory.engine.factory import Factory, RunOptions

def crash(self, pilot_id, pid, *args, **kwargs):
    print(pid, flush=True)
    if sys.argv[2] == "stop":
        os.kill(pid, signal.SIGSTOP)  # the launcher has not got far yet
    os.kill(os.getpid(), signal.SIGKILL)  # the factory dies before it records the launch

PilotStore.started = crash
Factory(RunOptions(conf=sys.argv[1], services=False)).run_cycle()
"""


def _etc(conf_tree, script: str, maxtorun: int = 1, factory: str = "") -> Path:  # type: ignore[no-untyped-def]
    return conf_tree(factory=factory, files={"queues.conf": QUEUES.format(script=script, maxtorun=maxtorun)})


def wait_until(pred, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def counts(f: Factory) -> dict[str, int]:
    view = f.hub.get(f.queues["LOCALQ"].batch_key).poll()  # type: ignore[union-attr]
    q = view.queue("LOCALQ")
    return {"pending": q.pending, "running": q.running, "done": q.done}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _group_alive(pgid: int) -> bool:
    return _group_size(pgid) > 0


def _group_size(pgid: int) -> int:
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                n += 1
    return n


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.parametrize("launcher", ["ran-ahead", "stop"])
def test_a_factory_killed_between_launch_and_record_never_starts_the_pilot_twice(
    conf_tree, tmp_path: Path, launcher: str
) -> None:  # type: ignore[no-untyped-def]
    ran = tmp_path / "ran.txt"
    etc = _etc(conf_tree, f'echo "$APFCID" >> {ran}; sleep 2')
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_LAUNCH, str(etc), launcher],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    first_launcher = int(crashed.stdout.split()[0])
    try:
        f = Factory(RunOptions(conf=str(etc), services=False))  # the restart
        c = counts(f)
        assert c["pending"] + c["running"] == 1 and c["done"] == 0  # the one pilot, counted once
        if launcher == "stop":
            os.kill(first_launcher, signal.SIGCONT)  # the first launch wakes up late
        wait_until(lambda: counts(f)["done"] == 1, timeout=60)
        wait_until(lambda: not _alive(first_launcher), timeout=60)
        time.sleep(0.5)  # a duplicate start would append within this time too: give it the chance
        assert ran.read_text().split() == ["1.0"]
        assert counts(f) == {"pending": 0, "running": 0, "done": 1}
    finally:
        _kill_group(first_launcher)


def _store_row(state_dir: Path, pilot_id: str) -> dict[str, object]:
    db = sqlite3.connect(f"file:{state_dir / 'local-pilots.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM pilots WHERE id=?", (pilot_id,)).fetchone()
    db.close()
    return dict(row)


def test_a_killed_launcher_leaves_its_pilot_counted_until_its_process_group_is_gone(
    conf_tree, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    etc = _etc(conf_tree, "sleep 300", factory="batch.local.killgrace = 2\n")
    f = Factory(RunOptions(conf=str(etc), services=False))
    assert f.run_cycle().outcomes[0].action == "submitted 1"
    wait_until(lambda: counts(f)["running"] == 1)
    launcher_pid = int(_store_row(tmp_path / "state", "1.0")["pid"])  # type: ignore[call-overload]
    try:
        wait_until(lambda: _group_size(launcher_pid) >= 2)  # the launcher and its pilot
        os.kill(launcher_pid, signal.SIGKILL)
        wait_until(lambda: not _alive(launcher_pid))
        assert _group_alive(launcher_pid)  # the pilot itself runs on
        assert counts(f) == {"pending": 0, "running": 1, "done": 0}
        out = f.run_cycle().outcomes[0]
        assert out.decision.n == 0 and out.submitted == 0, out  # MaxToRun = 1 reached: no replacement

        f.shutdown()  # and after a restart it is still the same one running pilot
        LocalBatch.forget_all()
        f = Factory(RunOptions(conf=str(etc), services=False))
        assert counts(f) == {"pending": 0, "running": 1, "done": 0}
        assert f.run_cycle().outcomes[0].submitted == 0

        # retirable: removing it ends its process group, and only then is it no longer running
        f.queues["LOCALQ"].submitter.remove(["1.0"])
        wait_until(lambda: counts(f)["running"] == 0, timeout=60)
        assert not _group_alive(launcher_pid)
        assert counts(f) == {"pending": 0, "running": 0, "done": 1}
    finally:
        _kill_group(launcher_pid)


def test_processes_a_pilot_leaves_behind_end_with_it(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = _etc(conf_tree, "sleep 300 & exit 3")
    f = Factory(RunOptions(conf=str(etc), services=False))
    f.run_cycle()
    wait_until(lambda: _store_row(tmp_path / "state", "1.0")["pid"] is not None)
    pgid = int(_store_row(tmp_path / "state", "1.0")["pid"])  # type: ignore[call-overload]
    try:
        wait_until(lambda: counts(f)["done"] == 1, timeout=60)
        assert not _group_alive(pgid)
        assert _store_row(tmp_path / "state", "1.0")["rc"] == 3
    finally:
        _kill_group(pgid)

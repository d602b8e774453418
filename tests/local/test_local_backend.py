"""Local pilots are real processes: environment, process groups, logs, slots, retirement, restarts."""

from __future__ import annotations

import os
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
schedplugin = Fixed
sched.fixed.pilotspercycle = {n}
executable = /bin/sh
executable.arguments = -c '{script}'
apfqueue.sleep = 0

[LOCALQ]
wmsqueue = SITE
batchsubmit.local.environ = EXTRA_VAR=hello
"""


def tree(conf_tree, n: int, script: str, factory: str = "") -> Path:  # type: ignore[no-untyped-def]
    return conf_tree(factory=factory, files={"queues.conf": QUEUES.format(n=n, script=script)})


def wait_until(pred, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def counts(f: Factory) -> dict[str, int]:
    view = f.hub.get(f.queues["LOCALQ"].batch_key).poll()  # type: ignore[union-attr]
    q = view.queue("LOCALQ")
    return {"pending": q.pending, "running": q.running, "done": q.done}


def test_pilot_gets_the_2_4_environment_its_own_process_group_and_logs(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    script = 'echo "$APFFID $APFCID $FACTORYQUEUE $PANDA_JSID $FACTORYUSER $EXTRA_VAR $GTAG"; ps -o pgid= -p $$; echo "sid $(ps -o sid= -p $$)"'
    etc = tree(conf_tree, 1, script)
    f = Factory(RunOptions(conf=str(etc), services=False))
    out = f.run_cycle().outcomes[0]
    assert out.action == "submitted 1"
    wait_until(lambda: counts(f)["done"] == 1)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    logdir = tmp_path / "logs" / day / "LOCALQ"
    text = (logdir / "1.0.out").read_text().split("\n")
    assert (
        text[0]
        == f"test-factory 1.0 LOCALQ test-factory tester hello http://localhost:25880/{day}/LOCALQ/1.0.out"
    )
    assert int(text[1]) != os.getpgid(0)  # not the factory's process group
    assert "exited rc=0 (done)" in (logdir / "1.0.log").read_text()


def test_slots_keep_extra_pilots_pending_until_a_slot_frees(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, 3, "sleep 1", factory="batch.local.slots = 1\n")
    f = Factory(RunOptions(conf=str(etc), services=False))
    f.run_cycle()
    assert counts(f) == {"pending": 2, "running": 1, "done": 0}
    wait_until(lambda: counts(f)["done"] == 3, timeout=20)


def test_pilots_survive_a_factory_restart_none_lost_none_counted_twice(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, 3, "sleep 2; exit 7", factory="batch.local.slots = 2\n")
    f1 = Factory(RunOptions(conf=str(etc), services=False))
    f1.run_cycle()
    assert counts(f1) == {"pending": 1, "running": 2, "done": 0}
    f1.shutdown()
    LocalBatch.forget_all()  # the factory process is gone; its pilots are not
    f2 = Factory(RunOptions(conf=str(etc), services=False))
    assert counts(f2) == {"pending": 1, "running": 2, "done": 0}
    wait_until(lambda: counts(f2)["done"] == 3, timeout=20)
    assert counts(f2) == {"pending": 0, "running": 0, "done": 3}
    store = LocalBatch.for_dir(tmp_path / "state", 2).store
    # exit codes of pilots the new process did not start come from the launcher's rc file
    assert {store.get(f"1.{i}").rc for i in range(3)} == {7}  # type: ignore[union-attr]


@pytest.mark.parametrize(("order", "victims"), [("newest", {"1.2", "1.1"}), ("oldest", {"1.0", "1.1"})])
def test_retirement_removes_pilots_in_killorder(conf_tree, order: str, victims: set[str]) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, 3, "sleep 30", factory="batch.local.killgrace = 1\n")
    text = (
        etc / "queues.conf"
    ).read_text() + f"batchsubmit.local.peaceful = False\nbatchsubmit.local.killorder = {order}\n"
    (etc / "queues.conf").write_text(text)
    f = Factory(RunOptions(conf=str(etc), services=False))
    f.run_cycle()
    wait_until(lambda: counts(f)["running"] == 3)
    sub = f.queues["LOCALQ"].submitter
    removed = sub.retire(2)
    assert set(removed) == victims
    wait_until(lambda: counts(f)["running"] == 1)
    store = sub.backend.store  # type: ignore[attr-defined]
    assert {p.id for p in store.active("LOCALQ")} == {"1.0", "1.1", "1.2"} - victims
    sub.retire(1)
    wait_until(lambda: counts(f)["running"] == 0)


LAUNCH_WITH_EARLY_SIGTERM = """
import os, signal, subprocess, sys
from autopyfactory.batch.local import launcher

real = subprocess.Popen

def popen_then_sigterm(*args, **kw):
    child = real(*args, **kw)
    print(child.pid, flush=True)
    os.kill(os.getpid(), signal.SIGTERM)  # the removal arrives while the launcher starts the command
    return child

launcher.subprocess.Popen = popen_then_sigterm
raise SystemExit(launcher.main(sys.argv[1:]))
"""


def test_launcher_passes_on_a_signal_that_arrives_while_it_starts_the_command(tmp_path: Path) -> None:
    import json
    import signal
    import subprocess
    import sys

    rc_file, out = tmp_path / "p.rc", tmp_path / "out"
    with out.open("w") as f:  # a file, not a pipe: a command left running would hold a pipe open
        proc = subprocess.run(
            [sys.executable, "-c", LAUNCH_WITH_EARLY_SIGTERM, str(rc_file), "--", "sleep", "30"],
            stdout=f,
            timeout=20,
        )
    child_pid = int(out.read_text().split()[0])
    alive = Path(f"/proc/{child_pid}").exists()
    if alive:
        os.kill(child_pid, signal.SIGKILL)
    assert not alive, "the command outlived its launcher"
    assert proc.returncode == 128 + signal.SIGTERM
    assert json.loads(rc_file.read_text())["rc"] == 128 + signal.SIGTERM


def test_a_failed_registry_write_leaves_the_registry_usable(tmp_path: Path) -> None:
    import dataclasses
    import sqlite3

    from autopyfactory.batch.local.store import LocalPilot, PilotStore

    store = PilotStore(tmp_path / "pilots.sqlite")
    pilot = LocalPilot("1.0", "Q", "pending", 1.0, None, None, None, None, None, str(tmp_path), [], {}, None)
    store.add([pilot])
    with pytest.raises(sqlite3.IntegrityError):
        store.add([pilot])  # stands for any failure inside the transaction (disk full, ...)
    assert store.next_cluster() == 1
    store.add([dataclasses.replace(pilot, id="2.0")])
    assert [p.id for p in store.active()] == ["1.0", "2.0"]
    store.close()

"""Status commands are read-only: ``queue-status`` (and ``kill-pilots --dry-run``) run next to a live
factory start nothing, change no record, and leave a launch in progress alone."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from autopyfactory.engine.factory import Factory, RunOptions

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Fixed
sched.fixed.pilotspercycle = 2
executable = /bin/sh
executable.arguments = -c 'sleep 0.2'
apfqueue.sleep = 0

[LOCALQ]
wmsqueue = SITE
"""


def afy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autopyfactory", *args], capture_output=True, text=True, timeout=120
    )


def _rows(db_path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = db.execute("SELECT * FROM pilots ORDER BY id").fetchall()
    db.close()
    return rows


def wait_until(pred, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_queue_status_next_to_a_running_factory_changes_nothing(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(factory="batch.local.slots = 1\n", files={"queues.conf": QUEUES})
    f = Factory(RunOptions(conf=str(etc), services=False))  # the running factory, idle between cycles
    f.run_cycle()  # 1.0 runs (one slot), 1.1 waits
    db_path = tmp_path / "state" / "local-pilots.sqlite"
    db = sqlite3.connect(str(db_path))
    # the factory is half-way through starting another pilot
    db.execute(
        "INSERT INTO pilots(id, queue, state, submitted, logdir, argv, env) "
        "VALUES ('9.0', 'LOCALQ', 'starting', ?, ?, '[\"/bin/true\"]', '{}')",
        (time.time(), str(tmp_path)),
    )
    db.commit()
    db.close()
    wait_until(lambda: (tmp_path / "state" / "local-rc" / "1.0.rc").exists())  # 1.0 ended: a slot is free
    logdir = next((tmp_path / "logs").glob("*/LOCALQ"))
    before = _rows(db_path)

    for args in (
        ("queue-status", "--json"),
        ("queue-status",),
        ("kill-pilots", "--queue", "LOCALQ", "--dry-run"),
    ):
        r = afy(args[0], "--conf", str(etc), *args[1:])
        assert r.returncode == 0, r.stderr
        assert _rows(db_path) == before, args  # not one record changed
        assert not (logdir / "1.1.out").exists(), args  # the waiting pilot was not started
    status = json.loads(afy("queue-status", "--conf", str(etc), "--json").stdout)["LOCALQ"]
    # what is true right now: 1.0 has ended (not yet reaped), 1.1 and 9.0 wait
    assert (status["pending"], status["running"], status["done"]) == (2, 0, 1)

    f.shutdown()


def test_queue_status_on_a_fresh_host_creates_nothing(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    r = afy("queue-status", "--conf", str(etc), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["LOCALQ"]["running"] == 0
    assert not (tmp_path / "state").exists()
    assert sorted(os.listdir(tmp_path)) == ["etc"]

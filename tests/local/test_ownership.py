"""One process owns a local registry (starts, adopts, reaps); any process may remove pilots; registries
written by the earlier format are taken over without losing or restarting their pilots."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from autopyfactory.batch.local import launcher
from autopyfactory.batch.local.backend import LocalBatch

OWNER = """
import sys, time
from pathlib import Path
from autopyfactory.batch.local.backend import LocalBatch
b = LocalBatch(Path(sys.argv[1]), 4)
b.schedule()
print("owner", flush=True)
time.sleep(120)
"""


def wait_until(pred, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def _submit(b: LocalBatch, tmp_path: Path, script: str, n: int = 1) -> list[str]:
    env = {"PATH": os.environ["PATH"]}
    pilots = b.submit("Q", n, ["/bin/sh", "-c", script], lambda _id: env, tmp_path / "logs")
    return [p.id for p in pilots]


def test_only_the_owner_of_the_registry_starts_pilots(tmp_path: Path) -> None:
    state = tmp_path / "state"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(state)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "owner"
        other = LocalBatch(state, 4)  # a second process on the same state directory
        ids = _submit(other, tmp_path, "echo ran")
        other.schedule()
        assert [p.state for p in other.store.active()] == ["pending"]
        assert not (tmp_path / "logs" / f"{ids[0]}.out").exists()
        other.close()
    finally:
        owner.kill()
        owner.wait(30)
    heir = LocalBatch(state, 4)  # the owner died: the lease is free at once
    heir.schedule()
    wait_until(lambda: (heir.reap(), heir.store.get("1.0").state)[1] == "done")  # type: ignore[union-attr]
    assert (tmp_path / "logs" / "1.0.out").read_text() == "ran\n"
    heir.close()


def test_a_removal_arriving_while_the_pilot_starts_is_honoured(tmp_path: Path) -> None:
    state = tmp_path / "state"
    owner = LocalBatch(state, 4)
    remover = LocalBatch(state, 4)  # another process's view, e.g. kill-pilots
    real_started = owner.store.started

    def started_after_a_removal(pilot_id: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        remover.remove([pilot_id])  # it sees the pilot half-started
        return real_started(pilot_id, *args, **kwargs)

    owner.store.started = started_after_a_removal  # type: ignore[method-assign]
    _submit(owner, tmp_path, "sleep 300")

    def ended() -> bool:
        owner.reap()
        return owner.store.get("1.0").state == "killed"  # type: ignore[union-attr]

    wait_until(ended, timeout=60)
    owner.close()
    remover.close()


OLD_SCHEMA = """
CREATE TABLE pilots (id TEXT PRIMARY KEY, queue TEXT NOT NULL, state TEXT NOT NULL, submitted REAL NOT NULL,
  started REAL, ended REAL, pid INTEGER, pid_start INTEGER, rc INTEGER, logdir TEXT NOT NULL, argv TEXT NOT NULL,
  env TEXT NOT NULL, kill_requested REAL);
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""


def test_a_launch_recorded_by_the_earlier_format_is_adopted_not_restarted(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "local-rc").mkdir(parents=True)
    rc = state / "local-rc" / "1.0.rc"
    old_launcher = subprocess.Popen(
        [sys.executable, "-I", launcher.__file__, str(rc), "--", "sleep", "300"], start_new_session=True
    )
    try:
        db = sqlite3.connect(str(state / "local-pilots.sqlite"))
        db.executescript(OLD_SCHEMA)
        rows = [("1.0", "starting"), ("1.1", "starting")]  # 1.0 has a launcher, 1.1 never got one
        db.executemany(
            "INSERT INTO pilots(id, queue, state, submitted, logdir, argv, env) VALUES (?, 'Q', ?, 1, ?, '[\"/bin/true\"]', '{}')",
            [(i, s, str(tmp_path)) for i, s in rows],
        )
        db.commit()
        db.close()
        b = LocalBatch(state, 1)  # one slot: the adopted pilot holds it
        b.schedule()
        p0, p1 = b.store.get("1.0"), b.store.get("1.1")
        assert p0 is not None and p0.state == "running" and p0.pid == old_launcher.pid
        assert p1 is not None and p1.state == "pending"
        b.remove(["1.0"])
        wait_until(lambda: old_launcher.poll() is not None)
        b.schedule()
        assert b.store.get("1.0").state == "killed"  # type: ignore[union-attr]
        b.close()
    finally:
        if old_launcher.poll() is None:
            os.killpg(old_launcher.pid, signal.SIGKILL)
        old_launcher.wait(30)

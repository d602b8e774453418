"""The local batch system: a slot-limited scheduler of pilot processes over the SQLite registry.

One instance per state directory is shared by every Local queue (submit and status). Pending
pilots start when a slot frees up; each runs under the launcher, in its own process group, with
stdout/stderr/log in its queue's log directory. Pilots started by an earlier factory process are
found again through the registry and recognised by pid plus process start time."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from autopyfactory.batch.local import launcher
from autopyfactory.batch.local.store import LocalPilot, PilotStore

log = logging.getLogger(__name__)

BASE_ENV_KEYS = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR", "SHELL", "TZ")


def proc_start_time(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot, or None when no such (live) process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rfind(")") + 2 :].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


class LocalBatch:
    _instances: dict[Path, LocalBatch] = {}
    _ilock = threading.Lock()

    @classmethod
    def for_dir(cls, state_dir: Path, slots: int, kill_grace: float = 30.0) -> LocalBatch:
        key = state_dir.resolve()
        with cls._ilock:
            inst = cls._instances.get(key)
            if inst is None:
                inst = cls._instances[key] = cls(key, slots, kill_grace)
            else:
                inst.slots, inst.kill_grace = slots, kill_grace
            return inst

    @classmethod
    def forget_all(cls) -> None:
        """Drop shared instances (tests that start many factories in one process)."""
        with cls._ilock:
            for inst in cls._instances.values():
                inst.store.close()
            cls._instances.clear()

    def __init__(self, state_dir: Path, slots: int, kill_grace: float = 30.0) -> None:
        self.state_dir = state_dir
        self.rc_dir = state_dir / "local-rc"
        self.rc_dir.mkdir(parents=True, exist_ok=True)
        self.store = PilotStore(state_dir / "local-pilots.sqlite")
        self.store.reset_starting()
        self.slots = slots
        self.kill_grace = kill_grace
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.RLock()

    # -- submission -------------------------------------------------------------------------
    def submit(
        self, queue: str, n: int, argv: Sequence[str], env_for: Callable[[str], dict[str, str]], logdir: Path
    ) -> list[LocalPilot]:
        cluster = self.store.next_cluster()
        now = time.time()
        pilots = [
            LocalPilot(
                f"{cluster}.{i}",
                queue,
                "pending",
                now,
                None,
                None,
                None,
                None,
                None,
                str(logdir),
                list(argv),
                env,
                None,
            )
            for i in range(n)
            for env in [env_for(f"{cluster}.{i}")]
        ]
        self.store.add(pilots)
        for p in pilots:
            self._event(p, "submitted to local batch, queue " + queue)
        self.schedule()
        return pilots

    # -- scheduling -------------------------------------------------------------------------
    def schedule(self) -> None:
        """Reap finished pilots, then start pending ones while slots are free."""
        with self._lock:
            self.reap()
            free = (self.slots - self.store.count_running()) if self.slots > 0 else 1 << 30
            if free <= 0:
                return
            for p in self.store.active():
                if free <= 0:
                    break
                if p.state != "pending" or not self.store.claim_pending(p.id):
                    continue
                self._start(p)
                free -= 1

    def _start(self, p: LocalPilot) -> None:
        logdir = Path(p.logdir)
        logdir.mkdir(parents=True, exist_ok=True)
        rc_file = self.rc_dir / f"{p.id}.rc"
        cmd = [sys.executable, "-I", launcher.__file__, str(rc_file), "--", *p.argv]
        now = time.time()
        try:
            with open(logdir / f"{p.id}.out", "ab") as out, open(logdir / f"{p.id}.err", "ab") as err:
                child = subprocess.Popen(
                    cmd,
                    cwd=str(logdir),
                    env=p.env,
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
        except OSError as exc:
            self.store.finish(p.id, "failed", 127, now, now)
            self._event(p, f"cannot start: {exc}")
            log.error("local pilot %s of queue %s cannot start: %s", p.id, p.queue, exc)
            return
        self._children[p.id] = child
        self.store.started(p.id, child.pid, proc_start_time(child.pid), now)
        self._event(p, f"started pid {child.pid}")

    def reap(self) -> None:
        """Move pilots that have exited to done (rc known) and escalate overdue kills."""
        now = time.time()
        with self._lock:
            for p in self.store.active():
                if p.state != "running" or p.pid is None:
                    continue
                child = self._children.get(p.id)
                if child is not None:
                    alive = child.poll() is None
                else:
                    alive = p.pid_start is not None and proc_start_time(p.pid) == p.pid_start
                if alive:
                    if p.kill_requested is not None and now - p.kill_requested > self.kill_grace:
                        self._signal_group(p, signal.SIGKILL)
                    continue
                self._children.pop(p.id, None)
                rc = self._read_rc(p.id)
                if rc is None and child is not None and child.returncode is not None:
                    rc = child.returncode if child.returncode >= 0 else 128 - child.returncode
                state = "killed" if p.kill_requested is not None else "done"
                self.store.finish(p.id, state, rc, now)
                self._event(p, f"exited rc={rc if rc is not None else 'unknown'} ({state})")

    def _read_rc(self, pilot_id: str) -> int | None:
        path = self.rc_dir / f"{pilot_id}.rc"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            path.unlink()
            return int(data["rc"])
        except (OSError, ValueError, KeyError):
            return None

    # -- removal ----------------------------------------------------------------------------
    def remove(self, pilot_ids: Sequence[str]) -> None:
        now = time.time()
        with self._lock:
            for pid_ in pilot_ids:
                p = self.store.get(pid_)
                if p is None or p.state not in ("pending", "running"):
                    continue
                if p.state == "pending":
                    self.store.finish(p.id, "killed", None, now)
                    self._event(p, "removed before it started")
                    continue
                self.store.request_kill(p.id, now)
                self._signal(p, signal.SIGTERM)
                self._event(p, "removal requested: SIGTERM")

    def _alive(self, p: LocalPilot) -> bool:
        return p.pid is not None and p.pid_start is not None and proc_start_time(p.pid) == p.pid_start

    def _signal(self, p: LocalPilot, sig: int) -> None:
        if p.pid is not None and self._alive(p):
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass

    def _signal_group(self, p: LocalPilot, sig: int) -> None:
        if p.pid is not None and self._alive(p):
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def _event(self, p: LocalPilot, text: str) -> None:
        try:
            with open(Path(p.logdir) / f"{p.id}.log", "a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} (UTC) {p.id}: {text}\n")
        except OSError:
            pass

"""The local batch system: a slot-limited scheduler of pilot processes over the SQLite registry.

One instance per state directory is shared by every Local queue (submit and status). Pending
pilots start when a slot frees up; each runs under the launcher, which leads the pilot's own
process group, with stdout/stderr/log in its queue's log directory.

Crash safety (the registry is the record, ``/proc`` and the launch claims are the evidence):

- Starting, adopting and reaping pilots is done only by the process holding the registry's owner
  lease (:mod:`autopyfactory.batch.local.lease`): the factory. Nothing else ever starts a pilot.
- A launch is committed to the registry (``starting``, with a new attempt number) before the
  launcher is started; the launcher claims that attempt before it starts the pilot. After a crash,
  a ``starting`` record is resolved by the claim: adopted as running when the launcher made it;
  otherwise the factory claims the attempt itself (the launcher, should it still come, then starts
  nothing) and queues the pilot again. A pilot is never started twice.
- A pilot runs while anything of its process group lives, launcher or not, and is counted as
  running (and can be removed) until the whole group is gone."""

from __future__ import annotations

import contextlib
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
from autopyfactory.batch.local.evidence import liveness, parse_claim
from autopyfactory.batch.local.layout import StateLayout
from autopyfactory.batch.local.lease import OwnerLease
from autopyfactory.batch.local.procs import (
    ProcessTable,
    boot_id,
    find_process_with_arg,
    proc_start_time,
    read_proc,
)
from autopyfactory.batch.local.store import LocalPilot, PilotStore

log = logging.getLogger(__name__)

BASE_ENV_KEYS = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR", "SHELL", "TZ")
NOT_OWNER_LOG_EVERY = 300.0  # seconds between repeats of "another process owns the registry"

__all__ = ["BASE_ENV_KEYS", "LocalBatch", "proc_start_time"]


class LocalBatch:
    """The Local backend of one state directory (one per process): starts pilots as processes up to ``slots``
    at once, keeps them in its SQLite registry, reaps and removes them."""

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
                inst.close()
            cls._instances.clear()

    def __init__(self, state_dir: Path, slots: int, kill_grace: float = 30.0) -> None:
        self.state_dir = state_dir
        self.layout = StateLayout(state_dir)
        self.rc_dir = self.layout.rc_dir
        self.rc_dir.mkdir(parents=True, exist_ok=True)
        self.layout.claim_dir.mkdir(parents=True, exist_ok=True)
        self.store = PilotStore(self.layout.registry)
        self.lease = OwnerLease(self.layout.lease)
        self.slots = slots
        self.kill_grace = kill_grace
        self.boot = boot_id()
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._orphans: set[str] = set()  # pilots whose launcher is gone (logged once)
        self._lock = threading.RLock()
        self._not_owner_logged = 0.0

    def close(self) -> None:
        with self._lock:
            self.store.close()
            self.lease.release()

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

    # -- ownership ----------------------------------------------------------------------------
    def _own(self) -> bool:
        """Hold the owner lease (taken on first use, kept for the life of this instance)."""
        if self.lease.acquire():
            return True
        now = time.monotonic()
        if now - self._not_owner_logged > NOT_OWNER_LOG_EVERY:
            self._not_owner_logged = now
            log.error(
                "local batch: the registry in %s is owned by another process (pid %s); "
                "this one starts, adopts and reaps no pilot",
                self.state_dir,
                self.lease.holder(),
            )
        return False

    # -- scheduling -------------------------------------------------------------------------
    def schedule(self) -> None:
        """Settle launches left by an earlier process, reap finished pilots, then start pending
        ones while slots are free. Does nothing unless this process owns the registry."""
        with self._lock:
            if not self._own():
                return
            self._resolve_starting()
            self.reap()
            free = (self.slots - self.store.count_running()) if self.slots > 0 else 1 << 30
            if free <= 0:
                return
            for p in self.store.active():
                if free <= 0:
                    break
                if p.state != "pending":
                    continue
                attempt = self.store.claim_pending(p.id)
                if attempt is None:
                    continue
                self._start(p, attempt)
                free -= 1

    def _start(self, p: LocalPilot, attempt: int) -> None:
        logdir = Path(p.logdir)
        claim_file = self.layout.claim_file(p.id, attempt)
        cmd = [
            sys.executable,
            "-I",
            launcher.__file__,
            str(self.layout.rc_file(p.id)),
            str(claim_file),
            "--",
            *p.argv,
        ]
        now = time.time()
        try:
            logdir.mkdir(parents=True, exist_ok=True)
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
            self._give_up(p, attempt)
            self.store.finish(p.id, "failed", 127, now, now)
            self._event(p, f"cannot start: {exc}")
            log.error("local pilot %s of queue %s cannot start: %s", p.id, p.queue, exc)
            return
        self._children[p.id] = child
        me = read_proc(child.pid)  # a launcher that already exited is an unreaped zombie: still readable
        kill = self.store.started(p.id, child.pid, me.start if me else None, now, child.pid, self.boot)
        self._event(p, f"started pid {child.pid} (launch attempt {attempt})")
        if kill is not None:
            self._signal_launcher(child.pid, signal.SIGTERM)
            self._event(p, "removal requested while it started: SIGTERM")

    def _give_up(self, p: LocalPilot, attempt: int) -> dict[str, object] | None:
        """Claim the attempt for the factory, so no launcher can start it any more. None when this
        call won, else the claim already there."""
        return launcher.claim(
            str(self.layout.claim_file(p.id, attempt)), {"by": "factory", "pid": os.getpid()}
        )

    def _resolve_starting(self) -> None:
        """``starting`` records left by an earlier owner: adopt what its launcher claimed, requeue
        what nobody can start any more."""
        for p in self.store.in_state("starting"):
            child = self._children.get(p.id)
            if child is not None:  # ours, but recording it failed last time: record it now
                me = read_proc(child.pid)
                self.store.started(
                    p.id, child.pid, me.start if me else None, time.time(), child.pid, self.boot
                )
                continue
            if p.attempt == 0:  # recorded by a version without launch claims: look for its launcher
                old = find_process_with_arg(str(self.layout.rc_file(p.id)))
                if old is not None:
                    self._adopt(p, old.pid, old.start, old.pgid, self.boot)
                    continue
            winner = parse_claim(self._give_up(p, p.attempt))
            if winner is None or winner.by == "factory":
                self.store.requeue(p.id)
                self._event(p, f"launch attempt {p.attempt} never began (factory restarted); queued again")
                log.warning("local pilot %s: launch attempt %d never began; queued again", p.id, p.attempt)
            elif winner.by_launcher and winner.pid is not None:
                self._adopt(p, winner.pid, winner.start, winner.pgid or winner.pid, winner.boot or None)
            else:  # a claim nobody can read: a launcher may run it; never start it again
                log.error(
                    "local pilot %s: unreadable launch claim %s; left starting (counted, never restarted)",
                    p.id,
                    self.layout.claim_file(p.id, p.attempt),
                )

    def _adopt(self, p: LocalPilot, pid: int, start: int | None, pgid: int, boot: str | None) -> None:
        kill = self.store.started(p.id, pid, start, time.time(), pgid, boot)
        self._event(p, f"found running after a restart: launcher pid {pid}")
        log.info("local pilot %s: launched before a restart, adopted (launcher pid %d)", p.id, pid)
        me = read_proc(pid)
        if kill is not None and me is not None and me.live and me.start == start:
            self._signal_launcher(pid, signal.SIGTERM)

    def reap(self) -> None:
        """Move pilots whose whole process group has ended to done, and escalate overdue kills
        (only in the process that owns the registry)."""
        now = time.time()
        with self._lock:
            if not self._own():
                return
            table: ProcessTable | None = None
            for p in self.store.in_state("running"):
                child = self._children.get(p.id)
                if child is not None and child.poll() is None:
                    self._escalate(p, now, None)
                    continue  # our own launcher still runs
                if table is None:
                    table = ProcessTable.snapshot()
                alive = liveness(p, table, self.boot)
                if alive.running:
                    if not alive.launcher and p.id not in self._orphans:
                        self._orphans.add(p.id)
                        self._event(
                            p, "launcher gone, the pilot's process group still runs: counted as running"
                        )
                        log.warning("local pilot %s: launcher gone, its process group still runs", p.id)
                    self._escalate(p, now, table)
                    continue
                self._children.pop(p.id, None)
                self._orphans.discard(p.id)
                rc = self._read_rc(p.id)
                if rc is None and child is not None and child.returncode is not None:
                    rc = child.returncode if child.returncode >= 0 else 128 - child.returncode
                state = "killed" if p.kill_requested is not None else "done"
                self.store.finish(p.id, state, rc, now)
                for done_with in (self.layout.rc_file(p.id), self.layout.claim_file(p.id, p.attempt)):
                    with contextlib.suppress(OSError):
                        done_with.unlink()  # only once the record says how it ended
                self._event(p, f"exited rc={rc if rc is not None else 'unknown'} ({state})")

    def _escalate(self, p: LocalPilot, now: float, table: ProcessTable | None) -> None:
        if p.kill_requested is not None and now - p.kill_requested > self.kill_grace:
            self._signal_group(p, signal.SIGKILL, table)

    def _read_rc(self, pilot_id: str) -> int | None:
        path = self.layout.rc_file(pilot_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return int(data["rc"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # -- removal ----------------------------------------------------------------------------
    def remove(self, pilot_ids: Sequence[str]) -> None:
        """Remove pilots: pending ones never start; running ones get SIGTERM (through their
        launcher, or to their process group when the launcher is gone), SIGKILL to the group after
        ``kill_grace`` seconds (by the registry's owner). Safe to call from any process."""
        now = time.time()
        table: ProcessTable | None = None
        with self._lock:
            for pid_ in pilot_ids:
                p = self.store.get(pid_)
                if p is None or p.state not in ("pending", "starting", "running"):
                    continue
                if p.state == "pending" and self.store.remove_pending(p.id, now):
                    self._event(p, "removed before it started")
                    continue
                p = self.store.request_kill(p.id, now)  # a starting pilot gets it when recorded running
                if p is None or p.state != "running":
                    continue
                self._event(p, "removal requested: SIGTERM")
                table = table or ProcessTable.snapshot()
                alive = liveness(p, table, self.boot)
                if alive.launcher and p.pid is not None:
                    self._signal_launcher(p.pid, signal.SIGTERM)  # it passes the signal on to the pilot
                elif alive.group:
                    self._signal_group(p, signal.SIGTERM, table)

    def withdraw(self, pilot_ids: Sequence[str]) -> list[str]:
        """Remove those of ``pilot_ids`` that still wait for a slot; the ids removed. The registry
        decides atomically: a pilot the scheduler has claimed for launch (``starting``) or started
        is left alone, so no pilot is both withdrawn and started. Safe to call from any process."""
        now = time.time()
        gone: list[str] = []
        with self._lock:
            for pid_ in pilot_ids:
                if self.store.remove_pending(pid_, now):
                    gone.append(pid_)
                    p = self.store.get(pid_)
                    if p is not None:
                        self._event(p, "withdrawn before it started")
        return gone

    def _signal_launcher(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)

    def _signal_group(self, p: LocalPilot, sig: int, table: ProcessTable | None = None) -> None:
        """Signal the pilot's process group, only while the evidence says it is the pilot's."""
        if p.group is None or not liveness(p, table or ProcessTable.snapshot(), self.boot).running:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.group, sig)

    def _event(self, p: LocalPilot, text: str) -> None:
        try:
            with open(Path(p.logdir) / f"{p.id}.log", "a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} (UTC) {p.id}: {text}\n")
        except OSError:
            pass

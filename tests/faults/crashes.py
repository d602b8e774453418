"""Crash injection helpers: single-stepping a factory to the moment it has started a pilot's
launcher but not yet recorded it, waiting for the launches it made to show, and picking live
launchers and pilots to kill."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from pathlib import Path

from tests.faults.watch import is_pilot, live_pilots
from tests.invariants.markers import read_markers
from tests.invariants.proctable import Proc, children, processes, read_proc
from tests.invariants.registry import read_rows, registry_path


def _wait_stopped(pid: int, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p = read_proc(pid, with_env=False)
        if p is None:
            return False
        if p.state in ("T", "t"):
            return True
        time.sleep(0.0002)
    return False


def stop_with_unrecorded_child(pid: int, statedir: Path, rng: random.Random, timeout: float) -> int | None:
    """Single-step the factory (SIGSTOP, look, SIGCONT, let it run a fraction of a millisecond)
    until it has a live child process whose pid no registry record holds: it started a launcher
    and has not recorded it yet. Returns that child's pid with the factory left *stopped*, or None
    (factory running again) when no look caught such a moment before ``timeout``."""
    deadline = time.monotonic() + timeout
    while not registry_path(statedir).exists():
        if time.monotonic() > deadline:
            return None
        time.sleep(0.001)
    while time.monotonic() < deadline:
        os.kill(pid, signal.SIGSTOP)
        if _wait_stopped(pid):
            try:
                rows = read_rows(statedir, timeout=0.0)
            except sqlite3.Error:  # stopped while it holds a lock: look again a little later
                rows = None
            if rows is not None:
                recorded = {r.pid for r in rows if r.pid is not None}
                unrecorded = sorted({c.pid for c in children(pid)} - recorded)
                if unrecorded:
                    return unrecorded[0]
        elif read_proc(pid, with_env=False) is None:
            return None  # it exited
        os.kill(pid, signal.SIGCONT)
        time.sleep(rng.uniform(0.0001, 0.0015))
    return None


def launchers(markers: Path) -> set[int]:
    """Pids of the live launchers (not the pilots) of pilots writing to ``markers``."""
    return {p.pid for p in processes(cmd_contains=str(markers)) if not is_pilot(p)}


def launches_unshown(factory: int, markers: Path) -> list[int]:
    """Live children of ``factory`` (the launchers it started, also one still between fork and
    exec) whose pilot has written no start marker yet. Once this is empty, every pilot start the
    factory has set going is on record: a marker appearing later while the factory is stopped was
    started by something else."""
    shown = read_markers(markers)
    return [c.pid for c in children(factory) if not any(c.pid in (m.ppid, m.pgid) for m in shown)]


def launcher_of(pilot: Proc, markers: Path) -> Proc | None:
    """The live launcher (parent) of a live pilot process, if it still has one."""
    parent = read_proc(pilot.ppid)
    if parent is None or parent.zombie or is_pilot(parent):
        return None
    return parent if any(str(markers) in part for part in parent.cmdline) else None


def pick_pilot(
    markers: Path, rng: random.Random, with_launcher: bool
) -> tuple[str, Proc, Proc | None] | None:
    """A random live pilot (id, its process, its launcher); ``with_launcher``: only pilots whose
    launcher is still alive."""
    choices: list[tuple[str, Proc, Proc | None]] = []
    for cid, procs in sorted(live_pilots(markers).items()):
        launcher = launcher_of(procs[0], markers)
        if with_launcher and launcher is None:
            continue
        choices.append((cid, procs[0], launcher))
    return rng.choice(choices) if choices else None

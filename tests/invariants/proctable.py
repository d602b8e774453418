"""The process table, read from /proc: which pilot processes exist, who their parents are, and
whether a pid still names the process it named before (pid plus start time)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    state: str  # R, S, D, Z, T, ...
    start: int  # clock ticks since boot: with the pid, names one process for its whole life
    cmdline: tuple[str, ...]
    env: Mapping[str, str]

    @property
    def zombie(self) -> bool:
        return self.state in ("Z", "X")


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgid, start time) of ``pid``, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[1]), int(fields[2]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _nul_list(path: str) -> list[str] | None:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]


def read_proc(pid: int, with_env: bool = True) -> Proc | None:
    st = _stat(pid)
    if st is None:
        return None
    cmd = _nul_list(f"/proc/{pid}/cmdline") or []
    env: dict[str, str] = {}
    if with_env:
        words = _nul_list(f"/proc/{pid}/environ")
        if not words:  # it ended meanwhile (a zombie's environment reads empty)
            return None
        for word in words:
            k, _, v = word.partition("=")
            env[k] = v
    return Proc(pid, st[1], st[2], st[0], st[3], tuple(cmd), env)


def pids() -> list[int]:
    """Every pid of this user's processes."""
    uid = os.getuid()
    out: list[int] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
        except OSError:
            continue
        out.append(int(name))
    return out


def processes(cmd_contains: str | None = None, env: Mapping[str, str] | None = None) -> list[Proc]:
    """Live (non-zombie) processes whose command line contains ``cmd_contains`` and whose
    environment holds every ``env`` item."""
    out: list[Proc] = []
    for pid in pids():
        if cmd_contains is not None:
            cmd = _nul_list(f"/proc/{pid}/cmdline")
            if cmd is None or not any(cmd_contains in part for part in cmd):
                continue
        p = read_proc(pid, with_env=env is not None)
        if p is None or p.zombie:
            continue
        if env is not None and any(p.env.get(k) != v for k, v in env.items()):
            continue
        out.append(p)
    return out


def children(pid: int) -> list[Proc]:
    """Live (non-zombie) children of ``pid``."""
    out: list[Proc] = []
    for child in pids():
        st = _stat(child)
        if st is None or st[1] != pid or st[0] in ("Z", "X"):
            continue
        p = read_proc(child, with_env=False)
        if p is not None:
            out.append(p)
    return out


def alive(pid: int, start: int | None = None) -> bool:
    """``pid`` exists and is not a zombie (and, with ``start``, is still the same process)."""
    st = _stat(pid)
    if st is None or st[0] in ("Z", "X"):
        return False
    return start is None or st[3] == start


def start_time(pid: int) -> int | None:
    st = _stat(pid)
    return st[3] if st is not None else None


def kill(pid: int, sig: int = signal.SIGKILL) -> bool:
    """Send ``sig``; False when the process is already gone."""
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def kill_matching(env: Mapping[str, str], timeout: float = 10.0) -> int:
    """SIGKILL every process whose environment holds ``env`` (launchers, pilots and what they
    started), until none is left; returns how many were killed."""
    killed = 0
    deadline = time.monotonic() + timeout
    while True:
        procs = processes(env=env)
        if not procs:
            return killed
        for p in procs:
            killed += kill(p.pid)
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes with {dict(env)} survive SIGKILL: {[p.pid for p in procs]}")
        time.sleep(0.02)


def wait_gone(pids_: Iterable[int], timeout: float) -> list[int]:
    """Wait until none of ``pids_`` is alive; returns those still alive at the deadline."""
    deadline = time.monotonic() + timeout
    left = [p for p in pids_ if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if alive(p)]
    return left

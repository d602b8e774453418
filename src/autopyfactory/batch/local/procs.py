"""What ``/proc`` says about processes: the evidence the Local backend judges its pilots by.

A process is identified by (boot id, pid, start time in clock ticks since boot), so a reused pid is
never taken for a pilot. A pilot is its launcher's process group (the launcher leads a new session):
the group lives while any live member does, whether or not the launcher itself is still there.
Linux does not hand out a number in use as a process group id, so while a member lives no other
process can lead a group of that number."""

from __future__ import annotations

import os
from dataclasses import dataclass


def boot_id() -> str:
    """This boot of the machine (a pilot of an earlier boot is gone, whatever its pid)."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


@dataclass(frozen=True, slots=True)
class Proc:
    """One process as ``/proc`` shows it."""

    pid: int
    state: str  # R, S, D, T, Z, ...
    pgid: int
    start: int  # clock ticks since boot

    @property
    def live(self) -> bool:
        return self.state not in ("Z", "X", "x")


def read_proc(pid: int) -> Proc | None:
    """``/proc/<pid>/stat`` of one process (zombies included); None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rfind(")") + 2 :].split()
    try:
        return Proc(pid, fields[0], int(fields[2]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def proc_start_time(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot, or None when no such live process."""
    p = read_proc(pid)
    return p.start if p is not None and p.live else None


class ProcessTable:
    """One look at every process of the machine, to judge many pilots against the same moment."""

    def __init__(self, procs: dict[int, Proc]) -> None:
        self.procs = procs
        self._groups: dict[int, list[Proc]] = {}
        for p in procs.values():
            if p.live:
                self._groups.setdefault(p.pgid, []).append(p)

    @classmethod
    def snapshot(cls) -> ProcessTable:
        procs: dict[int, Proc] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                p = read_proc(int(entry))
                if p is not None:
                    procs[p.pid] = p
        return cls(procs)

    def is_alive(self, pid: int | None, start: int | None) -> bool:
        """That very process (pid and start time) is alive."""
        if pid is None or start is None:
            return False
        p = self.procs.get(pid)
        return p is not None and p.live and p.start == start

    def group_members(self, pgid: int | None, leader_start: int | None) -> list[Proc]:
        """Live members of the process group ``pgid`` that its leader (started at ``leader_start``)
        may have started: nobody in the group predates its leader."""
        if pgid is None:
            return []
        leader = self.procs.get(pgid)
        if leader is not None and leader_start is not None and leader.start != leader_start:
            return []  # the number leads another process now: our group was gone when it was reused
        return [p for p in self._groups.get(pgid, []) if leader_start is None or p.start >= leader_start]


def find_process_with_arg(arg: str) -> Proc | None:
    """A live process with ``arg`` as one of its command line arguments."""
    want = os.fsencode(arg)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if want in args:
            p = read_proc(int(entry))
            if p is not None and p.live:
                return p
    return None

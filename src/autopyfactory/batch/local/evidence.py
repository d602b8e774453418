"""Judging a pilot by evidence: is its launcher, or anything of its process group, alive right now?

A pilot is running while any live process of its process group is (the launcher leads the group;
a launcher killed with SIGKILL leaves its pilot running in the group). It has ended only once the
whole group is gone. A pilot recorded in an earlier boot of the machine has ended."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.batch.local.launcher import read_claim
from autopyfactory.batch.local.layout import StateLayout
from autopyfactory.batch.local.procs import ProcessTable
from autopyfactory.batch.local.store import LocalPilot


@dataclass(frozen=True, slots=True)
class Liveness:
    """Whether a local pilot still runs: its launcher, or any process of its process group."""

    launcher: bool  # the launcher itself is alive
    group: bool  # some process of the pilot's process group is alive

    @property
    def running(self) -> bool:
        return self.launcher or self.group


def liveness(p: LocalPilot, table: ProcessTable, boot: str) -> Liveness:
    if p.boot_id and boot and p.boot_id != boot:
        return Liveness(False, False)
    return Liveness(table.is_alive(p.pid, p.pid_start), bool(table.group_members(p.group, p.pid_start)))


@dataclass(frozen=True, slots=True)
class LaunchClaim:
    """Who claimed a launch attempt: the launcher (with its identity) or a factory that gave it up."""

    by: str
    pid: int | None
    start: int | None
    pgid: int | None
    boot: str | None

    @property
    def by_launcher(self) -> bool:
        return self.by == "launcher" and self.pid is not None


def _int(v: object) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def parse_claim(data: dict[str, object] | None) -> LaunchClaim | None:
    if data is None:
        return None
    boot = data.get("boot")
    return LaunchClaim(
        str(data.get("by", "unknown")),
        _int(data.get("pid")),
        _int(data.get("start")),
        _int(data.get("pgid")),
        boot if isinstance(boot, str) else None,
    )


def claim_of(layout: StateLayout, p: LocalPilot) -> LaunchClaim | None:
    """The claim of the pilot's current launch attempt, if one was made."""
    return parse_claim(read_claim(str(layout.claim_file(p.id, p.attempt))))


def observed_state(p: LocalPilot, layout: StateLayout, table: ProcessTable, boot: str) -> str:
    """pending, running or done as the evidence has it now, without changing anything (what a
    read-only view reports for records the factory has not brought up to date yet)."""
    if p.state == "running":
        return "running" if liveness(p, table, boot).running else "done"
    if p.state == "starting":
        c = claim_of(layout, p)
        if c is not None and c.by_launcher and (not c.boot or not boot or c.boot == boot):
            members = table.group_members(c.pgid if c.pgid is not None else c.pid, c.start)
            if table.is_alive(c.pid, c.start) or members:
                return "running"
            return "done"
        return "pending"
    return p.state

"""``squeue``: one call lists every job the controller holds (all states), parsed from text.

Text, not ``--json``: 22.05 ignores the filters with ``--json`` and its output is ~10x slower."""

from __future__ import annotations

from autopyfactory.batch.slurm.jobs import SlurmJob, base_state, parse_time
from autopyfactory.batch.slurm.tag import PilotTag

# raw id | pilot id | state | submit | start | end | name | comment  (name and comment last: free text)
FORMAT = "%A|%i|%T|%V|%S|%e|%j|%k"
FIELDS = 8


def squeue_argv(cluster: str = "") -> list[str]:
    """All of this user's jobs and array tasks (one line per task), finished ones included."""
    argv = ["squeue", "--me", "-h", "-r", "-t", "all", "-o", FORMAT]
    if cluster:
        argv += ["-M", cluster]
    return argv


def parse_squeue(text: str) -> list[SlurmJob]:
    """Lines of :data:`FORMAT`; other lines (``CLUSTER: x`` headers with -M) are skipped."""
    jobs: list[SlurmJob] = []
    for line in text.splitlines():
        parts = line.split("|", FIELDS - 1)
        if len(parts) != FIELDS or not parts[0].strip().isdigit():
            continue
        raw, pid, state, sub, start, end, name, comment = (p.strip() for p in parts)
        jobs.append(
            SlurmJob(
                pilot_id=pid,
                raw_id=raw,
                state=base_state(state),
                tag=PilotTag.of_job(name, comment),
                submitted_at=parse_time(sub),
                started_at=parse_time(start),
                ended_at=parse_time(end),
            )
        )
    return jobs


def held_pending_argv(cluster: str = "") -> list[str]:
    """This user's pending jobs and array tasks with their priority (0: held)."""
    argv = ["squeue", "--me", "-h", "-r", "-t", "PENDING", "-o", "%i|%T|%Q"]
    if cluster:
        argv += ["-M", cluster]
    return argv


def parse_held_pending(text: str) -> set[str]:
    """The pilot ids of :func:`held_pending_argv` lines that are pending with priority 0."""
    out: set[str] = set()
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and base_state(parts[1]) == "PENDING" and parts[2] == "0":
            out.add(parts[0])
    return out

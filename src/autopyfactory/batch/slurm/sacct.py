"""``sacct``: finished pilots, from slurmdbd (``sacct``) or the completion log (``sacct -c``,
``JobCompType=jobcomp/filetxt``, where array tasks appear under their raw ids)."""

from __future__ import annotations

from autopyfactory.batch.slurm.jobs import SlurmJob, base_state, format_time, parse_time
from autopyfactory.batch.slurm.tag import PilotTag

FIELDS = ("JobIDRaw", "JobID", "State", "Submit", "Start", "End", "JobName")  # name last: free text
DISABLED = "accounting storage is disabled"


def sacct_argv(since: float, jobcomp: bool, cluster: str = "") -> list[str]:
    argv = ["sacct", "-X", "-n", "-P", "-S", format_time(since), "-E", "now", "-o", ",".join(FIELDS)]
    if jobcomp:
        argv.insert(1, "-c")
    if cluster:
        argv += ["-M", cluster]
    return argv


def parse_sacct(text: str) -> list[SlurmJob]:
    """``-P`` lines of :data:`FIELDS` (stderr noise such as ``Unknown type ArrayJobId`` is not here)."""
    jobs: list[SlurmJob] = []
    for line in text.splitlines():
        parts = line.split("|", len(FIELDS) - 1)
        if len(parts) != len(FIELDS) or not parts[0].strip().isdigit():
            continue
        raw, pid, state, sub, start, end, name = (p.strip() for p in parts)
        jobs.append(
            SlurmJob(
                pilot_id=pid,
                raw_id=raw,
                state=base_state(state),
                tag=PilotTag.parse(name),
                submitted_at=parse_time(sub),
                started_at=parse_time(start),
                ended_at=parse_time(end),
            )
        )
    return jobs

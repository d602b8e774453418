"""This factory's pilots per queue, from the controller's job list plus accounting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from autopyfactory.batch.slurm.jobs import SlurmJob
from autopyfactory.model.batch import FinishedPilot
from autopyfactory.model.history import PilotTimes


@dataclass
class QueueTally:
    """Raw Slurm state counts of one APF queue (mapped to buckets by the status plugin), the
    pilots that finished inside the window, and the lives of the pilots counted."""

    states: Counter[str] = field(default_factory=Counter)
    finished: list[FinishedPilot] = field(default_factory=list)
    lives: list[PilotTimes] = field(default_factory=list)


def tally(
    live: Iterable[SlurmJob], accounted: Iterable[SlurmJob] | None, factory_id: str, since: float
) -> dict[str, QueueTally]:
    """Count pilots tagged with ``factory_id``: every job the controller holds that is not final, final
    ones that ended at or after ``since``, then final ones only accounting still knows (matched by raw
    id: ``sacct -c`` does not know array ids)."""
    out: dict[str, QueueTally] = {}
    seen_raw: set[str] = set()
    seen_pilot: set[str] = set()

    def count(job: SlurmJob) -> None:
        assert job.tag is not None
        t = out.setdefault(job.tag.queue, QueueTally())
        t.states[job.state] += 1
        if job.final and job.ran and job.started_at is not None and job.ended_at is not None:
            t.finished.append(FinishedPilot(job.started_at, max(0.0, job.ended_at - job.started_at)))
        life = job.lives()
        if life is not None:
            t.lives.append(life)

    def recent(job: SlurmJob) -> bool:
        return job.final and job.ended_at is not None and job.ended_at >= since

    for job in live:
        if job.tag is None or job.tag.factory_id != factory_id:
            continue
        seen_raw.add(job.raw_id)
        seen_pilot.add(job.pilot_id)
        if not job.final or recent(job):
            count(job)
    for job in accounted or ():
        if job.tag is None or job.tag.factory_id != factory_id:
            continue
        if job.raw_id in seen_raw or job.pilot_id in seen_pilot or not recent(job):
            continue
        seen_raw.add(job.raw_id)
        count(job)
    return out

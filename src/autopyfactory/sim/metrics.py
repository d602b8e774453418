"""What a run achieved, per WMS queue and in total: job waits, pilots, empty and black-hole pilots.

A job's wait runs from its arrival (its activation: an avalanche job arrives when its task's scouts
are done) to its start. A job still queued at the end has waited at least as long as it has so far:
the wait percentiles are Kaplan-Meier estimates that take it as such (right-censored), so a policy
cannot look good by leaving jobs unstarted, nor by delaying work until it is too late to be
counted; ``jobs - jobs_started`` says how many were still waiting. ``wait_max_s`` is the longest
wait seen, a job still waiting included.

``empty_share`` is empty pilots (started, found no job, left) over the pilots that started and could
look for work (black-hole deaths excluded). Pilots that never started, or were removed before they
started, are in neither count: removing pending pilots, or sending pilots into a black hole, cannot
lower it. ``pilots_per_job`` counts every pilot submitted. ``Fates`` adds what the issue's keys leave
out: pilots started, removed before starting (withdrawn or retired), killed while running, and jobs
still waiting at the end."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from autopyfactory.sim.entities import BUSY, IDLE, Pilot
from autopyfactory.sim.world import World

KEYS = (
    "jobs",
    "jobs_started",
    "wait_p50_s",
    "wait_p95_s",
    "wait_max_s",
    "pilots_submitted",
    "empty_pilots",
    "empty_share",
    "blackhole_pilots",
    "idle_pilot_hours",
    "pilots_per_job",
)


@dataclass(frozen=True)
class QueueMetrics:
    """What a run achieved for one WMS queue (or in total): job counts and waits, pilots submitted, empty
    and black-hole pilots, idle pilot hours, pilots per job."""

    jobs: int
    jobs_started: int
    wait_p50_s: float
    wait_p95_s: float
    wait_max_s: float
    pilots_submitted: int
    empty_pilots: int
    empty_share: float
    blackhole_pilots: int
    idle_pilot_hours: float
    pilots_per_job: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


@dataclass(frozen=True)
class Fates:
    """Pilots by what became of them, and jobs left waiting (totals over the WMS queues)."""

    pilots_started: int = 0
    pilots_removed_pending: int = 0
    pilots_killed_running: int = 0
    jobs_waiting_at_end: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class RunMetrics:
    """A run's metrics in total and per WMS queue."""

    total: QueueMetrics
    wmsqueues: dict[str, QueueMetrics] = field(default_factory=dict)
    fates: Fates = Fates()

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total.as_dict(),
            "wmsqueues": {k: v.as_dict() for k, v in self.wmsqueues.items()},
        }


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (0 for no values)."""
    if not sorted_values:
        return 0.0
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def wait_quantile(waits: list[tuple[float, bool]], q: float) -> float:
    """The ``q`` quantile of job waits by the Kaplan-Meier estimator: ``waits`` are (seconds, started)
    pairs, sorted; a job still waiting at the end is a wait known only to be longer than it has
    been (right-censored). It is the first start wait at which the share of jobs started so far
    reaches ``q``. When too many jobs are still waiting for that share ever to be reached, it is
    the longest wait seen (the quantile is at least that). 0 for no jobs."""
    if not waits:
        return 0.0
    at_risk = len(waits)
    survival = 1.0
    for t, started in waits:
        if started:
            survival *= 1.0 - 1.0 / at_risk
            if 1.0 - survival >= q - 1e-12:
                return t
        at_risk -= 1
    return waits[-1][0]


def _metrics(
    waits: list[tuple[float, bool]],
    started: int,
    submitted: int,
    empty: int,
    blackhole: int,
    idle_s: float,
    pilots_started: int,
) -> QueueMetrics:
    waits.sort()
    looked = pilots_started - blackhole  # pilots that started and could look for work
    return QueueMetrics(
        jobs=len(waits),
        jobs_started=started,
        wait_p50_s=round(wait_quantile(waits, 0.5), 1),
        wait_p95_s=round(wait_quantile(waits, 0.95), 1),
        wait_max_s=round(waits[-1][0], 1) if waits else 0.0,
        pilots_submitted=submitted,
        empty_pilots=empty,
        empty_share=round(empty / looked, 4) if looked > 0 else 0.0,
        blackhole_pilots=blackhole,
        idle_pilot_hours=round(idle_s / 3600.0, 2),
        pilots_per_job=round(submitted / started, 3) if started else None,
    )


def _idle_so_far(pilots: Iterable[Pilot], now: float) -> dict[str, float]:
    """Idle seconds of pilots still running at the end, per WMS queue."""
    out: dict[str, float] = {}
    for p in pilots:
        if p.state == IDLE:
            out[p.wms.name] = out.get(p.wms.name, 0.0) + p.idle_time + (now - p.idle_since)
        elif p.state == BUSY:
            out[p.wms.name] = out.get(p.wms.name, 0.0) + p.idle_time
    return out


def measure(world: World) -> RunMetrics:
    now = world.now
    running = _idle_so_far((p for b in world.books.values() for p in b.running.values()), now)
    per: dict[str, QueueMetrics] = {}
    all_waits: list[tuple[float, bool]] = []
    tot = [0, 0, 0, 0, 0.0, 0]  # started jobs, submitted, empty, blackhole, idle seconds, started pilots
    removed = killed = 0
    for name, w in world.wms.items():
        waits = [
            ((j.start if j.start is not None else now) - j.arrival, j.start is not None)
            for j in w.jobs
            if j.arrival is not None
        ]
        started = sum(1 for j in w.jobs if j.start is not None)
        idle_s = w.idle_seconds + running.get(name, 0.0)
        all_waits.extend(waits)
        per[name] = _metrics(
            waits, started, w.pilots_submitted, w.empty_pilots, w.blackhole_pilots, idle_s, w.pilots_started
        )
        tot[0] += started
        tot[1] += w.pilots_submitted
        tot[2] += w.empty_pilots
        tot[3] += w.blackhole_pilots
        tot[4] += idle_s
        tot[5] += w.pilots_started
        removed += w.pilots_removed
        killed += w.pilots_killed
    jobs = len(all_waits)
    total = _metrics(
        all_waits, int(tot[0]), int(tot[1]), int(tot[2]), int(tot[3]), float(tot[4]), int(tot[5])
    )
    fates = Fates(int(tot[5]), removed, killed, jobs - int(tot[0]))
    return RunMetrics(total, per, fates)

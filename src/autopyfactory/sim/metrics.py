"""What a run achieved, per WMS queue and in total: job waits, pilots, empty and black-hole pilots.

A job's wait runs from its arrival to its start. Jobs still queued at the end count with the wait
they have had so far (a policy that never starts them cannot look good by leaving them out). The
empty share is empty pilots (started, found no job, left) over pilots submitted."""

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
class RunMetrics:
    """A run's metrics in total and per WMS queue."""

    total: QueueMetrics
    wmsqueues: dict[str, QueueMetrics] = field(default_factory=dict)

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


def _metrics(
    waits: list[float], started: int, submitted: int, empty: int, blackhole: int, idle_s: float
) -> QueueMetrics:
    waits.sort()
    return QueueMetrics(
        jobs=len(waits),
        jobs_started=started,
        wait_p50_s=round(percentile(waits, 0.5), 1),
        wait_p95_s=round(percentile(waits, 0.95), 1),
        wait_max_s=round(waits[-1], 1) if waits else 0.0,
        pilots_submitted=submitted,
        empty_pilots=empty,
        empty_share=round(empty / submitted, 4) if submitted else 0.0,
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
    all_waits: list[float] = []
    tot = [0, 0, 0, 0, 0.0]  # started, submitted, empty, blackhole, idle seconds
    for name, w in world.wms.items():
        waits = [
            (j.start if j.start is not None else now) - j.arrival for j in w.jobs if j.arrival is not None
        ]
        started = sum(1 for j in w.jobs if j.start is not None)
        idle_s = w.idle_seconds + running.get(name, 0.0)
        all_waits.extend(waits)
        per[name] = _metrics(waits, started, w.pilots_submitted, w.empty_pilots, w.blackhole_pilots, idle_s)
        tot[0] += started
        tot[1] += w.pilots_submitted
        tot[2] += w.empty_pilots
        tot[3] += w.blackhole_pilots
        tot[4] += idle_s
    total = _metrics(all_waits, int(tot[0]), int(tot[1]), int(tot[2]), int(tot[3]), float(tot[4]))
    return RunMetrics(total, per)

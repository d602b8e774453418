"""The batch side of a status snapshot: this factory's pilots per APF queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from autopyfactory.model.history import PilotTimes

BATCH_ATTRIBUTES = ("pending", "running", "suspended", "done", "retiring", "retired")


@dataclass(frozen=True, slots=True)
class BatchQueueInfo:
    """Pilot counts of one APF queue, already mapped to APF buckets."""

    pending: int = 0
    running: int = 0
    suspended: int = 0
    done: int = 0
    retiring: int = 0
    retired: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> BatchQueueInfo:
        return cls(**{k: int(counts.get(k, 0)) for k in BATCH_ATTRIBUTES})

    @property
    def active(self) -> int:
        """Pilots that occupy or wait for a slot (what MaxPerFactory and MaxToRun count)."""
        return self.pending + self.running


EMPTY_BATCH_QUEUE = BatchQueueInfo()


@dataclass(frozen=True, slots=True)
class FinishedPilot:
    """A recently finished pilot: when it started and how long it ran (wall clock seconds).

    Throttle uses these to detect black holes (many pilots that end within seconds)."""

    started_at: float
    wallclock: float


@dataclass(frozen=True, slots=True)
class BatchView:
    """Everything one batch status source reported at one moment.

    ``pilots`` (optional, per queue): the lives of pilots pending now or started or ended recently,
    for sources that can tell; the factory turns them into the queues' history. ``incomplete``: the
    queues whose counts this view cannot give (a raw state the mapping does not know), each with
    why: they decide on nothing this cycle, the source's other queues as usual; ``uncounted``: the
    pilots in such states (counted as active, so a factory-wide limit does not over-submit)."""

    source: str
    taken_at: float
    queues: Mapping[str, BatchQueueInfo] = field(default_factory=dict)
    finished: Mapping[str, tuple[FinishedPilot, ...]] = field(default_factory=dict)
    pilots: Mapping[str, tuple[PilotTimes, ...]] = field(default_factory=dict)
    incomplete: Mapping[str, str] = field(default_factory=dict)
    uncounted: int = 0

    def queue(self, name: str) -> BatchQueueInfo:
        return self.queues.get(name, EMPTY_BATCH_QUEUE)

    def total_active(self) -> int:
        return sum(q.active for q in self.queues.values()) + self.uncounted

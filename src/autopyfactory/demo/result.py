"""What a demo run produced: the per-cycle decisions and the end state of the testbed."""

from __future__ import annotations

from dataclasses import dataclass, field

from autopyfactory.demo.embedded import DemoSites
from autopyfactory.testbed.model import Summary


@dataclass(frozen=True, slots=True)
class CycleRow:
    """One queue's decision in one cycle."""

    cycle: int
    queue: str
    wmsqueue: str
    activated: int | None
    pending: int | None
    running: int | None
    site: str | None
    decision: int | None
    submitted: int
    action: str


@dataclass
class DemoResult:
    """What a demo run did: every cycle's rows, the testbed's summary, and how it ended."""

    sites: DemoSites
    rows: list[CycleRow] = field(default_factory=list)
    summary: Summary | None = None
    queued: dict[str, int] = field(default_factory=dict)  # site -> jobs queued
    failing_on_purpose: int = 0
    drained: bool = False
    drain_seconds: float | None = None
    interrupted: bool = False
    pilots_removed: int = 0  # still alive at the end and stopped by the demo

    def submitted(self, site: str | None = None) -> int:
        return sum(r.submitted for r in self.rows if site is None or r.wmsqueue == site)

    def rows_of(self, site: str) -> list[CycleRow]:
        return [r for r in self.rows if r.wmsqueue == site]

    @property
    def cycles(self) -> int:
        return max((r.cycle for r in self.rows), default=0)

    @property
    def pilots_without_job(self) -> int:
        return sum(s.pilots_without_job for s in self.summary.sites) if self.summary else 0

    @property
    def pilots_seen(self) -> int:
        return sum(s.pilots for s in self.summary.sites) if self.summary else 0

    def runnable_sites(self) -> tuple[str, ...]:
        return (self.sites.online, self.sites.test)

    def jobs(self, state: str, sites: tuple[str, ...]) -> int:
        return sum(self.summary.jobs(state, s) for s in sites) if self.summary else 0

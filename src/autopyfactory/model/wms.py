"""The WMS side of a status snapshot: work waiting per WMS queue, and site status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WMS_ATTRIBUTES = ("notready", "ready", "running", "done", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class WMSQueueInfo:
    """Job counts of one WMS queue (for PanDA: one computing site), already mapped to APF buckets."""

    notready: int = 0
    ready: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    unknown: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> WMSQueueInfo:
        return cls(**{k: int(counts.get(k, 0)) for k in WMS_ATTRIBUTES})


EMPTY_WMS_QUEUE = WMSQueueInfo()


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """Status of a WMS site: online, offline, test, brokeroff (PanDA) or ok (HTCondor as WMS)."""

    status: str
    cloud: str = ""


@dataclass(frozen=True, slots=True)
class WMSView:
    """Everything one WMS status source reported at one moment.

    ``refresh_error``: a source that refreshes in the background and serves its older data when a
    refresh fails says why here ("" when its last refresh worked).

    ``counts_at``: when the job counts were taken, when that is not ``taken_at`` (the time of the
    oldest part of the view); ``counts_held``: why the counts are the last good ones, their refresh
    having failed ("" when they are fresh)."""

    source: str
    taken_at: float
    queues: Mapping[str, WMSQueueInfo] = field(default_factory=dict)
    sites: Mapping[str, SiteInfo] = field(default_factory=dict)
    refresh_error: str = ""
    counts_at: float | None = None
    counts_held: str = ""

    @property
    def counts_taken_at(self) -> float:
        return self.taken_at if self.counts_at is None else self.counts_at

    def queue(self, name: str) -> WMSQueueInfo:
        """Counts for one WMS queue; a queue the WMS does not list has no jobs (all zero), as in 2.4."""
        return self.queues.get(name, EMPTY_WMS_QUEUE)

    def site(self, name: str) -> SiteInfo | None:
        return self.sites.get(name)

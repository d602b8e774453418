"""The testbed's records: sites (PanDA queues) and payload jobs."""

from __future__ import annotations

from dataclasses import dataclass

SITE_STATUSES = ("online", "offline", "test", "brokeroff")
# job states, in PanDA's vocabulary: a job is queued as 'activated', handed to a pilot as 'sent'
ACTIVE_STATES = ("defined", "assigned", "activated", "sent", "starting", "running", "holding", "transferring")
FINAL_STATES = ("finished", "failed", "cancelled")
PILOT_REPORTABLE = ("starting", "running", "holding", "transferring", "finished", "failed")


@dataclass(frozen=True, slots=True)
class Site:
    """One PanDA queue of the testbed (nickname = panda_resource = computing site)."""

    name: str
    status: str = "online"
    cloud: str = "LOCAL"
    corecount: int = 1
    maxrss: int = 2000
    maxtime: int = 3600


@dataclass(frozen=True, slots=True)
class Job:
    panda_id: int
    site: str
    status: str
    label: str
    command: str
    attempt: int = 1
    exit_code: int | None = None
    pilot_id: str = ""


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: str
    status: str
    jobs: dict[str, int]
    pilots: int
    pilots_without_job: int


@dataclass(frozen=True, slots=True)
class Summary:
    sites: tuple[SiteSummary, ...]

    def jobs(self, state: str, site: str | None = None) -> int:
        return sum(s.jobs.get(state, 0) for s in self.sites if site is None or s.site == site)

    def active(self, site: str | None = None) -> int:
        return sum(self.jobs(st, site) for st in ACTIVE_STATES)

    def site(self, name: str) -> SiteSummary | None:
        return next((s for s in self.sites if s.site == name), None)


def parse_site_spec(spec: str) -> Site:
    """``NAME`` or ``NAME:STATUS`` (status one of online, offline, test, brokeroff)."""
    name, _, status = spec.strip().partition(":")
    status = (status or "online").strip().lower()
    if not name:
        raise ValueError(f"site {spec!r}: empty name")
    if status not in SITE_STATUSES:
        raise ValueError(f"site {spec!r}: status must be one of {', '.join(SITE_STATUSES)}")
    return Site(name.strip(), status)

"""The testbed's records: sites (PanDA queues) and payload jobs."""

from __future__ import annotations

from dataclasses import dataclass

SITE_STATUSES = ("online", "offline", "test", "brokeroff")
SITE_TYPES = ("production", "analysis", "unified")
# job states, in PanDA's vocabulary: a job is queued as 'activated', handed to a pilot as 'sent'
ACTIVE_STATES = ("defined", "assigned", "activated", "sent", "starting", "running", "holding", "transferring")
FINAL_STATES = ("finished", "failed", "cancelled")
PILOT_REPORTABLE = ("starting", "running", "holding", "transferring", "finished", "failed")
# states in which PanDA expects heartbeats from the pilot (sent: the pilot's first word)
HEARTBEAT_STATES = ("starting", "running", "holding", "transferring")
DEFAULT_TIMEFLOOR = 10  # minutes: a pilot asks for another job while younger than this


@dataclass(frozen=True, slots=True)
class Site:
    """One PanDA queue of the testbed (nickname = panda_resource = computing site).

    ``timefloor`` (minutes) is CRIC's: a pilot keeps asking for jobs while it has run less than
    that (0: one job per pilot). ``type`` is CRIC's queue type (production, analysis, unified)."""

    name: str
    status: str = "online"
    cloud: str = "LOCAL"
    corecount: int = 1
    maxrss: int = 2000
    maxtime: int = 3600
    type: str = "production"
    timefloor: int = DEFAULT_TIMEFLOOR

    @property
    def resource_type(self) -> str:
        """PanDA's resource type of the queue's jobs: SCORE for one core, MCORE otherwise."""
        return "SCORE" if self.corecount <= 1 else "MCORE"


@dataclass(frozen=True, slots=True)
class Job:
    """A testbed job."""

    panda_id: int
    site: str
    status: str
    label: str
    command: str
    attempt: int = 1
    exit_code: int | None = None
    pilot_id: str = ""
    error_diag: str = ""
    node: str = ""
    retry_of: int | None = None


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """One site's jobs per state and its pilots."""

    site: str
    status: str
    jobs: dict[str, int]
    pilots: int
    pilots_without_job: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Every site's summary."""

    sites: tuple[SiteSummary, ...]

    def jobs(self, state: str, site: str | None = None) -> int:
        return sum(s.jobs.get(state, 0) for s in self.sites if site is None or s.site == site)

    def active(self, site: str | None = None) -> int:
        return sum(self.jobs(st, site) for st in ACTIVE_STATES)

    def site(self, name: str) -> SiteSummary | None:
        return next((s for s in self.sites if s.site == name), None)


def parse_site_spec(spec: str, timefloor: int = DEFAULT_TIMEFLOOR) -> Site:
    """``NAME[:STATUS[:TIMEFLOOR]]`` (status one of online, offline, test, brokeroff; timefloor in
    minutes, default ``timefloor``)."""
    parts = spec.strip().split(":")
    if len(parts) > 3:
        raise ValueError(f"site {spec!r}: expected NAME[:STATUS[:TIMEFLOOR]]")
    name = parts[0].strip()
    status = (parts[1] if len(parts) > 1 else "").strip().lower() or "online"
    if not name:
        raise ValueError(f"site {spec!r}: empty name")
    if status not in SITE_STATUSES:
        raise ValueError(f"site {spec!r}: status must be one of {', '.join(SITE_STATUSES)}")
    if len(parts) == 3:
        try:
            timefloor = int(parts[2])
        except ValueError:
            raise ValueError(f"site {spec!r}: timefloor must be a whole number of minutes") from None
    if timefloor < 0:
        raise ValueError(f"site {spec!r}: timefloor must not be negative")
    return Site(name, status, timefloor=timefloor)

"""Rows as the rest of the server sees them: frozen dataclasses, never raw mappings."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.monitor_server.states import JobState


@dataclass(frozen=True, slots=True)
class Factory:
    """A factory as the database holds it."""

    id: int
    name: str
    ip: str
    email: str
    url: str
    version: str
    factory_type: str
    created: float
    last_modified: float
    last_startup: float
    last_cycle: float | None
    last_ncreated: int
    previous_ip: str = ""  # the address before its last move
    ip_changed: float | None = None
    cycle_interval: float | None = None  # it reports at least this often while it cycles (if it says)
    status_dropped: int = 0  # queue statuses it says it could not send


@dataclass(frozen=True, slots=True)
class Label:
    """A label (a factory's queue) as the database holds it."""

    id: int
    factory_id: int
    factory: str
    name: str
    wmsqueue: str
    batchqueue: str
    resource: str
    localqueue: str
    msg: str
    created: float
    last_modified: float
    data: str | None = None  # JSON object sent with the last status (Harvester), as stored


@dataclass(frozen=True, slots=True)
class Job:
    """A pilot (job) as the database holds it."""

    id: int
    jid: str
    cid: str
    factory: str
    label: str
    state: JobState
    result: int
    flag: bool
    created: float
    last_modified: float
    stdouturl: str = ""
    stderrurl: str = ""
    logurl: str = ""
    jdlurl: str = ""


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One state change of a pilot: when, from where, to what."""

    at: float
    source: str
    state: str | None
    text: str


@dataclass(frozen=True, slots=True)
class JobRefusal:
    """Refused updates of one job for one reason: how often, when first and last, the last caller."""

    reason: str
    count: int
    first_at: float
    last_at: float
    source: str


@dataclass(frozen=True, slots=True)
class RefusedWrite:
    """Refused writes of one factory, action and subject (e.g. a queue), for the dashboard."""

    factory: str
    action: str
    subject: str
    address: str
    status: int
    reason: str
    fix: str
    count: int
    first_at: float
    last_at: float


@dataclass(frozen=True, slots=True)
class LabelMessage:
    """One decision message of a label."""

    at: float
    text: str
    data: str | None = None


@dataclass(frozen=True, slots=True)
class StateCounts:
    """Pilots per state."""

    created: int = 0
    running: int = 0
    exiting: int = 0
    done: int = 0
    fault: int = 0

    @property
    def total(self) -> int:
        return self.created + self.running + self.exiting + self.done + self.fault

    @property
    def active(self) -> int:
        return self.created + self.running + self.exiting

    @property
    def mortality(self) -> float | None:
        """Percentage of finished pilots that faulted: 100 * fault / (done + fault); None without any."""
        finished = self.done + self.fault
        return None if finished == 0 else 100.0 * self.fault / finished

    def get(self, state: JobState) -> int:
        return int(getattr(self, state.value))

    @classmethod
    def from_pairs(cls, pairs: dict[str, int]) -> StateCounts:
        return cls(**{s.value: int(pairs.get(s.value, 0)) for s in JobState})


@dataclass(frozen=True, slots=True)
class Activity:
    """Counts per time bucket, oldest first, for sparklines and plots."""

    start: float
    bucket_seconds: float
    created: tuple[int, ...]
    done: tuple[int, ...] = ()
    fault: tuple[int, ...] = ()

"""A scenario: the simulated world (sites, WMS queues, work, pilot behaviour, events) as plain data.

``load_scenario`` (sim/scenario_load.py) builds one from a TOML file; everything here is already
validated and in seconds."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

WMS_STATUSES = ("online", "test", "brokeroff", "offline")


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """How a scenario runs: its duration, seed, the factory's cycle and how often the WMS recomputes and
    the factory polls."""

    duration: float = 86400.0
    seed: int = 1
    cycle: float = 360.0  # apfqueue.sleep of the simulated factory
    wms_refresh: float = 120.0  # how often the WMS recomputes the job counts the factory reads
    wms_poll: float = 150.0  # how often the factory's WMS status plugin polls (wmsstatus.panda.sleep)


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """A batch target (one CE): its slots and how it starts pilots."""

    name: str
    slots: int
    latency_median: float = 600.0
    latency_sigma: float = 1.0
    never_start: float = 0.0  # share of pilots that never start (removed after pilot.pending_limit)
    start_failure: float = 0.0  # share of pilots that die within seconds of starting (1.0: black hole)
    walltime: float = 172800.0


SITE_FIELDS = ("slots", "latency_median", "latency_sigma", "never_start", "start_failure", "walltime")


@dataclass(frozen=True, slots=True)
class WMSQueueSpec:
    """A WMS queue (PanDA site): the sites whose pilots take its jobs, and its status."""

    name: str
    sites: tuple[str, ...]
    status: str = "online"


WMSQUEUE_FIELDS = ("status",)


@dataclass(frozen=True, slots=True)
class DurationDist:
    """Lognormal job durations by median and sigma, cut at ``maximum`` (PanDA sizes jobs to fit)."""

    median: float
    sigma: float = 0.0
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """Generated work for one WMS queue.

    ``kind``: ``steady`` (Poisson at ``per_hour``), ``diurnal`` (Poisson whose rate swings by
    ``amplitude`` around ``per_hour``, highest at ``peak_hour``), ``task`` (one task at ``start``:
    ``scouts`` jobs, then the other ``jobs - scouts`` at once when the scouts are done) or ``tasks``
    (tasks arriving at ``per_hour``, sizes lognormal by ``size_median``/``size_sigma`` between 10
    and 10,000 jobs, each with ``scouts`` scouts)."""

    wmsqueue: str
    kind: str
    duration: DurationDist
    per_hour: float = 0.0
    start: float = 0.0
    end: float | None = None
    amplitude: float = 0.0
    peak_hour: float = 15.0
    jobs: int = 0
    scouts: int = 0
    size_median: float = 200.0
    size_sigma: float = 1.5


@dataclass(frozen=True, slots=True)
class BurstSpec:
    """Jobs that arrive at once at an event."""

    jobs: int
    duration: DurationDist


@dataclass(frozen=True, slots=True)
class EventSpec:
    """At ``at``, change fields of a site or a WMS queue, and/or add a burst of jobs to a WMS queue."""

    at: float
    index: int  # position in the file (events at the same time apply in file order)
    site: str | None = None
    wmsqueue: str | None = None
    changes: tuple[tuple[str, float | int | str], ...] = ()
    burst: BurstSpec | None = None


@dataclass(frozen=True, slots=True)
class PilotSpec:
    """How pilots behave (PanDA pilot 3 defaults) and when stuck ones are removed."""

    getjob_tries: int = 2
    getjob_delay: float = 60.0
    setup: float = 30.0  # wrapper and pilot start-up before the first job request
    pending_limit: float = 86400.0  # pilots not started after this are removed (2.4's periodic_remove)
    blackhole_lifetime: float = 10.0  # a pilot at a black hole dies within this many seconds


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the simulation settings, sites, WMS queues, pilot behaviour, the work (trace
    and streams) and events."""

    path: Path
    name: str
    simulation: SimulationSpec
    sites: tuple[SiteSpec, ...]
    wmsqueues: tuple[WMSQueueSpec, ...]
    pilot: PilotSpec = PilotSpec()
    trace: Path | None = None
    streams: tuple[StreamSpec, ...] = ()
    events: tuple[EventSpec, ...] = ()
    description: str = ""
    site_index: dict[str, SiteSpec] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.site_index.update({s.name: s for s in self.sites})

    def site(self, name: str) -> SiteSpec:
        return self.site_index[name]

    def wmsqueue(self, name: str) -> WMSQueueSpec | None:
        for w in self.wmsqueues:
            if w.name == name:
                return w
        return None

    def with_seed(self, seed: int) -> Scenario:
        return replace(self, simulation=replace(self.simulation, seed=seed), site_index={})

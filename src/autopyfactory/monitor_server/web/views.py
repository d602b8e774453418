"""What each dashboard page shows, read in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from autopyfactory.monitor_server.queue_health import QueueHealth, QueueSample, StaleRule
from autopyfactory.monitor_server.records import (
    Activity,
    Factory,
    Job,
    JobEvent,
    JobRefusal,
    Label,
    LabelMessage,
    RefusedWrite,
    StateCounts,
)
from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.factories import get_factory, list_factories
from autopyfactory.monitor_server.store.job_refusals import refusals
from autopyfactory.monitor_server.store.jobs import JobFilter, events, get_job, list_jobs
from autopyfactory.monitor_server.store.label_status import health_by_factory, health_of, samples_of
from autopyfactory.monitor_server.store.labels import get_label, list_labels, messages
from autopyfactory.monitor_server.store.refused_writes import recent_refused
from autopyfactory.monitor_server.store.stats import (
    counts_by_factory,
    counts_by_label,
    created_activity,
    label_activity,
)
from autopyfactory.monitor_server.web.logs import log_links
from autopyfactory.monitor_server.web.svg import TimelinePoint

PAGE = 100
REFUSED_WINDOW = 24 * 3600.0  # refused writes shown on the pages: those of the last day
REFUSED_SHOWN = 50


@dataclass(frozen=True, slots=True)
class FactoryHealth:
    """At a glance: is the factory cycling, and which of its queues need the operator."""

    stale: bool  # its last cycle report is older than the stale rule allows
    limit: float  # seconds after its last report that it turns stale
    states: dict[str, int]  # queues by configuration state (those whose factory says)
    flagged: int  # queues kept on the last good configuration, disabled or not started
    wms_stale: int  # running queues whose WMS data is too old or whose WMS poll fails
    cycle_stale: int  # running queues that should have cycled again by now


def factory_health(fac: Factory, queues: list[QueueHealth], rule: StaleRule, now: float) -> FactoryHealth:
    states: dict[str, int] = {}
    for q in queues:
        if q.config_state:
            states[q.config_state] = states.get(q.config_state, 0) + 1
    return FactoryHealth(
        stale=rule.stale(fac.last_cycle, fac.cycle_interval, now),
        limit=rule.limit(fac.cycle_interval),
        states=dict(sorted(states.items())),
        flagged=sum(1 for q in queues if q.flagged),
        wms_stale=sum(1 for q in queues if q.runs and q.wms_stale(now)),
        cycle_stale=sum(1 for q in queues if q.cycle_stale(rule, now)),
    )


@dataclass(frozen=True, slots=True)
class FactoryRow:
    """One factory on the index page."""

    factory: Factory
    counts: StateCounts
    activity: Activity
    health: FactoryHealth


@dataclass(frozen=True, slots=True)
class LabelRow:
    """One label on a factory's page, with the factory's last report on it (None: none yet)."""

    label: Label
    counts: StateCounts
    activity: Activity
    health: QueueHealth | None = None


@dataclass(frozen=True, slots=True)
class IndexPage:
    """What the index page shows."""

    rows: list[FactoryRow]
    refused: list[RefusedWrite]


@dataclass(frozen=True, slots=True)
class FactoryPage:
    """What a factory's page shows."""

    factory: Factory
    counts: StateCounts
    activity: Activity
    labels: list[LabelRow]
    refused: list[RefusedWrite]
    health: FactoryHealth


@dataclass(frozen=True, slots=True)
class PilotRow:
    """One pilot on a label's page, with its log links."""

    job: Job
    logs: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class LabelPage:
    """What a label's page shows."""

    factory: Factory
    label: Label
    counts: StateCounts
    activity: Activity
    messages: list[LabelMessage]
    pilots: list[PilotRow]
    state: JobState | None
    page: int
    more: bool
    data: dict[str, Any] | None  # sent with the last status (Harvester)
    health: QueueHealth | None  # the factory's last report on the queue
    samples: list[QueueSample]  # its activated jobs, pending and running pilots over the window
    window_start: float
    factory_stale: bool  # the factory's last cycle report is older than the stale rule allows


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of a pilot's history: an event, or a refused update with how often it came."""

    at: float
    source: str
    text: str
    state: str | None = None
    count: int = 1
    last_at: float | None = None


@dataclass(frozen=True, slots=True)
class JobPage:
    """What a pilot's page shows."""

    job: Job
    factory: Factory | None
    history: list[HistoryRow]
    timeline: list[TimelinePoint]
    timeline_end: float
    logs: list[tuple[str, str]]


def factories_view(conn: Connection, now: float, hours: float, rule: StaleRule) -> IndexPage:
    facs = list_factories(conn)
    counts = counts_by_factory(conn)
    act = created_activity(conn, "factory", [f.id for f in facs], now, hours)
    health = health_by_factory(conn)
    rows = [
        FactoryRow(
            f, counts.get(f.id, StateCounts()), act[f.id], factory_health(f, health.get(f.id, []), rule, now)
        )
        for f in facs
    ]
    return IndexPage(rows, recent_refused(conn, now - REFUSED_WINDOW, limit=REFUSED_SHOWN))


def factory_view(
    conn: Connection, name: str, now: float, hours: float, rule: StaleRule
) -> FactoryPage | None:
    fac = get_factory(conn, name)
    if fac is None:
        return None
    labs = list_labels(conn, name)
    ids = [lab.id for lab in labs]
    counts = counts_by_label(conn, ids)
    act = created_activity(conn, "label", ids, now, hours)
    fact = created_activity(conn, "factory", [fac.id], now, hours)[fac.id]
    health = health_of(conn, ids)
    total = StateCounts.from_pairs({s.value: sum(c.get(s) for c in counts.values()) for s in JobState})
    rows = [LabelRow(lab, counts[lab.id], act[lab.id], health.get(lab.id)) for lab in labs]
    # the queues that need the operator first, then by name
    rows.sort(key=lambda r: (not (r.health is not None and r.health.flagged), r.label.name))
    refused = recent_refused(conn, now - REFUSED_WINDOW, name, limit=REFUSED_SHOWN)
    fh = factory_health(fac, list(health.values()), rule, now)
    return FactoryPage(fac, total, fact, rows, refused, fh)


def label_view(
    conn: Connection,
    factory: str,
    name: str,
    state: JobState | None,
    page: int,
    now: float,
    hours: float,
    rule: StaleRule,
) -> LabelPage | None:
    fac = get_factory(conn, factory)
    lab = get_label(conn, factory, name)
    if fac is None or lab is None:
        return None
    jobs = list_jobs(
        conn,
        JobFilter(
            factory=factory,
            label=name,
            state=state,
            offset=page * PAGE,
            limit=PAGE + 1,
            order="-last_modified",
        ),
    )
    pilots = [PilotRow(j, log_links(j, fac.url)) for j in jobs[:PAGE]]
    window_start = now - hours * 3600.0
    health = health_of(conn, [lab.id]).get(lab.id)
    return LabelPage(
        fac,
        lab,
        counts_by_label(conn, [lab.id])[lab.id],
        label_activity(conn, lab.id, now, hours),
        messages(conn, lab.id),
        pilots,
        state,
        page,
        len(jobs) > PAGE,
        _json_object(lab.data),
        health,
        samples_of(conn, lab.id, window_start),
        window_start,
        rule.stale(fac.last_cycle, fac.cycle_interval, now),
    )


def _json_object(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def history(evs: list[JobEvent], refs: list[JobRefusal]) -> list[HistoryRow]:
    rows = [HistoryRow(e.at, e.source, e.text, e.state) for e in evs]
    rows += [HistoryRow(r.first_at, r.source, r.reason, None, r.count, r.last_at) for r in refs]
    return sorted(rows, key=lambda r: (r.at, r.state is None))


def job_view(conn: Connection, jid: str, now: float) -> JobPage | None:
    job = get_job(conn, jid)
    if job is None:
        return None
    fac = get_factory(conn, job.factory)
    evs = events(conn, job.id)
    points = [TimelinePoint(job.created, JobState.CREATED)]
    points += [TimelinePoint(e.at, JobState(e.state)) for e in evs if e.state]
    end = job.last_modified if job.state in (JobState.DONE, JobState.FAULT) else now
    rows = history(evs, refusals(conn, job.id))
    return JobPage(job, fac, rows, points, max(end, points[-1].at), log_links(job, fac.url if fac else ""))

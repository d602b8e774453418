"""What each dashboard page shows, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from autopyfactory.monitor_server.records import (
    Activity,
    Factory,
    Job,
    JobEvent,
    Label,
    LabelMessage,
    StateCounts,
)
from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.factories import get_factory, list_factories
from autopyfactory.monitor_server.store.jobs import JobFilter, events, get_job, list_jobs
from autopyfactory.monitor_server.store.labels import get_label, list_labels, messages
from autopyfactory.monitor_server.store.stats import (
    counts_by_factory,
    counts_by_label,
    created_activity,
    label_activity,
)
from autopyfactory.monitor_server.web.logs import log_links
from autopyfactory.monitor_server.web.svg import TimelinePoint

PAGE = 100


@dataclass(frozen=True, slots=True)
class FactoryRow:
    factory: Factory
    counts: StateCounts
    activity: Activity


@dataclass(frozen=True, slots=True)
class LabelRow:
    label: Label
    counts: StateCounts
    activity: Activity


@dataclass(frozen=True, slots=True)
class FactoryPage:
    factory: Factory
    counts: StateCounts
    activity: Activity
    labels: list[LabelRow]


@dataclass(frozen=True, slots=True)
class PilotRow:
    job: Job
    logs: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class LabelPage:
    factory: Factory
    label: Label
    counts: StateCounts
    activity: Activity
    messages: list[LabelMessage]
    pilots: list[PilotRow]
    state: JobState | None
    page: int
    more: bool


@dataclass(frozen=True, slots=True)
class JobPage:
    job: Job
    factory: Factory | None
    events: list[JobEvent]
    timeline: list[TimelinePoint]
    timeline_end: float
    logs: list[tuple[str, str]]


def factories_view(conn: Connection, now: float, hours: float) -> list[FactoryRow]:
    facs = list_factories(conn)
    counts = counts_by_factory(conn)
    act = created_activity(conn, "factory", [f.id for f in facs], now, hours)
    return [FactoryRow(f, counts.get(f.id, StateCounts()), act[f.id]) for f in facs]


def factory_view(conn: Connection, name: str, now: float, hours: float) -> FactoryPage | None:
    fac = get_factory(conn, name)
    if fac is None:
        return None
    labs = list_labels(conn, name)
    ids = [lab.id for lab in labs]
    counts = counts_by_label(conn, ids)
    act = created_activity(conn, "label", ids, now, hours)
    fact = created_activity(conn, "factory", [fac.id], now, hours)[fac.id]
    total = StateCounts.from_pairs({s.value: sum(c.get(s) for c in counts.values()) for s in JobState})
    rows = [LabelRow(lab, counts[lab.id], act[lab.id]) for lab in labs]
    return FactoryPage(fac, total, fact, rows)


def label_view(
    conn: Connection, factory: str, name: str, state: JobState | None, page: int, now: float, hours: float
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
    )


def job_view(conn: Connection, jid: str, now: float) -> JobPage | None:
    job = get_job(conn, jid)
    if job is None:
        return None
    fac = get_factory(conn, job.factory)
    evs = events(conn, job.id)
    points = [TimelinePoint(job.created, JobState.CREATED)]
    points += [TimelinePoint(e.at, JobState(e.state)) for e in evs if e.state]
    end = job.last_modified if job.state in (JobState.DONE, JobState.FAULT) else now
    return JobPage(job, fac, evs, points, max(end, points[-1].at), log_links(job, fac.url if fac else ""))

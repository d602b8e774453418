"""Jobs (pilots): bulk registration, reads, history, delete. State updates are in ``transitions``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, insert, select

from autopyfactory.monitor_server.db.schema import factories, job_events, jobs, labels
from autopyfactory.monitor_server.records import Job, JobEvent
from autopyfactory.monitor_server.states import JobState


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A pilot to register."""

    cid: str
    label: str
    factory: str
    stdouturl: str = ""
    stderrurl: str = ""
    logurl: str = ""
    jdlurl: str = ""


@dataclass(frozen=True, slots=True)
class JobsResult:
    """How many pilots a registration created, of how many."""

    created: int
    total: int

    @property
    def not_created(self) -> int:
        return self.total - self.created


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which pilots a listing shows."""

    factory: str | None = None
    label: str | None = None
    state: JobState | None = None
    offset: int = 0
    limit: int = 50
    order: str = "last_modified"


_ORDER = {"last_modified": jobs.c.last_modified, "created": jobs.c.created, "jid": jobs.c.jid}
ORDERS = tuple(_ORDER) + tuple("-" + k for k in _ORDER)


def make_jid(factory: str, cid: str) -> str:
    return f"{factory}:{cid}"


def _base() -> Select[Any]:
    return (
        select(jobs, factories.c.name.label("factory_name"), labels.c.name.label("label_name"))
        .join(factories, factories.c.id == jobs.c.factory_id)
        .join(labels, labels.c.id == jobs.c.label_id)
    )


def _job(row: Row[tuple[object, ...]]) -> Job:
    m = row._mapping
    return Job(
        id=m["id"],
        jid=m["jid"],
        cid=m["cid"],
        factory=m["factory_name"],
        label=m["label_name"],
        state=JobState(m["state"]),
        result=m["result"],
        flag=bool(m["flag"]),
        created=m["created"],
        last_modified=m["last_modified"],
        stdouturl=m["stdouturl"],
        stderrurl=m["stderrurl"],
        logurl=m["logurl"],
        jdlurl=m["jdlurl"],
    )


def get_job(conn: Connection, jid: str) -> Job | None:
    row = conn.execute(_base().where(jobs.c.jid == jid)).first()
    return None if row is None else _job(row)


def list_jobs(conn: Connection, f: JobFilter) -> list[Job]:
    stmt = _base()
    if f.factory:
        stmt = stmt.where(factories.c.name == f.factory)
    if f.label:
        stmt = stmt.where(labels.c.name == f.label)
    if f.state is not None:
        stmt = stmt.where(jobs.c.state == f.state.value)
    col = _ORDER[f.order.lstrip("-")]
    stmt = stmt.order_by(col.desc() if f.order.startswith("-") else col, jobs.c.id)
    if f.offset:
        stmt = stmt.offset(f.offset)
    if f.limit:
        stmt = stmt.limit(f.limit)
    return [_job(r) for r in conn.execute(stmt)]


def events(conn: Connection, job_id: int) -> list[JobEvent]:
    rows = conn.execute(
        select(job_events.c.at, job_events.c.source, job_events.c.state, job_events.c.text)
        .where(job_events.c.job_id == job_id)
        .order_by(job_events.c.id)
    )
    return [JobEvent(r.at, r.source, r.state, r.text) for r in rows]


def create_jobs(conn: Connection, items: Sequence[JobInfo], now: float) -> JobsResult:
    """Create jobs in state ``created``; unknown labels and duplicate ids are not created."""
    fac_names = sorted({i.factory for i in items})
    label_ids = {
        (r.factory, r.name): (r.factory_id, r.id)
        for r in conn.execute(
            select(labels.c.id, labels.c.name, labels.c.factory_id, factories.c.name.label("factory"))
            .join(factories, factories.c.id == labels.c.factory_id)
            .where(factories.c.name.in_(fac_names))
        )
    }
    wanted: dict[str, dict[str, object]] = {}
    for it in items:
        ids = label_ids.get((it.factory, it.label))
        jid = make_jid(it.factory, it.cid)
        if ids is None or jid in wanted:
            continue
        wanted[jid] = {
            "jid": jid,
            "cid": it.cid,
            "factory_id": ids[0],
            "label_id": ids[1],
            "state": JobState.CREATED.value,
            "result": -1,
            "flag": False,
            "created": now,
            "last_modified": now,
            "stdouturl": it.stdouturl,
            "stderrurl": it.stderrurl,
            "logurl": it.logurl,
            "jdlurl": it.jdlurl,
        }
    if wanted:
        existing = {r.jid for r in conn.execute(select(jobs.c.jid).where(jobs.c.jid.in_(list(wanted))))}
        for jid in existing:
            del wanted[jid]
    if wanted:
        conn.execute(insert(jobs), list(wanted.values()))
    return JobsResult(len(wanted), len(items))


def delete_job(conn: Connection, job_id: int) -> None:
    conn.execute(delete(jobs).where(jobs.c.id == job_id))

"""Aggregates for the API, the dashboard and the metrics: counts by state and activity over time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select

from autopyfactory.monitor_server.db.bucket import bucket_index
from autopyfactory.monitor_server.db.schema import factories, jobs, labels
from autopyfactory.monitor_server.records import Activity, StateCounts
from autopyfactory.monitor_server.states import JobState

BUCKETS = 24


@dataclass(frozen=True, slots=True)
class PilotCount:
    """Pilots of one factory, label and state."""

    factory: str
    label: str
    state: JobState
    n: int


def counts_by_label(conn: Connection, label_ids: Sequence[int]) -> dict[int, StateCounts]:
    if not label_ids:
        return {}
    rows = conn.execute(
        select(jobs.c.label_id, jobs.c.state, func.count())
        .where(jobs.c.label_id.in_(label_ids))
        .group_by(jobs.c.label_id, jobs.c.state)
    )
    acc: dict[int, dict[str, int]] = defaultdict(dict)
    for lid, state, n in rows:
        acc[lid][state] = n
    return {lid: StateCounts.from_pairs(acc.get(lid, {})) for lid in label_ids}


def counts_by_factory(conn: Connection) -> dict[int, StateCounts]:
    rows = conn.execute(
        select(jobs.c.factory_id, jobs.c.state, func.count()).group_by(jobs.c.factory_id, jobs.c.state)
    )
    acc: dict[int, dict[str, int]] = defaultdict(dict)
    for fid, state, n in rows:
        acc[fid][state] = n
    return {fid: StateCounts.from_pairs(v) for fid, v in acc.items()}


def pilot_counts(conn: Connection) -> list[PilotCount]:
    """Jobs by factory, label and state (the metrics gauge)."""
    rows = conn.execute(
        select(factories.c.name, labels.c.name, jobs.c.state, func.count())
        .select_from(jobs)
        .join(labels, labels.c.id == jobs.c.label_id)
        .join(factories, factories.c.id == jobs.c.factory_id)
        .group_by(factories.c.name, labels.c.name, jobs.c.state)
    )
    return [PilotCount(f, lab, JobState(s), n) for f, lab, s, n in rows]


def _window(now: float, hours: float) -> tuple[float, float]:
    width = hours * 3600.0 / BUCKETS
    return now - width * BUCKETS, width


def _series(rows: Iterable[Row[Any]], key_index: int = 0) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(lambda: [0] * BUCKETS)
    for row in rows:
        key, b, n = row[key_index], row[key_index + 1], row[key_index + 2]
        if 0 <= b <= BUCKETS:  # b == BUCKETS: exactly now
            out[key][min(b, BUCKETS - 1)] += n
    return out


def created_activity(
    conn: Connection, by: str, ids: Sequence[int], now: float, hours: float
) -> dict[int, Activity]:
    """Jobs created per bucket over the last ``hours``, per label (``by="label"``) or factory."""
    start, width = _window(now, hours)
    col = jobs.c.label_id if by == "label" else jobs.c.factory_id
    b = bucket_index(jobs.c.created, start, width)
    series = _series(
        conn.execute(
            select(col, b, func.count()).where(col.in_(ids), jobs.c.created >= start).group_by(col, b)
        )
        if ids
        else []
    )
    return {i: Activity(start, width, tuple(series[i])) for i in ids}


def label_activity(conn: Connection, label_id: int, now: float, hours: float) -> Activity:
    """Created, done and fault per bucket for one label (done/fault counted when they last changed)."""
    start, width = _window(now, hours)
    created = created_activity(conn, "label", [label_id], now, hours)[label_id].created
    b = bucket_index(jobs.c.last_modified, start, width)
    rows = conn.execute(
        select(jobs.c.state, b, func.count())
        .where(
            jobs.c.label_id == label_id,
            jobs.c.state.in_([JobState.DONE.value, JobState.FAULT.value]),
            jobs.c.last_modified >= start,
        )
        .group_by(jobs.c.state, b)
    )
    done, fault = [0] * BUCKETS, [0] * BUCKETS
    for state, i, n in rows:
        if 0 <= i <= BUCKETS:
            (done if state == JobState.DONE.value else fault)[min(i, BUCKETS - 1)] += n
    return Activity(start, width, created, tuple(done), tuple(fault))

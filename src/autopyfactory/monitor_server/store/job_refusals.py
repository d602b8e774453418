"""Refused state updates of a job, collapsed: one row per job and reason with a count and the first
and last time. However often a caller repeats a refused update, a job's history stays bounded (at
most one row per reason, and the reasons are a short fixed list: each refused transition between
two states, each state a caller may not set)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from autopyfactory.monitor_server.db.schema import job_refusals
from autopyfactory.monitor_server.db.upsert import upsert
from autopyfactory.monitor_server.records import JobRefusal

REASON_MAX = 255


@dataclass(frozen=True, slots=True)
class RefusalCount:
    """``count`` refusals of job ``job_id`` for ``reason`` in one batch; the last from ``source``."""

    job_id: int
    reason: str
    count: int
    at: float
    source: str


def record_refusals(conn: Connection, rows: Sequence[RefusalCount]) -> None:
    """Add the counts (one row per job and reason in ``rows``) inside the caller's transaction."""
    upsert(
        conn,
        job_refusals,
        [
            {
                "job_id": r.job_id,
                "reason": r.reason[:REASON_MAX],
                "count": r.count,
                "first_at": r.at,
                "last_at": r.at,
                "source": r.source[:64],
            }
            for r in rows
        ],
        ("job_id", "reason"),
        lambda c, new: {
            "count": c["count"] + new["count"],
            "last_at": new["last_at"],
            "source": new["source"],
        },
    )


def refusals(conn: Connection, job_id: int) -> list[JobRefusal]:
    rows = conn.execute(
        select(job_refusals).where(job_refusals.c.job_id == job_id).order_by(job_refusals.c.first_at)
    )
    out = []
    for r in rows:
        m = r._mapping  # ("count" would be the row's tuple method)
        out.append(JobRefusal(m["reason"], int(m["count"]), m["first_at"], m["last_at"], m["source"]))
    return out

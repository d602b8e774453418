"""Refused factory writes, for the dashboard: one row per factory, action and subject (a queue, or
nothing) with a count, the first and last time, the last caller's address, the reason and the fix.

Callers need no credential to be refused, so the table is bounded: at most ``KEEP`` rows (the least
recently refused go first), and the expiry task deletes rows not refused for ``keep_inactive``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from autopyfactory.monitor_server.db.schema import refused_writes
from autopyfactory.monitor_server.db.upsert import upsert
from autopyfactory.monitor_server.records import RefusedWrite

KEEP = 500


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def record_refused(conn: Connection, r: RefusedWrite, keep: int = KEEP) -> None:
    """Count ``r`` (its ``count`` is added) inside the caller's transaction."""
    row = {
        "factory": _cut(r.factory, 64),
        "action": _cut(r.action, 64),
        "subject": _cut(r.subject, 128),
        "address": r.address[:64],
        "status": r.status,
        "reason": _cut(r.reason, 1024),
        "fix": _cut(r.fix, 1024),
        "count": r.count,
        "first_at": r.first_at,
        "last_at": r.last_at,
    }
    upsert(
        conn,
        refused_writes,
        [row],
        ("factory", "action", "subject"),
        lambda c, new: {
            "count": c["count"] + new["count"],
            **{k: new[k] for k in ("last_at", "address", "status", "reason", "fix")},
        },
    )
    old = select(refused_writes.c.id).order_by(refused_writes.c.last_at.desc()).offset(keep)
    stale = [x.id for x in conn.execute(old)]
    if stale:
        conn.execute(delete(refused_writes).where(refused_writes.c.id.in_(stale)))


def _refused(row: Row[Any]) -> RefusedWrite:
    m = row._mapping
    return RefusedWrite(
        m["factory"], m["action"], m["subject"], m["address"], m["status"], m["reason"], m["fix"],
        int(m["count"]), m["first_at"], m["last_at"],
    )  # fmt: skip


def recent_refused(
    conn: Connection, since: float = 0.0, factory: str | None = None, limit: int = 100
) -> list[RefusedWrite]:
    """Newest first; refused at or after ``since``; of one factory when ``factory`` is given."""
    stmt = select(refused_writes).where(refused_writes.c.last_at >= since)
    if factory is not None:
        stmt = stmt.where(refused_writes.c.factory == factory)
    stmt = stmt.order_by(refused_writes.c.last_at.desc(), refused_writes.c.id).limit(limit)
    return [_refused(r) for r in conn.execute(stmt)]


def clear_refused(conn: Connection, factory: str, statuses: Sequence[int]) -> int:
    """Forget ``factory``'s refusals with these statuses (it has just been admitted)."""
    stmt = delete(refused_writes).where(
        refused_writes.c.factory == factory, refused_writes.c.status.in_(list(statuses))
    )
    return conn.execute(stmt).rowcount


def delete_old_refused(conn: Connection, before: float) -> int:
    return conn.execute(delete(refused_writes).where(refused_writes.c.last_at < before)).rowcount

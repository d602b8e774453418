"""State updates of many jobs in one transaction, through SQLAlchemy (SQLite, and any database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import Connection, bindparam, insert, select, update

from autopyfactory.monitor_server.db.schema import job_events, jobs
from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.job_refusals import record_refusals
from autopyfactory.monitor_server.store.transition_plan import (
    Outcome,
    StateUpdate,
    UpdateResult,
    describe,
    plan,
)

# Built once: the hot path only binds parameters (statement construction costs more than the SQL).
_SELECT = select(jobs.c.id, jobs.c.jid, jobs.c.state).where(jobs.c.jid.in_(bindparam("jids", expanding=True)))
_SELECT_LOCKED = _SELECT.order_by(jobs.c.jid).with_for_update()  # one lock order for concurrent batches
_MOVE = (
    update(jobs)
    .where(jobs.c.id.in_(bindparam("ids", expanding=True)))
    .values(state=bindparam("new_state"), last_modified=bindparam("now"), flag=False)
)
_MOVE_RC = _MOVE.values(result=bindparam("rc"))
_LOG = insert(job_events)


def apply_updates(conn: Connection, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
    """Apply ``updates`` in order inside the caller's transaction; refused ones are counted on the job."""
    stmt = _SELECT if conn.dialect.name == "sqlite" else _SELECT_LOCKED
    rows = conn.execute(stmt, {"jids": sorted({u.jid for u in updates})})
    p = plan({r.jid: (r.id, JobState(r.state)) for r in rows}, updates, now)
    for (state, rc), ids in p.moves.items():
        params = {"ids": ids, "new_state": state.value, "now": now}
        if rc is None:
            conn.execute(_MOVE, params)
        else:
            conn.execute(_MOVE_RC, {**params, "rc": rc})
    if p.events:
        conn.execute(_LOG, [asdict(e) for e in p.events])
    record_refusals(conn, p.refusals)
    return p.results


__all__ = ["Outcome", "StateUpdate", "UpdateResult", "apply_updates", "describe"]
